// The four new channels against local fakes speaking the real API shapes: success, permanent and
// temporary failures, rate limits, timeouts; the webhook receiver verifies signatures and refuses
// replays; webhooks honour the IP policy.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAlimtalkProvider, type AlimtalkProvider } from '../../server/notify/alimtalk/nhn.ts';
import {
  ALIMTALK_TEMPLATES,
  alimtalkParameters,
  fillTemplate,
  templateVariables,
} from '../../server/notify/alimtalk/templates.ts';
import { renderSlack, renderTelegram } from '../../server/notify/chat.ts';
import { createSlackChannel, slackRecipient } from '../../server/notify/slack.ts';
import { createTelegramChannel } from '../../server/notify/telegram.ts';
import type { AlertContent } from '../../server/notify/types.ts';
import {
  buildWebhookEvent,
  createWebhookChannel,
  signWebhook,
  verifyWebhookSignature,
} from '../../server/notify/webhook.ts';
import {
  startAlimtalkFake,
  startSignedWebhookReceiver,
  startSlackFake,
  startTelegramFake,
  type AlimtalkFake,
  type SignedWebhookReceiver,
  type SlackFake,
  type TelegramFake,
} from './fakes/index.ts';

const down: AlertContent = {
  kind: 'DOWN',
  lang: 'ko',
  host: '203.0.113.5',
  ports: [80, 22],
  error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.5:22' },
  at: new Date('2026-11-24T09:20:00Z'),
  openedAt: new Date('2026-11-24T09:20:00Z'),
  incidentId: 'inc1',
  monitorName: 'web <1>',
  logUrl: 'https://pw.example.com/incidents/inc1',
  ackUrl: 'https://pw.example.com/t/a/tok',
};
const recovered: AlertContent = {
  ...down,
  kind: 'RECOVERED',
  lang: 'en',
  at: new Date('2026-11-24T10:22:30Z'),
  resolvedAt: new Date('2026-11-24T10:22:30Z'),
};
delete recovered.ackUrl;

describe('rendering for chat and AlimTalk', () => {
  it('Slack blocks carry host, ports, error, duration and links, escaped', () => {
    const m = renderSlack(recovered);
    const all = JSON.stringify(m.blocks);
    expect(all).toContain('203.0.113.5');
    expect(all).toContain('22, 80');
    expect(all).toContain('1h 2m');
    expect(all).toContain('web &lt;1&gt;');
    expect(all).toContain('https://pw.example.com/incidents/inc1');
    expect(all).not.toContain('ECONNREFUSED'); // a recovery does not repeat the error
    expect(m.text).toContain('RECOVERED');
  });
  it('Telegram HTML escapes names and links the acknowledgement', () => {
    const t = renderTelegram(down);
    expect(t).toContain('<b>[portwatch] 장애: 203.0.113.5</b>');
    expect(t).toContain('web &lt;1&gt;');
    expect(t).toContain('<a href="https://pw.example.com/t/a/tok">확인(ACK)</a>');
  });
  it('AlimTalk parameters are exactly the template variables, and fill the registered text', () => {
    for (const c of [down, recovered]) {
      const p = alimtalkParameters(c);
      const key = c.kind === 'DOWN' ? 'DOWN' : 'RECOVERED';
      expect(Object.keys(p).sort()).toEqual(templateVariables(ALIMTALK_TEMPLATES[key][c.lang]).sort());
      expect(fillTemplate(ALIMTALK_TEMPLATES[key][c.lang], p)).not.toMatch(/#\{/);
    }
    expect(alimtalkParameters(down).link).toBe('https://pw.example.com/t/a/tok');
    expect(alimtalkParameters(recovered).duration).toBe('1h 2m');
  });
});

describe('Slack incoming webhook', () => {
  let fake: SlackFake;
  const slack = () => createSlackChannel({ fetch, allowedPrefix: fake.url, timeoutMs: 500 });
  const msg = renderSlack(down);
  beforeAll(async () => (fake = await startSlackFake()));
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.setBehaviour({ kind: 'success' });
    fake.received.length = 0;
  });

  it('posts { text, blocks } and records 200 ok as SENT', async () => {
    const out = await slack().send({ ledgerId: 'l1', webhookUrl: fake.webhookUrl, message: msg });
    expect(out).toMatchObject({ status: 'SENT', detail: 'accepted by Slack (HTTP 200 ok)' });
    expect(fake.received[0]?.body.blocks).toEqual(msg.blocks);
    expect(fake.received[0]?.contentType).toMatch(/^application\/json/);
  });
  it("permanent refusals are FAILED with Slack's words", async () => {
    fake.enqueue(
      { kind: 'http', status: 404, body: 'no_service' },
      { kind: 'http', status: 410, body: 'channel_is_archived' },
      { kind: 'http', status: 400, body: 'invalid_payload' },
    );
    for (const word of ['no_service', 'channel_is_archived', 'invalid_payload']) {
      const out = await slack().send({ ledgerId: 'l1', webhookUrl: fake.webhookUrl, message: msg });
      expect(out.status).toBe('FAILED');
      expect(out.detail).toContain(word);
    }
  });
  it('429 with Retry-After and 500 are RETRY; Retry-After becomes a floor', async () => {
    fake.enqueue(
      { kind: 'http', status: 429, body: 'rate_limited', headers: { 'Retry-After': '30' } },
      { kind: 'http', status: 500, body: 'rollup_error' },
    );
    const a = await slack().send({ ledgerId: 'l1', webhookUrl: fake.webhookUrl, message: msg });
    expect(a).toMatchObject({ status: 'RETRY', retryAfterMs: 30_000 });
    const b = await slack().send({ ledgerId: 'l1', webhookUrl: fake.webhookUrl, message: msg });
    expect(b.status).toBe('RETRY');
    expect(b.detail).toContain('rollup_error');
  });
  it('a timeout is RETRY', async () => {
    fake.enqueue({ kind: 'hang' });
    const out = await slack().send({ ledgerId: 'l1', webhookUrl: fake.webhookUrl, message: msg });
    expect(out.status).toBe('RETRY');
    expect(out.detail).toMatch(/timeout/);
  });
  it('refuses a URL that is not a Slack webhook (no request made) and hides the secret in the display form', async () => {
    const out = await slack().send({ ledgerId: 'l1', webhookUrl: 'http://169.254.169.254/latest', message: msg });
    expect(out.status).toBe('FAILED');
    expect(fake.received).toHaveLength(0);
    expect(slackRecipient(fake.webhookUrl)).toBe(`${new URL(fake.url).host}/services/T0001/B0001`);
  });
});

describe('Telegram sendMessage', () => {
  let fake: TelegramFake;
  const tg = (token?: string) =>
    createTelegramChannel({ fetch, baseUrl: fake.url, botToken: token ?? fake.token, timeoutMs: 500 });
  beforeAll(async () => (fake = await startTelegramFake()));
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.setBehaviour({ kind: 'success' });
    fake.received.length = 0;
  });

  it('sends HTML to the chat and keeps the message id', async () => {
    const out = await tg().send({ ledgerId: 'l1', chatId: '-1001234567', text: renderTelegram(down) });
    expect(out.status).toBe('SENT');
    expect(out.status === 'SENT' && out.providerMessageId).toMatch(/^\d+$/);
    expect(fake.received[0]?.body).toMatchObject({ chat_id: '-1001234567', parse_mode: 'HTML' });
  });
  it("chat not found and bot blocked are FAILED with Telegram's description", async () => {
    fake.enqueue(
      { kind: 'error', code: 400, description: 'Bad Request: chat not found' },
      { kind: 'error', code: 403, description: 'Forbidden: bot was blocked by the user' },
    );
    expect(await tg().send({ ledgerId: 'l1', chatId: '42', text: 'x' })).toMatchObject({
      status: 'FAILED',
      detail: 'Telegram 400: Bad Request: chat not found',
    });
    expect(await tg().send({ ledgerId: 'l1', chatId: '42', text: 'x' })).toMatchObject({
      status: 'FAILED',
      detail: 'Telegram 403: Forbidden: bot was blocked by the user',
    });
  });
  it('429 flood control honours parameters.retry_after; 5xx, a bad token and a timeout are RETRY', async () => {
    fake.enqueue(
      { kind: 'error', code: 429, description: 'Too Many Requests: retry after 7', retryAfter: 7 },
      { kind: 'error', code: 502, description: 'Bad Gateway' },
    );
    expect(await tg().send({ ledgerId: 'l1', chatId: '42', text: 'x' })).toMatchObject({
      status: 'RETRY',
      retryAfterMs: 7000,
    });
    expect((await tg().send({ ledgerId: 'l1', chatId: '42', text: 'x' })).status).toBe('RETRY');
    const bad = await tg('999:wrong').send({ ledgerId: 'l1', chatId: '42', text: 'x' });
    expect(bad.status).toBe('RETRY');
    expect(bad.detail).toContain('TELEGRAM_BOT_TOKEN');
    fake.enqueue({ kind: 'hang' });
    expect((await tg().send({ ledgerId: 'l1', chatId: '42', text: 'x' })).detail).toMatch(/timeout/);
  });
});

describe('NHN Cloud AlimTalk v2.3', () => {
  let fake: AlimtalkFake;
  let at: AlimtalkProvider;
  const params = alimtalkParameters(down);
  beforeAll(async () => {
    fake = await startAlimtalkFake();
    at = createAlimtalkProvider({
      baseUrl: fake.url,
      appKey: fake.appKey,
      secretKey: fake.secretKey,
      senderKey: fake.senderKey,
      fetch,
      timeoutMs: 500,
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.setBehaviour({ kind: 'success' });
    fake.setOutcome({ messageStatus: 'COMPLETED', resultCode: '1000' });
    fake.received.length = 0;
  });

  it('sends the template code and parameters to a domestic number, then reads the delivery result', async () => {
    const out = await at.send({
      ledgerId: 'l1',
      to: '+821012345678',
      templateCode: 'PW_DOWN_KO',
      templateParameter: params,
    });
    expect(out.status).toBe('SENT');
    expect(fake.received[0]?.body).toEqual({
      senderKey: fake.senderKey,
      templateCode: 'PW_DOWN_KO',
      senderGroupingKey: 'l1',
      recipientList: [{ recipientNo: '01012345678', templateParameter: params, recipientGroupingKey: 'l1' }],
    });
    expect(fake.received[0]?.secretKey).toBe(fake.secretKey);
    const id = out.status === 'SENT' ? out.providerMessageId : null;
    expect(id).toBe(`${fake.received[0]?.requestId}:1`);
    expect(await at.queryResult(id!)).toMatchObject({ state: 'DELIVERED' });
  });
  it('a Kakao failure in the delivery result (not a KakaoTalk user) is FAILED with its meaning; READY is pending', async () => {
    fake.setOutcome({ messageStatus: 'COMPLETED', resultCode: '3019' });
    const out = await at.send({ ledgerId: 'l1', to: '+821012345678', templateCode: 'T', templateParameter: params });
    const r = await at.queryResult(out.status === 'SENT' ? out.providerMessageId! : '');
    expect(r).toMatchObject({ state: 'FAILED', detail: 'COMPLETED: 3019 not a KakaoTalk user' });
    fake.setOutcome({ messageStatus: 'READY' });
    const out2 = await at.send({ ledgerId: 'l2', to: '+821012345678', templateCode: 'T', templateParameter: params });
    expect((await at.queryResult(out2.status === 'SENT' ? out2.providerMessageId! : '')).state).toBe('PENDING');
  });
  it('refusals inside HTTP 200 (request or recipient) are FAILED; foreign numbers and missing templates never reach NHN', async () => {
    fake.enqueue(
      { kind: 'headerFailure', resultCode: -1006, resultMessage: 'Invalid template code.' },
      { kind: 'recipientFailure', resultCode: -2016, resultMessage: 'Template parameter is missing.' },
    );
    expect(
      await at.send({ ledgerId: 'l1', to: '+821012345678', templateCode: 'T', templateParameter: params }),
    ).toMatchObject({ status: 'FAILED', detail: 'NHN AlimTalk -1006: Invalid template code.' });
    expect(
      await at.send({ ledgerId: 'l1', to: '+821012345678', templateCode: 'T', templateParameter: params }),
    ).toMatchObject({ status: 'FAILED', detail: 'NHN AlimTalk -2016: Template parameter is missing.' });
    fake.received.length = 0;
    expect(
      (await at.send({ ledgerId: 'l1', to: '+14155552671', templateCode: 'T', templateParameter: params })).status,
    ).toBe('FAILED');
    expect(
      (await at.send({ ledgerId: 'l1', to: '+821012345678', templateCode: '', templateParameter: params })).status,
    ).toBe('FAILED');
    expect(fake.received).toHaveLength(0);
  });
  it('429, 5xx, a system error and a timeout are RETRY', async () => {
    fake.enqueue(
      {
        kind: 'http',
        status: 429,
        body: '{"header":{"isSuccessful":false,"resultCode":-429,"resultMessage":"Too many requests"}}',
        headers: { 'Retry-After': '3' },
      },
      { kind: 'http', status: 503, body: '' },
      { kind: 'headerFailure', resultCode: -9999, resultMessage: 'System error.' },
      { kind: 'hang' },
    );
    expect(
      await at.send({ ledgerId: 'l1', to: '+821012345678', templateCode: 'T', templateParameter: params }),
    ).toMatchObject({ status: 'RETRY', retryAfterMs: 3000 });
    for (let i = 0; i < 3; i++)
      expect(
        (await at.send({ ledgerId: 'l1', to: '+821012345678', templateCode: 'T', templateParameter: params })).status,
      ).toBe('RETRY');
  });
});

describe('signed webhooks', () => {
  let rx: SignedWebhookReceiver;
  const allowLoopback = (ip: string) => (ip === '127.0.0.1' || ip === '::1' ? null : 'not allowed in this test');
  const refuseLoopback = (ip: string) => (ip.startsWith('127.') || ip === '::1' ? 'a loopback address' : null);
  const hook = createWebhookChannel({ timeoutMs: 500 });
  const event = buildWebhookEvent('ledger1', down);
  beforeAll(async () => (rx = await startSignedWebhookReceiver()));
  afterAll(() => rx.close());
  beforeEach(() => {
    rx.setBehaviour({ kind: 'accept' });
    rx.setNow(() => Date.now());
    rx.attempts.length = 0;
    rx.events.length = 0;
  });

  it('the receiver verifies the signature and processes the event; the schema is versioned', async () => {
    const out = await hook.send({ ledgerId: 'ledger1', url: rx.url, secret: rx.secret, event, policy: allowLoopback });
    expect(out).toMatchObject({ status: 'SENT', detail: 'receiver answered HTTP 200' });
    expect(rx.events).toEqual([JSON.parse(JSON.stringify(event))]);
    expect(rx.events[0]).toMatchObject({
      schema: 'portwatch.event.v1',
      type: 'incident.opened',
      id: 'ledger1',
      incident: { host: '203.0.113.5', ports: [22, 80] },
    });
    expect(rx.attempts[0]?.headers).toMatchObject({
      'x-portwatch-event': 'incident.opened',
      'x-portwatch-delivery': 'ledger1',
    });
  });
  it('a wrong secret is refused by the receiver (401 → FAILED)', async () => {
    const out = await hook.send({
      ledgerId: 'ledger1',
      url: rx.url,
      secret: 'another-secret',
      event,
      policy: allowLoopback,
    });
    expect(out.status).toBe('FAILED');
    expect(rx.attempts[0]?.reason).toBe('signature does not match');
    expect(rx.events).toHaveLength(0);
  });
  it('a captured request replayed after the window is refused; replayed inside it, it is not processed twice', async () => {
    const fresh = buildWebhookEvent('ledger-replay', down);
    await hook.send({ ledgerId: 'ledger-replay', url: rx.url, secret: rx.secret, event: fresh, policy: allowLoopback });
    const first = rx.attempts[0]!;
    const replay = () =>
      fetch(rx.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'X-Portwatch-Signature': first.headers['x-portwatch-signature'] ?? '',
        },
        body: first.rawBody,
      });
    const soon = await replay();
    expect(soon.status).toBe(200);
    expect(await soon.text()).toBe('duplicate');
    rx.setNow(() => Date.now() + 301_000);
    const late = await replay();
    expect(late.status).toBe(401);
    expect(await late.text()).toContain('replay window');
    expect(rx.events).toHaveLength(1);
    // a tampered body with the old signature fails too
    rx.setNow(() => Date.now());
    const tampered = await fetch(rx.url, {
      method: 'POST',
      headers: { 'X-Portwatch-Signature': first.headers['x-portwatch-signature'] ?? '' },
      body: first.rawBody.replace('203.0.113.5', '203.0.113.6'),
    });
    expect(tampered.status).toBe(401);
  });
  it('verifyWebhookSignature accepts any of several secrets (rotation) and refuses a malformed header', () => {
    const body = '{"a":1}';
    const h = signWebhook('new-secret', 1_000, body);
    expect(
      verifyWebhookSignature({ secrets: ['old', 'new-secret'], header: h, rawBody: body, nowMs: 1_000_000 }),
    ).toEqual({ ok: true, timestamp: 1000 });
    expect(verifyWebhookSignature({ secrets: ['x'], header: 'garbage', rawBody: body }).ok).toBe(false);
  });
  it('5xx, 429 and timeouts are RETRY; other 4xx FAILED; each names the status code', async () => {
    rx.enqueue(
      { kind: 'http', status: 503, body: 'maintenance' },
      { kind: 'http', status: 429, headers: { 'Retry-After': '12' } },
      { kind: 'http', status: 410, body: 'gone' },
      { kind: 'hang' },
    );
    expect(
      await hook.send({ ledgerId: 'ledger1', url: rx.url, secret: rx.secret, event, policy: allowLoopback }),
    ).toMatchObject({ status: 'RETRY', detail: 'receiver answered HTTP 503: maintenance' });
    expect(
      await hook.send({ ledgerId: 'ledger1', url: rx.url, secret: rx.secret, event, policy: allowLoopback }),
    ).toMatchObject({ status: 'RETRY', retryAfterMs: 12_000 });
    expect(
      await hook.send({ ledgerId: 'ledger1', url: rx.url, secret: rx.secret, event, policy: allowLoopback }),
    ).toMatchObject({ status: 'FAILED', detail: 'receiver answered HTTP 410: gone' });
    const t = await hook.send({ ledgerId: 'ledger1', url: rx.url, secret: rx.secret, event, policy: allowLoopback });
    expect(t.status).toBe('RETRY');
    expect(t.detail).toMatch(/timeout/);
  });
  it('addresses the IP policy refuses are never called, by literal or by name', async () => {
    const byIp = await hook.send({
      ledgerId: 'ledger1',
      url: rx.url,
      secret: rx.secret,
      event,
      policy: refuseLoopback,
    });
    expect(byIp).toMatchObject({ status: 'FAILED' });
    expect(byIp.detail).toContain('refused by the IP policy');
    const byName = await hook.send({
      ledgerId: 'ledger1',
      url: rx.url.replace('127.0.0.1', 'localhost'),
      secret: rx.secret,
      event,
      policy: refuseLoopback,
    });
    expect(byName.status).toBe('FAILED');
    expect(byName.detail).toMatch(/localhost resolves to .*loopback/);
    expect(rx.attempts).toHaveLength(0);
  });
});
