// Every channel end to end: the probe runtime on a real socket queues one DOWN and one RECOVERED
// row per recipient and channel (contact and admin recipient: mail, SMS, AlimTalk, Slack,
// Telegram, webhook), the dispatcher delivers each exactly once to local fakes speaking the real
// API shapes; nothing is lost while every channel is down; AlimTalk failures fall back to SMS as
// their own linked ledger row; webhooks honour the IP policy.
import net from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createNhnProvider } from '../../server/notify/sms/nhn.ts';
import { createAlimtalkProvider } from '../../server/notify/alimtalk/nhn.ts';
import { createSlackChannel } from '../../server/notify/slack.ts';
import { createTelegramChannel } from '../../server/notify/telegram.ts';
import { createWebhookChannel } from '../../server/notify/webhook.ts';
import { createDispatcher, type Dispatcher } from '../../server/dispatch/dispatcher.ts';
import { pollAlimtalkResults } from '../../server/dispatch/alimtalk-results.ts';
import { runAlimtalkFallback } from '../../server/dispatch/fallback.ts';
import type { ExtraChannels } from '../../server/dispatch/channels.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { ledgerRows, SMS_OFF_FALLBACK } from '../../server/services/notifications/rows.ts';
import { createEndpoint } from '../../server/services/notify-endpoints/endpoints.ts';
import { acknowledgeIncident } from '../../server/services/notifications/acknowledge.ts';
import type { Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import {
  startAlimtalkFake,
  startNhnFake,
  startSignedWebhookReceiver,
  startSlackFake,
  startTelegramFake,
  type AlimtalkFake,
  type NhnFake,
  type SignedWebhookReceiver,
  type SlackFake,
  type TelegramFake,
} from '../notify/fakes/index.ts';
import { makeDeps, makeIncident, queueRows, statusOf, waitFor, type TestDeps } from './helpers.ts';

const ADMIN_PHONE = '+821098765432';
const CONTACT_PHONE = '+821012345678';

describe(`every channel (${backend})`, () => {
  let t: TestDatabase;
  let nhn: NhnFake;
  let alimtalk: AlimtalkFake;
  let slack: SlackFake;
  let telegram: TelegramFake;
  let hook: SignedWebhookReceiver;
  let deps: TestDeps;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    [nhn, alimtalk, slack, telegram, hook] = await Promise.all([
      startNhnFake(),
      startAlimtalkFake(),
      startSlackFake(),
      startTelegramFake(),
      startSignedWebhookReceiver(),
    ]);
  }, 180_000);
  afterAll(async () => {
    await Promise.all([nhn.close(), alimtalk.close(), slack.close(), telegram.close(), hook.close()]);
    await t.drop();
  });
  beforeEach(() => {
    deps = makeDeps(t.db.prisma);
    for (const f of [nhn, alimtalk, slack, telegram]) f.received.length = 0;
    nhn.setBehaviour({ kind: 'success' });
    alimtalk.setBehaviour({ kind: 'success' });
    alimtalk.setOutcome({ messageStatus: 'COMPLETED', resultCode: '1000' });
    slack.setBehaviour({ kind: 'success' });
    telegram.setBehaviour({ kind: 'success' });
    hook.setBehaviour({ kind: 'accept' });
    hook.events.length = 0;
    hook.attempts.length = 0;
  });
  afterEach(async () => {
    for (const s of stops.splice(0).reverse()) await s();
  });

  // generous timeouts (the machine may be loaded: a client timeout makes an at-least-once resend);
  // the test of hanging providers passes a short one
  const extra = (timeoutMs = 5_000): ExtraChannels => ({
    alimtalk: createAlimtalkProvider({
      baseUrl: alimtalk.url,
      appKey: alimtalk.appKey,
      secretKey: alimtalk.secretKey,
      senderKey: alimtalk.senderKey,
      fetch,
      timeoutMs,
    }),
    slack: createSlackChannel({ allowedPrefix: slack.url, fetch, timeoutMs }),
    telegram: createTelegramChannel({ baseUrl: telegram.url, botToken: telegram.token, fetch, timeoutMs }),
    webhook: createWebhookChannel({ timeoutMs }),
  });

  function dispatcher(over: Partial<Parameters<typeof createDispatcher>[1]> = {}, timeoutMs = 5_000): Dispatcher {
    const d = createDispatcher(deps, {
      email: null,
      sms: createNhnProvider({
        baseUrl: nhn.url,
        appKey: nhn.appKey,
        secretKey: nhn.secretKey,
        sendNo: '15446859',
        fetch,
        timeoutMs,
      }),
      extra: extra(timeoutMs),
      retryBaseMs: 50,
      retryMaxMs: 200,
      pollMs: 100,
      leaseMs: 10_000,
      smsAckLink: false,
      ...over,
    });
    d.start();
    stops.push(() => d.stop());
    return d;
  }

  async function setTemplates() {
    const value = {
      DOWN: { ko: 'PW_DOWN_KO', en: 'PW_DOWN_EN' },
      RECOVERED: { ko: 'PW_UP_KO', en: 'PW_UP_EN' },
      REMINDER: { ko: 'PW_REM_KO' },
    };
    await t.db.prisma.setting.upsert({
      where: { key: 'alimtalkTemplates' },
      create: { key: 'alimtalkTemplates', value },
      update: { value },
    });
  }

  it('a port goes down and comes back: one DOWN and one RECOVERED per recipient and channel, each delivered once', async () => {
    const p = t.db.prisma;
    await setTemplates();
    const alice = await makeCustomer(p, 'alice-ch');
    const viewer: Viewer = {
      accountId: alice.id,
      loginId: 'alice-ch',
      role: 'CUSTOMER',
      kind: 'HOSTING',
      language: 'ko',
      via: 'session',
    };
    const adminAccount = await makeCustomer(p, 'root-ch');
    await p.account.update({ where: { id: adminAccount.id }, data: { role: 'ADMIN', kind: null } });
    const adminViewer: Viewer = {
      ...viewer,
      accountId: adminAccount.id,
      loginId: 'root-ch',
      role: 'ADMIN',
      kind: null,
    };
    const opts = { slackPrefix: slack.url };
    // the contact: mail off (no SMTP here), SMS off but AlimTalk on (SMS is the fallback), Slack + Telegram + webhook on the account
    await createEndpoint(deps, viewer, { channel: 'SLACK', label: 'ops', target: slack.webhookUrl }, opts);
    await createEndpoint(deps, viewer, { channel: 'TELEGRAM', label: 'tg', target: '-100111' }, opts);
    const { secret } = await createEndpoint(
      deps,
      adminViewer,
      {
        channel: 'WEBHOOK',
        label: 'noc',
        target: hook.url,
        allowPrivate: true,
        adminRecipientId: (
          await p.adminRecipient.create({
            data: {
              name: 'NOC',
              phone: ADMIN_PHONE,
              mailEnabled: false,
              smsEnabled: true,
              alimtalkEnabled: true,
              language: 'ko',
            },
          })
        ).id,
      },
      opts,
    );
    // the receiver knows the secret it was given once
    expect(secret).toMatch(/^whsec_/);
    const recipient = await p.adminRecipient.findFirstOrThrow({ where: { name: 'NOC' } });
    await createEndpoint(
      deps,
      adminViewer,
      { channel: 'TELEGRAM', label: 'noc tg', target: '-100222', adminRecipientId: recipient.id },
      opts,
    );
    const receiver = await startSignedWebhookReceiver({ secret: secret! });
    stops.push(() => receiver.close());
    await p.notifyEndpoint.updateMany({ where: { channel: 'WEBHOOK' }, data: { target: receiver.url } });

    const listener = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    const port = (listener.address() as net.AddressInfo).port;
    const monitor = await makeMonitor(p, {
      accountId: alice.id,
      ports: [port],
      intervalSec: 10,
      retryIntervalSec: 1,
      failureThreshold: 2,
      recoveryThreshold: 1,
      mailEnabled: false,
      smsEnabled: false,
      phone: CONTACT_PHONE,
    });
    await p.monitor.update({ where: { id: monitor.id }, data: { alimtalkEnabled: true } });
    const probe: ProbeRuntime = createProbeRuntime({
      prisma: p,
      events: deps.events,
      resyncMs: 1_000,
      signals: deps.signals,
    });
    dispatcher(); // started: it sends what the probe queues
    await probe.start();
    stops.push(() => probe.stop());
    probe.monitorChanged(monitor.id);
    await waitFor(
      async () => (await p.portState.findFirst({ where: { monitorId: monitor.id, phase: 'UP' } })) ?? false,
      20_000,
      'port UP',
    );

    await new Promise<void>((r) => listener.close(() => r()));
    const incident = await waitFor(
      () => p.incident.findFirst({ where: { monitorId: monitor.id } }),
      30_000,
      'incident',
    );
    await waitFor(
      async () =>
        (await p.notification.count({
          where: { incidentId: incident.id, kind: 'DOWN', status: { in: ['QUEUED', 'SENDING'] } },
        })) === 0 && (await p.notification.count({ where: { incidentId: incident.id } })) > 0,
      20_000,
      'DOWN rows sent',
    );

    const down = await p.notification.findMany({
      where: { incidentId: incident.id, kind: 'DOWN' },
      orderBy: [{ recipientRole: 'asc' }, { channel: 'asc' }],
    });
    const summary = down.map((n) => `${n.recipientRole} ${n.channel} ${n.status}`).sort();
    expect(summary).toEqual([
      'ADMIN ALIMTALK YES',
      'ADMIN SMS YES',
      'ADMIN TELEGRAM YES',
      'ADMIN WEBHOOK YES',
      'CONTACT ALIMTALK YES',
      'CONTACT EMAIL NO',
      'CONTACT SLACK YES',
      'CONTACT SMS NO',
      'CONTACT TELEGRAM YES',
    ]);
    expect(down.find((n) => n.recipientRole === 'CONTACT' && n.channel === 'SMS')?.statusDetail).toBe(SMS_OFF_FALLBACK);
    expect(down.find((n) => n.channel === 'SLACK')?.recipient).not.toContain('abcdEFGH'); // the webhook's secret part is not shown
    // each fake got exactly the messages it should, once
    expect(slack.received).toHaveLength(1);
    expect(telegram.received.map((r) => String(r.body.chat_id)).sort()).toEqual(['-100111', '-100222']);
    expect(
      alimtalk.received.map((r) => `${r.body.templateCode} ${r.body.recipientList[0]?.recipientNo}`).sort(),
    ).toEqual(['PW_DOWN_EN 01012345678', 'PW_DOWN_KO 01098765432']); // the contact in its account's language (en), the admin recipient in ko;
    expect(nhn.received.map((r) => r.body.recipientList[0]?.recipientNo)).toEqual(['01098765432']);
    expect(receiver.events.map((e) => e.type)).toEqual(['incident.opened']);
    expect(receiver.events[0]?.incident?.ports).toEqual([port]);

    // the port comes back: one RECOVERED per recipient and channel
    const back = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => back.listen(port, '127.0.0.1', () => r()));
    stops.push(() => new Promise<void>((r) => back.close(() => r())));
    await waitFor(
      async () => (await p.incident.findUniqueOrThrow({ where: { id: incident.id } })).resolvedAt,
      30_000,
      'resolved',
    );
    await waitFor(
      async () => {
        const rows = await p.notification.findMany({ where: { incidentId: incident.id, kind: 'RECOVERED' } });
        return rows.length > 0 && rows.every((r) => r.status !== 'QUEUED' && r.status !== 'SENDING');
      },
      20_000,
      'RECOVERED rows sent',
    );
    const up = await p.notification.findMany({ where: { incidentId: incident.id, kind: 'RECOVERED' } });
    expect(up.map((n) => `${n.recipientRole} ${n.channel} ${n.status}`).sort()).toEqual(
      summary.map((s) => s.replace(/\bYES$/, 'YES')),
    );
    expect(slack.received).toHaveLength(2);
    expect(telegram.received).toHaveLength(4);
    expect(alimtalk.received.filter((r) => r.body.templateCode.startsWith('PW_UP_'))).toHaveLength(2);
    expect(receiver.events.map((e) => e.type)).toEqual(['incident.opened', 'incident.resolved']);
    expect(receiver.events[1]?.incident?.durationSeconds).toBeGreaterThanOrEqual(0);
    // AlimTalk delivery results: both delivered, so no fallback SMS was sent to the contact
    await pollAlimtalkResults(deps, extra().alimtalk!, { minAgeMs: 0 });
    expect(
      await p.notification.count({ where: { incidentId: incident.id, channel: 'ALIMTALK', status: 'DELIVERED' } }),
    ).toBe(4);
    expect(
      await p.notification.count({
        where: { incidentId: incident.id, channel: 'SMS', recipient: CONTACT_PHONE, status: { not: 'NO' } },
      }),
    ).toBe(0);
  }, 90_000);

  it('nothing is lost while every channel is down: temporary failures are retried until each message arrives once', async () => {
    await setTemplates();
    const { incident, account } = await makeIncident(t.db.prisma, { language: 'ko' });
    const viewer: Viewer = {
      accountId: account.id,
      loginId: account.loginId,
      role: 'CUSTOMER',
      kind: 'HOSTING',
      language: 'ko',
      via: 'session',
    };
    const s = await createEndpoint(
      deps,
      viewer,
      { channel: 'SLACK', label: 'ops', target: slack.webhookUrl },
      { slackPrefix: slack.url },
    );
    const tg = await createEndpoint(deps, viewer, { channel: 'TELEGRAM', label: 'tg', target: '4242' });
    const admin: Viewer = { ...viewer, role: 'ADMIN', kind: null };
    const r = await t.db.prisma.adminRecipient.create({ data: { name: 'ops', phone: ADMIN_PHONE } });
    const wh = await createEndpoint(deps, admin, {
      channel: 'WEBHOOK',
      label: 'h',
      target: hook.url,
      allowPrivate: true,
      adminRecipientId: r.id,
    });
    await t.db.prisma.notifyEndpoint.update({ where: { id: wh.endpoint.id }, data: { secret: hook.secret } });
    const rows = ledgerRows({
      incidentId: incident.id,
      kind: 'DOWN',
      accountId: account.id,
      sendAfter: new Date(),
      contact: {
        name: 'Ops',
        email: 'ops@example.com',
        phone: CONTACT_PHONE,
        mailEnabled: false,
        smsEnabled: true,
        alimtalkEnabled: true,
        language: 'ko',
        endpoints: [
          { id: s.endpoint.id, channel: 'SLACK', recipient: 'slack-ops', enabled: true },
          { id: tg.endpoint.id, channel: 'TELEGRAM', recipient: 'telegram:4242', enabled: true },
        ],
      },
      admins: [
        {
          email: null,
          phone: null,
          mailEnabled: false,
          smsEnabled: false,
          language: 'en',
          endpoints: [{ id: wh.endpoint.id, channel: 'WEBHOOK', recipient: 'hook', enabled: true }],
        },
      ],
    });
    // every provider is down in its own way for the first attempts: 5xx, rate limit, timeout
    slack.enqueue(
      { kind: 'http', status: 500, body: 'rollup_error' },
      { kind: 'http', status: 429, body: 'rate_limited', headers: { 'Retry-After': '0' } },
      { kind: 'hang' },
    );
    telegram.enqueue(
      { kind: 'error', code: 502, description: 'Bad Gateway' },
      { kind: 'error', code: 429, description: 'Too Many Requests: retry after 0', retryAfter: 0 },
    );
    alimtalk.enqueue(
      { kind: 'http', status: 503 },
      { kind: 'headerFailure', resultCode: -9999, resultMessage: 'System error.' },
      { kind: 'hang' },
    );
    nhn.enqueue({ kind: 'http', status: 500 }, { kind: 'hang' });
    hook.enqueue(
      { kind: 'http', status: 503, body: 'down for maintenance' },
      { kind: 'hang' },
      { kind: 'http', status: 429 },
    );
    await t.db.prisma.notification.createMany({ data: rows });
    dispatcher({}, 800);
    await waitFor(
      async () =>
        (await t.db.prisma.notification.count({
          where: { incidentId: incident.id, status: { in: ['QUEUED', 'SENDING'] } },
        })) === 0,
      30_000,
      'every row sent',
    );
    const after = await t.db.prisma.notification.findMany({
      where: { incidentId: incident.id },
      include: { events: { orderBy: { id: 'asc' } } },
    });
    expect(after.map((n) => `${n.channel} ${n.status}`).sort()).toEqual([
      'ALIMTALK YES',
      'EMAIL NO',
      'SLACK YES',
      'SMS YES',
      'TELEGRAM YES',
      'WEBHOOK YES',
    ]);
    // every attempt is in the ledger, with the status code the receiver answered
    const webhook = after.find((n) => n.channel === 'WEBHOOK')!;
    expect(webhook.attempts).toBe(4);
    expect(webhook.events.map((e) => e.detail)).toEqual([
      expect.stringContaining('HTTP 503: down for maintenance'),
      expect.stringMatching(/timeout/),
      expect.stringContaining('HTTP 429'),
      expect.stringContaining('receiver answered HTTP 200'),
    ]);
    expect(after.find((n) => n.channel === 'SLACK')!.attempts).toBe(4);
    expect(hook.events.filter((e) => e.id === webhook.id)).toHaveLength(1); // processed once, whatever the timeouts did
    expect(slack.received.length).toBeGreaterThanOrEqual(4);
  }, 60_000);

  describe('AlimTalk → SMS fallback', () => {
    async function contactRows(opts: { smsEnabled: boolean }) {
      const { incident, account } = await makeIncident(t.db.prisma, { language: 'ko' });
      const rows = ledgerRows({
        incidentId: incident.id,
        kind: 'DOWN',
        accountId: account.id,
        sendAfter: new Date(),
        admins: [],
        contact: {
          name: 'Ops',
          email: 'ops@example.com',
          phone: CONTACT_PHONE,
          mailEnabled: false,
          smsEnabled: opts.smsEnabled,
          alimtalkEnabled: true,
          language: 'ko',
        },
      });
      await t.db.prisma.notification.createMany({ data: rows });
      return incident;
    }
    const rowsOf = (incidentId: string) =>
      t.db.prisma.notification.findMany({ where: { incidentId }, include: { events: { orderBy: { id: 'asc' } } } });

    it('refused at send (template mismatch): the switched-off SMS row becomes the fallback, linked, and is sent', async () => {
      await setTemplates();
      alimtalk.enqueue({
        kind: 'recipientFailure',
        resultCode: -3016,
        resultMessage: 'Message does not match the template.',
      });
      const incident = await contactRows({ smsEnabled: false });
      const d = dispatcher();
      await d.settle(20_000);
      const rows = await rowsOf(incident.id);
      const at = rows.find((r) => r.channel === 'ALIMTALK')!;
      const sms = rows.find((r) => r.channel === 'SMS')!;
      expect(at).toMatchObject({
        status: 'FAILED',
        statusDetail: 'NHN AlimTalk -3016: Message does not match the template.',
      });
      expect(at.fallbackAt).not.toBeNull();
      expect(sms).toMatchObject({ status: 'YES', fallbackForId: at.id });
      expect(sms.events[0]?.detail).toBe(
        'SMS fallback for KakaoTalk AlimTalk: NHN AlimTalk -3016: Message does not match the template.',
      );
      expect(nhn.received).toHaveLength(1);
      // a second sweep (another process, a restart) changes nothing
      expect(await runAlimtalkFallback(deps)).toEqual({ decided: 0, queued: 0 });
    });

    it('a Kakao delivery failure (not a KakaoTalk user) found by the result query falls back to SMS', async () => {
      await setTemplates();
      alimtalk.setOutcome({ messageStatus: 'COMPLETED', resultCode: '3019' });
      const incident = await contactRows({ smsEnabled: false });
      const d = dispatcher();
      await d.settle(20_000);
      expect((await rowsOf(incident.id)).find((r) => r.channel === 'SMS')?.status).toBe('NO');
      const polled = await pollAlimtalkResults(deps, extra().alimtalk!, { minAgeMs: 0 });
      expect(polled.failed).toBe(1);
      await d.settle(20_000);
      const rows = await rowsOf(incident.id);
      const at = rows.find((r) => r.channel === 'ALIMTALK')!;
      expect(at).toMatchObject({
        status: 'FAILED',
        statusDetail: 'KakaoTalk result: COMPLETED: 3019 not a KakaoTalk user',
      });
      expect(rows.find((r) => r.channel === 'SMS')).toMatchObject({ status: 'YES', fallbackForId: at.id });
    });

    it('no template code registered, or AlimTalk not configured: the SMS goes instead', async () => {
      await t.db.prisma.setting.deleteMany({ where: { key: 'alimtalkTemplates' } });
      const a = await contactRows({ smsEnabled: false });
      const d1 = dispatcher();
      await d1.settle(20_000);
      const r1 = await rowsOf(a.id);
      expect(r1.find((r) => r.channel === 'ALIMTALK')?.statusDetail).toMatch(
        /no AlimTalk template code registered for DOWN \(ko\)/,
      );
      expect(r1.find((r) => r.channel === 'SMS')?.status).toBe('YES');
      await d1.stop();
      const b = await contactRows({ smsEnabled: false });
      const d2 = dispatcher({ extra: { ...extra(), alimtalk: null } });
      await d2.settle(20_000);
      const r2 = await rowsOf(b.id);
      expect(r2.find((r) => r.channel === 'ALIMTALK')).toMatchObject({ status: 'NOT_SENT' });
      expect(r2.find((r) => r.channel === 'SMS')).toMatchObject({ status: 'YES' });
    });

    it('when the number gets the SMS anyway (switch on), no second SMS is sent; the AlimTalk row says why', async () => {
      await setTemplates();
      alimtalk.enqueue({ kind: 'recipientFailure' });
      const incident = await contactRows({ smsEnabled: true });
      const d = dispatcher();
      await d.settle(20_000);
      const rows = await rowsOf(incident.id);
      expect(rows.filter((r) => r.channel === 'SMS')).toHaveLength(1);
      expect(nhn.received).toHaveLength(1);
      expect(rows.find((r) => r.channel === 'ALIMTALK')!.events.at(-1)?.detail).toMatch(
        /no SMS fallback needed: this number's SMS is already (YES|QUEUED|SENDING)/,
      );
    });
  });

  it('acknowledging an incident sends incident.acknowledged to the webhooks that were told it opened', async () => {
    const { incident, account } = await makeIncident(t.db.prisma);
    const e = await t.db.prisma.notifyEndpoint.create({
      data: {
        accountId: account.id,
        channel: 'WEBHOOK',
        label: 'x',
        target: hook.url,
        secret: hook.secret,
        allowPrivate: true,
      },
    });
    const off = await t.db.prisma.notifyEndpoint.create({
      data: {
        accountId: account.id,
        channel: 'WEBHOOK',
        label: 'off',
        target: hook.url,
        secret: hook.secret,
        allowPrivate: true,
        enabled: false,
      },
    });
    await t.db.prisma.notification.createMany({
      data: ledgerRows({
        incidentId: incident.id,
        kind: 'DOWN',
        accountId: account.id,
        sendAfter: new Date(),
        admins: [],
        contact: {
          name: 'Ops',
          email: 'ops@example.com',
          phone: null,
          mailEnabled: false,
          smsEnabled: false,
          language: 'en',
          endpoints: [
            { id: e.id, channel: 'WEBHOOK', recipient: 'hook-on', enabled: true },
            { id: off.id, channel: 'WEBHOOK', recipient: 'hook-off', enabled: false },
          ],
        },
      }),
    });
    const d = dispatcher();
    await d.settle(10_000);
    const viewer: Viewer = {
      accountId: account.id,
      loginId: account.loginId,
      role: 'CUSTOMER',
      kind: 'HOSTING',
      language: 'en',
      via: 'session',
    };
    await acknowledgeIncident(deps, viewer, { incidentId: incident.id });
    await acknowledgeIncident(deps, viewer, { incidentId: incident.id }); // twice: still one event
    await waitFor(
      async () =>
        (await t.db.prisma.notification.count({
          where: { incidentId: incident.id, kind: 'ACKNOWLEDGED', status: 'YES' },
        })) === 1,
      10_000,
      'ack event sent',
    );
    const acks = hook.events
      .filter((ev) => ev.incident?.id === incident.id)
      .map((ev) => `${ev.type} ${ev.incident?.acknowledgedBy ?? '-'}`);
    expect(acks).toEqual(['incident.opened -', `incident.acknowledged ${account.loginId}`]);
    expect(await t.db.prisma.notification.count({ where: { incidentId: incident.id, kind: 'ACKNOWLEDGED' } })).toBe(1); // not to the switched-off one
  });

  it("webhooks go only where the IP policy allows: a loopback URL without an admin's permission is refused, not called", async () => {
    const { incident, account } = await makeIncident(t.db.prisma);
    const e = await t.db.prisma.notifyEndpoint.create({
      data: {
        accountId: account.id,
        channel: 'WEBHOOK',
        label: 'x',
        target: hook.url,
        secret: 's',
        allowPrivate: false,
      },
    });
    await queueRows(t.db.prisma, incident, [{ channel: 'WEBHOOK', recipient: 'x' }]);
    await t.db.prisma.notification.updateMany({ where: { incidentId: incident.id }, data: { endpointId: e.id } });
    const d = dispatcher();
    await d.settle(10_000);
    const row = await t.db.prisma.notification.findFirstOrThrow({ where: { incidentId: incident.id } });
    expect(row.status).toBe('FAILED');
    expect(row.statusDetail).toContain('refused by the IP policy');
    expect(hook.attempts).toHaveLength(0);
    // and a customer cannot save such a destination in the first place
    const viewer: Viewer = {
      accountId: account.id,
      loginId: account.loginId,
      role: 'CUSTOMER',
      kind: 'HOSTING',
      language: 'en',
      via: 'session',
    };
    await expect(createEndpoint(deps, viewer, { channel: 'WEBHOOK', label: 'y', target: hook.url })).rejects.toThrow(
      /not allowed/,
    );
    await expect(
      createEndpoint(deps, viewer, { channel: 'WEBHOOK', label: 'y', target: hook.url, allowPrivate: true }),
    ).rejects.toThrow();
    void statusOf;
  });
});
