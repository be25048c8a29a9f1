import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNhnProvider, type NhnProviderOptions } from '../../server/notify/sms/nhn.ts';
import type { SmsProvider } from '../../server/notify/sms/provider.ts';
import type { DeliveryReport } from '../../server/notify/types.ts';
import { closedPort, startNhnFake, startWebhookReceiver, type NhnFake, type WebhookReceiver } from './fakes/index.ts';

const short = '[portwatch] 장애 203.0.113.5 포트 22,80 ECONNREFUSED 11-24 18:20';
const long = `${short}\n확인 https://pw.example.com/t/ack/eyJ2IjoxLCJsIjoiY20zbGVkZ2VyMDEiLCJwIjoiYWNrIn0.sig`;

describe('NHN Cloud SMS v3.0 adapter', () => {
  let fake: NhnFake;
  let provider: SmsProvider;
  let hook: WebhookReceiver;
  const reports: DeliveryReport[] = [];

  function make(over: Partial<NhnProviderOptions> = {}): SmsProvider {
    return createNhnProvider({
      baseUrl: fake.url,
      appKey: fake.appKey,
      secretKey: fake.secretKey,
      sendNo: '15446859',
      webhookSecret: fake.webhookSecret,
      fetch,
      timeoutMs: 2000,
      ...over,
    });
  }

  beforeAll(async () => {
    fake = await startNhnFake();
    provider = make();
    hook = await startWebhookReceiver((call) => {
      const r = provider.parseReport!({ headers: call.headers, rawBody: call.rawBody, url: call.url });
      if (!r.ok) return { status: r.status, body: r.reason };
      reports.push(...r.reports);
      return { status: 200, body: 'ok' };
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

  it('sends one SMS in domestic format with grouping keys = ledger id', async () => {
    const out = await provider.send({ ledgerId: 'cm3ledger01', to: '+821012345678', text: short });
    const req = fake.received[0];
    expect(req).toMatchObject({ type: 'sms', appKey: fake.appKey, secretKey: fake.secretKey });
    expect(req?.contentType).toMatch(/^application\/json/);
    expect(req?.body).toEqual({
      body: short,
      sendNo: '15446859',
      senderGroupingKey: 'cm3ledger01',
      recipientList: [{ recipientNo: '01012345678', recipientGroupingKey: 'cm3ledger01' }],
    });
    expect(out).toMatchObject({ status: 'SENT', providerMessageId: `${req?.requestId}:${req?.recipientSeq}` });
    expect(out.detail).toContain('SMS');
  });

  it('sends a message over 90 EUC-KR bytes as LMS through /sender/mms with a title', async () => {
    const out = await provider.send({ ledgerId: 'cm3ledger02', to: '+821012345678', text: long });
    expect(out.status).toBe('SENT');
    expect(fake.received[0]).toMatchObject({ type: 'mms', body: { title: '[portwatch]', body: long } });
  });

  it('sends abroad with internationalRecipientNo, but refuses an LMS abroad without calling NHN', async () => {
    expect(
      (await provider.send({ ledgerId: 'cm3ledger03', to: '+14155552671', text: 'DOWN 203.0.113.5' })).status,
    ).toBe('SENT');
    expect(fake.received[0]?.body.recipientList[0]).toEqual({
      internationalRecipientNo: '14155552671',
      recipientGroupingKey: 'cm3ledger03',
    });
    const out = await provider.send({ ledgerId: 'cm3ledger04', to: '+14155552671', text: long });
    expect(out).toMatchObject({ status: 'FAILED' });
    expect(out.detail).toMatch(/only within Korea/);
    expect(fake.received).toHaveLength(1);
  });

  it('a refusal inside an HTTP 200 body → FAILED with resultMessage', async () => {
    fake.setBehaviour({ kind: 'headerFailure', resultCode: -2019, resultMessage: 'RecipientNo is invalid.' });
    expect(await provider.send({ ledgerId: 'cm3ledger05', to: '+821012345678', text: short })).toMatchObject({
      status: 'FAILED',
      detail: 'NHN -2019: RecipientNo is invalid.',
    });
    fake.setBehaviour({
      kind: 'recipientFailure',
      resultCode: -2015,
      resultMessage: 'Title or Body exceed maximum byte.',
    });
    expect(await provider.send({ ledgerId: 'cm3ledger06', to: '+821012345678', text: short })).toMatchObject({
      status: 'FAILED',
      detail: 'NHN -2015: Title or Body exceed maximum byte.',
    });
  });

  it('NHN system errors inside 200 (-9999) → RETRY', async () => {
    fake.setBehaviour({ kind: 'headerFailure', resultCode: -9999, resultMessage: 'System error.' });
    expect((await provider.send({ ledgerId: 'cm3ledger07', to: '+821012345678', text: short })).status).toBe('RETRY');
  });

  it('401 (wrong secret key) → FAILED', async () => {
    const out = await make({ secretKey: 'wrong' }).send({ ledgerId: 'cm3ledger08', to: '+821012345678', text: short });
    expect(out).toMatchObject({ status: 'FAILED' });
    expect(out.detail).toContain('401');
  });

  it('429 honours Retry-After; 500 → RETRY', async () => {
    fake.enqueue(
      { kind: 'http', status: 429, headers: { 'Retry-After': '7' }, body: '' },
      { kind: 'http', status: 500, body: 'oops' },
    );
    expect(await provider.send({ ledgerId: 'cm3ledger09', to: '+821012345678', text: short })).toMatchObject({
      status: 'RETRY',
      retryAfterMs: 7000,
    });
    expect(await provider.send({ ledgerId: 'cm3ledger09', to: '+821012345678', text: short })).toMatchObject({
      status: 'RETRY',
      detail: 'NHN HTTP 500',
    });
    expect((await provider.send({ ledgerId: 'cm3ledger09', to: '+821012345678', text: short })).status).toBe('SENT');
  });

  it('timeout and refused connection → RETRY', async () => {
    fake.setBehaviour({ kind: 'hang' });
    const slow = await make({ timeoutMs: 200 }).send({ ledgerId: 'cm3ledger10', to: '+821012345678', text: short });
    expect(slow).toMatchObject({ status: 'RETRY' });
    expect(slow.detail).toMatch(/timeout after 200 ms/);
    const down = await make({ baseUrl: `http://127.0.0.1:${await closedPort()}` }).send({
      ledgerId: 'cm3ledger10',
      to: '+821012345678',
      text: short,
    });
    expect(down).toMatchObject({ status: 'RETRY' });
    expect(down.detail).toMatch(/ECONNREFUSED/);
  });

  it('signed delivery reports map to DELIVERED / FAILED keyed like the send', async () => {
    const out = await provider.send({ ledgerId: 'cm3ledger11', to: '+821012345678', text: short });
    const id = out.status === 'SENT' ? out.providerMessageId : null;
    expect((await fake.postReport(`${hook.url}/webhooks/nhn`)).status).toBe(200);
    expect(reports[0]).toMatchObject({
      providerMessageId: id,
      status: 'DELIVERED',
      ledgerId: 'cm3ledger11',
      detail: 'COMPLETED: 1000 delivered',
    });
    await fake.postReport(`${hook.url}/webhooks/nhn`, { messageStatus: 'FAILED', resultCode: '3001' });
    expect(reports[1]).toMatchObject({
      providerMessageId: id,
      status: 'FAILED',
      detail: 'FAILED: 3001 no such subscriber',
    });
    await fake.postReport(`${hook.url}/webhooks/nhn`, { messageStatus: 'COMPLETED', resultCode: '2003' });
    expect(reports[2]).toMatchObject({ status: 'FAILED', detail: 'COMPLETED: 2003 handset switched off' });
  });

  it('forged, missing or unconfigured signatures → 401; malformed → 400; other events ignored', async () => {
    await provider.send({ ledgerId: 'cm3ledger12', to: '+821012345678', text: short });
    expect((await fake.postReport(hook.url, { signature: 'forged' })).status).toBe(401);
    expect((await fake.postReport(hook.url, { signature: 'missing' })).status).toBe(401);
    expect((await fake.postReport(hook.url, { rawBody: '{not json' })).status).toBe(400);
    expect(
      (await fake.postReport(hook.url, { rawBody: JSON.stringify({ event: 'MESSAGE_RESULT_UPDATE', hooks: 'x' }) }))
        .status,
    ).toBe(400);
    expect((await fake.postReport(hook.url, { event: 'UNSUBSCRIBE' })).status).toBe(200);
    expect(reports).toHaveLength(0);
    const noSecret = createNhnProvider({ baseUrl: fake.url, appKey: 'a', secretKey: 'b', sendNo: '1', fetch });
    expect(
      noSecret.parseReport!({ headers: { 'x-toast-webhook-signature': 'anything' }, rawBody: '{}', url: '/' }),
    ).toMatchObject({ ok: false, status: 401 });
  });

  it("'static' signature mode compares the header with the configured signature", async () => {
    const staticFake = await startNhnFake({ signatureMode: 'static', webhookSecret: 'console-signature-value' });
    const p = createNhnProvider({
      baseUrl: staticFake.url,
      appKey: staticFake.appKey,
      secretKey: staticFake.secretKey,
      sendNo: '1',
      webhookSecret: 'console-signature-value',
      webhookSignatureMode: 'static',
      fetch,
    });
    const got: DeliveryReport[] = [];
    const recv = await startWebhookReceiver((c) => {
      const r = p.parseReport!({ headers: c.headers, rawBody: c.rawBody, url: c.url });
      if (r.ok) got.push(...r.reports);
      return { status: r.ok ? 200 : r.status };
    });
    try {
      await p.send({ ledgerId: 'cm3ledger13', to: '01012345678', text: 'x' });
      expect((await staticFake.postReport(recv.url)).status).toBe(200);
      expect((await staticFake.postReport(recv.url, { signature: 'forged' })).status).toBe(401);
      expect(got).toHaveLength(1);
    } finally {
      await recv.close();
      await staticFake.close();
    }
  });
});
