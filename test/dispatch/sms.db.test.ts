// The dispatcher against local HTTP servers speaking NHN Cloud SMS v3 and Twilio.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNhnProvider } from '../../server/notify/sms/nhn.ts';
import { createNoneProvider } from '../../server/notify/sms/none.ts';
import type { SmsProvider } from '../../server/notify/sms/provider.ts';
import { createTwilioProvider } from '../../server/notify/sms/twilio.ts';
import { createDispatcher, type DispatcherOptions } from '../../server/dispatch/dispatcher.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import {
  startNhnFake,
  startTwilioFake,
  type NhnBehaviour,
  type NhnFake,
  type TwilioBehaviour,
  type TwilioFake,
} from '../notify/fakes/index.ts';
import { makeDeps, makeIncident, queueRows, statusOf, waitFor, type TestDeps } from './helpers.ts';

describe(`dispatcher → SMS providers (${backend})`, () => {
  let t: TestDatabase;
  let nhn: NhnFake;
  let twilio: TwilioFake;
  let deps: TestDeps;
  const cleanups: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    [nhn, twilio] = await Promise.all([startNhnFake(), startTwilioFake()]);
  });
  afterAll(async () => {
    await Promise.all([nhn.close(), twilio.close()]);
    await t.drop();
  });
  beforeEach(() => {
    deps = makeDeps(t.db.prisma);
    nhn.setBehaviour({ kind: 'success' });
    twilio.setBehaviour({ kind: 'success' });
    nhn.received.length = 0;
    twilio.received.length = 0;
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  // a provider that hangs is given up after HANG_MS; one that answers gets a timeout a loaded
  // machine cannot reach (a 1.5 s timeout under load turned an accepted first try into a retry)
  const HANG_MS = 1500;
  const ANSWER_MS = 10_000;
  const timeoutFor = (behaviour: readonly { kind: string }[]) =>
    behaviour.some((b) => b.kind === 'hang') ? HANG_MS : ANSWER_MS;
  const nhnProvider = (timeoutMs = ANSWER_MS) =>
    createNhnProvider({
      baseUrl: nhn.url,
      appKey: nhn.appKey,
      secretKey: nhn.secretKey,
      sendNo: '15446859',
      webhookSecret: nhn.webhookSecret,
      fetch,
      timeoutMs,
    });
  const twilioProvider = (timeoutMs = ANSWER_MS) =>
    createTwilioProvider({
      baseUrl: twilio.url,
      accountSid: twilio.accountSid,
      authToken: twilio.authToken,
      from: '+15005550006',
      statusCallbackUrl: 'https://pw.example.com/hooks/sms/twilio',
      fetch,
      timeoutMs,
    });

  async function sendOne(sms: SmsProvider, over: Partial<DispatcherOptions> = {}, lang: 'ko' | 'en' = 'ko') {
    const { incident } = await makeIncident(t.db.prisma, {
      language: lang,
      openedAt: new Date('2025-11-24T09:20:05Z'),
    });
    const [row] = await queueRows(t.db.prisma, incident, [
      { channel: 'SMS', recipient: '+821012345678', language: lang },
    ]);
    const d = createDispatcher(deps, { email: null, sms, retryBaseMs: 30, retryMaxMs: 100, pollMs: 30, ...over });
    cleanups.push(() => d.stop());
    d.start();
    const final = await waitFor(async () => {
      const r = await statusOf(t.db.prisma, row!.id);
      return r.status !== 'QUEUED' && r.status !== 'SENDING' ? r : null;
    });
    await d.settle();
    return { row: final, incident };
  }

  it('NHN: accepted → YES with "<requestId>:<recipientSeq>", one short SMS naming host, ports and error', async () => {
    const { row, incident } = await sendOne(nhnProvider(), { smsAckLink: false });
    const req = nhn.received[0]!;
    expect(row).toMatchObject({
      status: 'YES',
      attempts: 1,
      providerMessageId: `${req.requestId}:${req.recipientSeq}`,
    });
    expect(req.type).toBe('sms');
    expect(req.body.body).toBe(`[portwatch] 장애 ${incident.host} 포트 22,80 ECONNREFUSED 11-24 18:20`);
    expect(req.body.recipientList).toEqual([{ recipientNo: '01012345678', recipientGroupingKey: row.id }]);
    expect(nhn.received).toHaveLength(1);
  });

  it('NHN: with the acknowledgement link the text becomes a long message (LMS)', async () => {
    const { row } = await sendOne(nhnProvider());
    expect(row.status).toBe('YES');
    expect(nhn.received[0]?.type).toBe('mms');
    expect(nhn.received[0]?.body.body).toMatch(
      /\n확인 https:\/\/pw\.example\.com\/t\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    );
  });

  const nhnCases: { name: string; behaviour: NhnBehaviour[]; status: string; attempts: number; detail: RegExp }[] = [
    {
      name: 'failure inside a 200 body (header.isSuccessful=false)',
      behaviour: [{ kind: 'headerFailure', resultCode: -2019, resultMessage: 'RecipientNo is invalid.' }],
      status: 'FAILED',
      attempts: 1,
      detail: /^NHN -2019: RecipientNo is invalid\.$/,
    },
    {
      name: 'recipient refused inside a 200 body',
      behaviour: [{ kind: 'recipientFailure', resultCode: -2020, resultMessage: 'Blocked number' }],
      status: 'FAILED',
      attempts: 1,
      detail: /^NHN -2020: Blocked number$/,
    },
    {
      name: '401 (bad credentials) → FAILED',
      behaviour: [
        {
          kind: 'http',
          status: 401,
          body: JSON.stringify({
            header: { isSuccessful: false, resultCode: -1000, resultMessage: 'Invalid appKey or secretKey.' },
          }),
        },
      ],
      status: 'FAILED',
      attempts: 1,
      detail: /^NHN HTTP 401: Invalid appKey/,
    },
    {
      name: '429 → retried, then sent',
      behaviour: [{ kind: 'http', status: 429, headers: { 'Retry-After': '0' } }],
      status: 'YES',
      attempts: 2,
      detail: /accepted by NHN/,
    },
    {
      name: '500 → retried, then sent',
      behaviour: [
        { kind: 'http', status: 500 },
        { kind: 'http', status: 503 },
      ],
      status: 'YES',
      attempts: 3,
      detail: /accepted by NHN/,
    },
    {
      name: 'timeout → retried, then sent (the provider saw it twice)',
      behaviour: [{ kind: 'hang' }],
      status: 'YES',
      attempts: 2,
      detail: /accepted by NHN/,
    },
  ];
  for (const c of nhnCases) {
    it(`NHN: ${c.name}`, async () => {
      nhn.enqueue(...c.behaviour);
      const { row } = await sendOne(nhnProvider(timeoutFor(c.behaviour)));
      expect(row.status).toBe(c.status);
      expect(row.attempts).toBe(c.attempts);
      expect(row.statusDetail).toMatch(c.detail);
      expect(row.events).toHaveLength(c.attempts);
      expect(nhn.received).toHaveLength(c.attempts);
      if (c.status === 'YES') expect(row.events.slice(0, -1).every((e) => e.status === 'QUEUED')).toBe(true);
    });
  }

  it('Twilio: accepted → YES with the message SID; StatusCallback is our webhook', async () => {
    const { row } = await sendOne(twilioProvider(), { smsAckLink: false }, 'en');
    const req = twilio.received[0]!;
    expect(row).toMatchObject({ status: 'YES', attempts: 1, providerMessageId: req.sid });
    expect(req.form).toMatchObject({
      To: '+821012345678',
      From: '+15005550006',
      StatusCallback: 'https://pw.example.com/hooks/sms/twilio',
    });
    expect(req.form.Body).toMatch(/^\[portwatch\] DOWN 203\.\d+\.\d+\.\d+ ports 22,80 ECONNREFUSED 11-24 18:20$/); // the account's zone (Asia/Seoul)
  });

  const twilioCases: {
    name: string;
    behaviour: TwilioBehaviour[];
    status: string;
    attempts: number;
    detail: RegExp;
  }[] = [
    {
      name: "400 invalid number → FAILED with Twilio's words",
      behaviour: [{ kind: 'error', status: 400, code: 21211, message: "The 'To' number is not a valid phone number." }],
      status: 'FAILED',
      attempts: 1,
      detail: /^Twilio 21211: The 'To' number/,
    },
    {
      name: '401 → FAILED',
      behaviour: [{ kind: 'error', status: 401, code: 20003, message: 'Authenticate' }],
      status: 'FAILED',
      attempts: 1,
      detail: /^Twilio 20003: Authenticate$/,
    },
    {
      name: '429 → retried, then sent',
      behaviour: [{ kind: 'error', status: 429, code: 20429, message: 'Too Many Requests', retryAfter: '0' }],
      status: 'YES',
      attempts: 2,
      detail: /accepted by Twilio/,
    },
    {
      name: '500 → retried, then sent',
      behaviour: [{ kind: 'error', status: 500, code: 20500, message: 'Internal Server Error' }],
      status: 'YES',
      attempts: 2,
      detail: /accepted by Twilio/,
    },
    {
      name: 'timeout → retried, then sent',
      behaviour: [{ kind: 'hang' }],
      status: 'YES',
      attempts: 2,
      detail: /accepted by Twilio/,
    },
  ];
  for (const c of twilioCases) {
    it(`Twilio: ${c.name}`, async () => {
      twilio.enqueue(...c.behaviour);
      const { row } = await sendOne(twilioProvider(timeoutFor(c.behaviour)), {}, 'en');
      expect(row.status).toBe(c.status);
      expect(row.attempts).toBe(c.attempts);
      expect(row.statusDetail).toMatch(c.detail);
      expect(twilio.received).toHaveLength(c.attempts);
    });
  }

  it('no SMS provider → NO, "not sent: no SMS provider configured"', async () => {
    const { row } = await sendOne(createNoneProvider());
    expect(row).toMatchObject({
      status: 'NOT_SENT',
      statusDetail: 'not sent: no SMS provider configured',
      attempts: 1,
      sentAt: null,
    });
  });
});
