import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTwilioProvider, twilioSignature } from '../../server/notify/sms/twilio.ts';
import { createSmsProvider } from '../../server/notify/sms/index.ts';
import type { SmsProvider } from '../../server/notify/sms/provider.ts';
import type { DeliveryReport } from '../../server/notify/types.ts';
import {
  signTwilio,
  startTwilioFake,
  startWebhookReceiver,
  type TwilioFake,
  type WebhookReceiver,
} from './fakes/index.ts';

describe('Twilio request signature', () => {
  it("matches Twilio's published test vector (both implementations)", () => {
    const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+14158675309',
      Digits: '1234',
      From: '+14158675309',
      To: '+18005551212',
    };
    expect(twilioSignature('12345', url, Object.entries(params))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(signTwilio('12345', url, params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });
});

describe('Twilio adapter', () => {
  let fake: TwilioFake;
  let hook: WebhookReceiver;
  let provider: SmsProvider;
  let callbackUrl: string;
  const reports: DeliveryReport[] = [];

  beforeAll(async () => {
    fake = await startTwilioFake();
    hook = await startWebhookReceiver((call) => {
      const r = provider.parseReport!({ headers: call.headers, rawBody: call.rawBody, url: call.url });
      if (!r.ok) return { status: r.status, body: r.reason };
      reports.push(...r.reports);
      return { status: 200, body: '<Response/>' };
    });
    callbackUrl = `${hook.url}/webhooks/twilio?x=1`;
    provider = createTwilioProvider({
      baseUrl: fake.url,
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: '+15005550006',
      statusCallbackUrl: callbackUrl,
      fetch,
      timeoutMs: 2000,
    });
  });
  afterAll(async () => {
    await hook.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.setBehaviour({ kind: 'success' });
    fake.received.length = 0;
    reports.length = 0;
  });

  it('sends a form POST with Basic auth and StatusCallback; returns the sid', async () => {
    const out = await provider.send({
      ledgerId: 'cm3ledger01',
      to: '+821012345678',
      text: '[portwatch] DOWN 203.0.113.5',
    });
    const req = fake.received[0];
    expect(req).toMatchObject({
      authorized: true,
      form: {
        To: '+821012345678',
        From: '+15005550006',
        Body: '[portwatch] DOWN 203.0.113.5',
        StatusCallback: callbackUrl,
      },
    });
    expect(out).toMatchObject({ status: 'SENT', providerMessageId: req?.sid });
  });

  it('a Messaging Service SID goes as MessagingServiceSid', async () => {
    const p = createTwilioProvider({
      baseUrl: fake.url,
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: `MG${'a'.repeat(32)}`,
      statusCallbackUrl: callbackUrl,
      fetch,
    });
    await p.send({ ledgerId: 'cm3ledger02', to: '+821012345678', text: 'x' });
    expect(fake.received[0]?.form).toMatchObject({ MessagingServiceSid: `MG${'a'.repeat(32)}` });
    expect(fake.received[0]?.form.From).toBeUndefined();
  });

  it("4xx → FAILED with Twilio's message; wrong token → FAILED; non-E.164 refused locally", async () => {
    fake.setBehaviour({
      kind: 'error',
      status: 400,
      code: 21211,
      message: "The 'To' number +8210 is not a valid phone number.",
    });
    expect(await provider.send({ ledgerId: 'cm3ledger03', to: '+821012345678', text: 'x' })).toMatchObject({
      status: 'FAILED',
      detail: "Twilio 21211: The 'To' number +8210 is not a valid phone number.",
    });
    fake.setBehaviour({ kind: 'success' });
    const bad = createTwilioProvider({
      baseUrl: fake.url,
      accountSid: fake.accountSid,
      authToken: 'nope',
      from: '+15005550006',
      statusCallbackUrl: callbackUrl,
      fetch,
    });
    expect(await bad.send({ ledgerId: 'cm3ledger03', to: '+821012345678', text: 'x' })).toMatchObject({
      status: 'FAILED',
      detail: 'Twilio 20003: Authenticate',
    });
    expect((await provider.send({ ledgerId: 'cm3ledger03', to: '010-1234-5678', text: 'x' })).status).toBe('FAILED');
  });

  it('429 honours Retry-After, 500 and timeouts → RETRY', async () => {
    fake.enqueue(
      { kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '3' },
      { kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' },
      { kind: 'hang' },
    );
    expect(await provider.send({ ledgerId: 'cm3ledger04', to: '+821012345678', text: 'x' })).toMatchObject({
      status: 'RETRY',
      retryAfterMs: 3000,
    });
    expect(await provider.send({ ledgerId: 'cm3ledger04', to: '+821012345678', text: 'x' })).toMatchObject({
      status: 'RETRY',
    });
    const quick = createTwilioProvider({
      baseUrl: fake.url,
      accountSid: fake.accountSid,
      authToken: fake.authToken,
      from: '+15005550006',
      statusCallbackUrl: callbackUrl,
      fetch,
      timeoutMs: 200,
    });
    const t = await quick.send({ ledgerId: 'cm3ledger04', to: '+821012345678', text: 'x' });
    expect(t).toMatchObject({ status: 'RETRY' });
    expect(t.detail).toMatch(/timeout/);
  });

  it('signed status callbacks map delivered / undelivered / sent; unknown fields tolerated', async () => {
    const out = await provider.send({ ledgerId: 'cm3ledger05', to: '+821012345678', text: 'x' });
    const sid = out.status === 'SENT' ? out.providerMessageId : '';
    expect((await fake.postStatus(callbackUrl, { MessageStatus: 'sent' })).status).toBe(200);
    expect(
      (
        await fake.postStatus(callbackUrl, {
          MessageStatus: 'delivered',
          extra: { RawDlrDoneDate: '2511241820', SomeFutureField: 'ü & =' },
        })
      ).status,
    ).toBe(200);
    expect((await fake.postStatus(callbackUrl, { MessageStatus: 'undelivered', ErrorCode: '30003' })).status).toBe(200);
    expect(reports.map((r) => [r.providerMessageId, r.status, r.detail])).toEqual([
      [sid, 'SENT', 'sent'],
      [sid, 'DELIVERED', 'delivered'],
      [sid, 'FAILED', 'undelivered (ErrorCode 30003: unreachable destination handset)'],
    ]);
  });

  it('forged, missing, or signed-for-another-URL callbacks → 401; missing fields → 400', async () => {
    await provider.send({ ledgerId: 'cm3ledger06', to: '+821012345678', text: 'x' });
    expect((await fake.postStatus(callbackUrl, { MessageStatus: 'delivered', signature: 'forged' })).status).toBe(401);
    expect((await fake.postStatus(callbackUrl, { MessageStatus: 'delivered', signature: 'missing' })).status).toBe(401);
    expect(
      (await fake.postStatus(callbackUrl, { MessageStatus: 'delivered', signUrl: `${hook.url}/elsewhere` })).status,
    ).toBe(401);
    const body = 'MessageSid=SM1';
    const sig = twilioSignature(fake.authToken, callbackUrl, new URLSearchParams(body).entries());
    expect(
      provider.parseReport!({ headers: { 'X-Twilio-Signature': sig }, rawBody: body, url: callbackUrl }),
    ).toMatchObject({ ok: false, status: 400 });
    expect(reports).toHaveLength(0);
  });
});

describe('provider factory', () => {
  it("'none' says plainly that nothing was sent", async () => {
    const p = createSmsProvider({ provider: 'none' });
    expect(p.name).toBe('none');
    expect(p.parseReport).toBeUndefined();
    expect(await p.send({ ledgerId: 'cm3ledger07', to: '+821012345678', text: 'x' })).toEqual({
      status: 'NOT_SENT',
      detail: 'not sent: no SMS provider configured',
    });
  });

  it('builds nhn and twilio adapters', () => {
    expect(
      createSmsProvider({ provider: 'nhn', baseUrl: 'http://x', appKey: 'a', secretKey: 'b', sendNo: '1' }).name,
    ).toBe('nhn');
    expect(
      createSmsProvider({
        provider: 'twilio',
        baseUrl: 'http://x',
        accountSid: 'AC1',
        authToken: 't',
        from: '+1',
        statusCallbackUrl: 'http://y',
      }).name,
    ).toBe('twilio');
  });
});
