// Batching changes nothing observable: 200 incidents confirmed at once (one mail and one SMS each,
// some refused for good, some refused once and retried) leave exactly the ledger rows, statuses,
// timelines and delivered messages that dispatching the same incidents one at a time leaves.
// Two databases, one per way; what differs by nature (ids, times, signed tokens, the provider's
// request ids) is normalised, everything else is compared whole.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../../server/notify/email.ts';
import { createKeepAliveFetch } from '../../server/notify/keepalive-fetch.ts';
import { createSmtpPool } from '../../server/notify/smtp-pool.ts';
import { createNhnProvider } from '../../server/notify/sms/nhn.ts';
import { createDispatcher, type Dispatcher } from '../../server/dispatch/dispatcher.ts';
import type { PrismaClient } from '../../server/db/index.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startNhnFake, startSmtpSink, type NhnFake, type SmtpSink } from '../notify/fakes/index.ts';
import { makeDeps, waitFor } from './helpers.ts';

const N = Number(process.env.BURST_INCIDENTS ?? 200);
const OPENED = new Date('2026-03-02T01:02:03Z');

/** Incident i's recipients: every 20th mail is refused for good, every 25th refused once (451) then taken; every 40th phone number is invalid. */
const mailOf = (i: number) =>
  i % 20 === 0 ? `gone${i}@example.com` : i % 25 === 1 ? `busy${i}@example.com` : `ops${i}@example.com`;
const phoneOf = (i: number) => (i % 40 === 3 ? '+8210123' : `+8210${String(20_000_000 + i)}`);
/** The "busy" addresses refused once already (each world starts with none). */
const refusedOnce = new Set<string>();
const hostOf = (i: number) => `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** What differs by nature between two runs: ids, times, signed tokens, the provider's request ids. */
function normalise(text: string, ids: Map<string, string>): string {
  return text
    .replace(
      /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\bc[a-z0-9]{24}\b/g,
      (id) => ids.get(id) ?? '<id>',
    )
    .replace(/\b\d{14}[A-Za-z0-9_-]{8}\d*\b/g, '<request>')
    .replace(/\/t\/([rla])\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g, '/t/$1/<token>')
    .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, '<time>')
    .replace(/\b\d{17,}\b/g, '<request>');
}

async function world(db: PrismaClient, smtp: SmtpSink, nhn: NhnFake, mode: 'burst' | 'one-by-one') {
  const deps = makeDeps(db);
  // generous timeouts: on a loaded machine a timeout would be a retry, which is not what is compared here
  // the production path: portwatch's SMTP pool and the providers' keep-alive client (setup.ts)
  const smtpPool = createSmtpPool({
    url: smtp.url,
    maxConnections: 8,
    connectionTimeoutMs: 30_000,
    greetingTimeoutMs: 30_000,
    socketTimeoutMs: 30_000,
  });
  const providerClient = createKeepAliveFetch();
  const d: Dispatcher = createDispatcher(deps, {
    email: createEmailChannel({
      smtp: smtpPool,
      from: 'portwatch <alerts@pw.example.com>',
      messageIdDomain: 'pw.example.com',
    }),
    sms: createNhnProvider({
      baseUrl: nhn.url,
      appKey: nhn.appKey,
      secretKey: nhn.secretKey,
      sendNo: '15446859',
      fetch: providerClient,
      timeoutMs: 30_000,
    }),
    retryBaseMs: 20,
    retryMaxMs: 40,
    pollMs: 50,
    random: () => 0.5,
  });
  smtp.received.length = 0;
  nhn.received.length = 0;
  refusedOnce.clear();
  const account = await db.account.create({
    data: {
      loginId: `burst-${mode}`,
      name: 'Burst',
      email: 'b@example.com',
      passwordHash: 'x',
      kind: 'HOSTING',
      language: 'ko',
      timeZone: 'Asia/Seoul',
    },
  });
  await db.server.createMany({
    data: Array.from({ length: N }, (_, i) => ({
      ip: hostOf(i),
      accountId: account.id,
      source: 'HOSTING_INVENTORY' as const,
      label: `web-${i}`,
    })),
  });
  const servers = await db.server.findMany({ where: { accountId: account.id }, orderBy: { ip: 'asc' } });
  const byIp = new Map(servers.map((s) => [s.ip, s]));
  const incidents: { id: string; accountId: string; i: number }[] = [];
  for (let i = 0; i < N; i++) {
    const s = byIp.get(hostOf(i))!;
    const m = await db.monitor.create({
      data: {
        accountId: account.id,
        serverId: s.id,
        activeServerId: s.id,
        host: s.ip,
        ports: [22, 443],
        contactName: 'Ops',
        contactEmail: mailOf(i),
        contactPhone: phoneOf(i),
      },
    });
    incidents.push({ id: crypto.randomUUID(), accountId: account.id, i });
    void m;
  }
  const monitors = await db.monitor.findMany({ where: { accountId: account.id } });
  const monitorOf = new Map(monitors.map((m) => [m.host, m.id]));
  const confirm = async (batch: typeof incidents) => {
    await db.$transaction([
      db.incident.createMany({
        data: batch.map((x) => ({
          id: x.id,
          monitorId: monitorOf.get(hostOf(x.i))!,
          openMonitorId: monitorOf.get(hostOf(x.i))!,
          accountId: x.accountId,
          host: hostOf(x.i),
          ports: [22, 443],
          reason: `ECONNREFUSED: connect ECONNREFUSED ${hostOf(x.i)}:22`,
          openedAt: OPENED,
        })),
      }),
      db.notification.createMany({
        data: batch.flatMap((x) => [
          {
            incidentId: x.id,
            accountId: x.accountId,
            kind: 'DOWN' as const,
            channel: 'EMAIL' as const,
            recipient: mailOf(x.i),
            recipientRole: 'CONTACT' as const,
            language: x.i % 2 ? ('en' as const) : ('ko' as const),
            createdAt: OPENED,
          },
          {
            incidentId: x.id,
            accountId: x.accountId,
            kind: 'DOWN' as const,
            channel: 'SMS' as const,
            recipient: phoneOf(x.i),
            recipientRole: 'CONTACT' as const,
            language: x.i % 2 ? ('en' as const) : ('ko' as const),
            createdAt: OPENED,
          },
        ]),
      }),
    ]);
  };
  const ours = { accountId: account.id };
  const finished = async () => {
    try {
      await waitFor(
        async () => (await db.notification.count({ where: { ...ours, status: { in: ['QUEUED', 'SENDING'] } } })) === 0,
        120_000,
        'every row to finish',
      );
    } catch (err) {
      const left = await db.notification.findMany({
        where: { ...ours, status: { in: ['QUEUED', 'SENDING'] } },
        include: { events: true },
        take: 5,
      });
      throw new Error(
        `${String(err)}: ${JSON.stringify(left.map((r) => ({ status: r.status, attempts: r.attempts, next: r.nextAttemptAt, detail: r.statusDetail, events: r.events.map((e) => e.detail) })))}`,
      );
    }
  };
  d.start();
  const t0 = Date.now();
  try {
    if (mode === 'burst') {
      await confirm(incidents);
      d.kick();
      await finished();
    } else {
      for (const x of incidents) {
        await confirm([x]);
        d.kick();
        await finished();
      }
    }
    await d.settle(60_000);
    console.log(`[burst] ${mode}: ${N} incidents dispatched in ${Date.now() - t0} ms`);
  } finally {
    await d.stop();
    smtpPool.close();
    providerClient.close();
  }

  // incident ids → the incident's host, so both worlds name rows alike
  const ids = new Map(incidents.map((x) => [x.id, `incident:${hostOf(x.i)}`]));
  const rows = await db.notification.findMany({
    where: ours,
    include: { events: { orderBy: { id: 'asc' } }, incident: { select: { host: true } } },
  });
  for (const r of rows) ids.set(r.id, `row:${r.incident.host}:${r.channel}`);
  const ledger = rows
    .map((r) => ({
      host: r.incident.host,
      channel: r.channel,
      recipient: r.recipient,
      language: r.language,
      kind: r.kind,
      seq: r.seq,
      status: r.status,
      statusDetail: normalise(r.statusDetail ?? '', ids),
      attempts: r.attempts,
      sent: r.sentAt !== null,
      failed: r.failedAt !== null,
      leased: r.lockedUntil !== null,
      providerMessageId:
        r.providerMessageId === null ? null : normalise(r.providerMessageId, ids).replace(/:\d+$/, ':<seq>'),
      timeline: r.events.map((e) => `${e.status} ${normalise(e.detail ?? '', ids)}`),
    }))
    .sort((a, b) => `${a.host}|${a.channel}`.localeCompare(`${b.host}|${b.channel}`));
  const mails = smtp.received
    .map((m) => ({
      to: m.rcptTo.map((r) => r.address),
      envid: normalise(m.envid ?? '', ids),
      subject: m.parsed.subject,
      text: normalise(m.parsed.text ?? '', ids),
      html: normalise(String(m.parsed.html), ids),
      messageId: normalise(m.parsed.messageId ?? '', ids),
    }))
    .sort((a, b) => a.to.join().localeCompare(b.to.join()));
  const texts = nhn.received
    .filter((r) => r.requestId)
    .map((r) => ({
      type: r.type,
      to: r.body.recipientList.map((x) => x.recipientNo ?? x.internationalRecipientNo),
      body: normalise(r.body.body, ids),
      key: normalise(r.body.senderGroupingKey ?? '', ids),
    }))
    .sort((a, b) => `${a.to.join()}|${a.body}`.localeCompare(`${b.to.join()}|${b.body}`));
  return { ledger, mails, texts, published: deps.published.length };
}

describe(`a burst of ${N} incidents dispatches exactly as one-by-one dispatch does (${backend})`, () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let smtp: SmtpSink;
  let nhn: NhnFake;

  beforeAll(async () => {
    [a, b, smtp, nhn] = await Promise.all([
      createTestDatabase(),
      createTestDatabase(),
      startSmtpSink(),
      startNhnFake(),
    ]);
    smtp.setBehaviour({
      rcpt: (address) => {
        if (address.startsWith('gone')) return { code: 550, message: '5.1.1 mailbox unavailable' };
        if (address.startsWith('busy') && !refusedOnce.has(address)) {
          refusedOnce.add(address);
          return { code: 451, message: '4.7.1 try again later' };
        }
        return null;
      },
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all([smtp.close(), nhn.close()]);
    await Promise.all([a.drop(), b.drop()]);
  });

  it('same ledger rows, statuses, timelines and messages', async () => {
    let t = Date.now();
    const burst = await world(a.db.prisma, smtp, nhn, 'burst');
    console.log(`[burst] ${N} incidents at once: every row final after ${Date.now() - t} ms`);
    t = Date.now();
    const single = await world(b.db.prisma, smtp, nhn, 'one-by-one');
    console.log(`[burst] the same ${N} incidents one by one: ${Date.now() - t} ms`);

    // the scenario has what it is meant to have: sends, refusals for good, retries, local refusals
    const all = Array.from({ length: N }, (_, i) => i);
    const gone = all.filter((i) => mailOf(i).startsWith('gone')).length;
    const busy = all.filter((i) => mailOf(i).startsWith('busy')).length;
    const badPhone = all.filter((i) => phoneOf(i) === '+8210123').length;
    expect(burst.ledger).toHaveLength(2 * N);
    const count = (pred: (r: (typeof burst.ledger)[number]) => boolean) => burst.ledger.filter(pred).length;
    expect(count((r) => r.status === 'YES')).toBe(2 * N - gone - badPhone);
    expect(count((r) => r.status === 'FAILED' && r.channel === 'EMAIL')).toBe(gone);
    expect(count((r) => r.status === 'FAILED' && r.channel === 'SMS')).toBe(badPhone);
    expect(
      burst.ledger.filter((r) => r.attempts > 1 && !r.recipient.startsWith('busy')).map((r) => r.timeline),
    ).toEqual([]);
    expect(count((r) => r.attempts === 2 && r.status === 'YES')).toBe(busy);
    expect(burst.mails).toHaveLength(N - gone);
    expect(burst.texts).toHaveLength(N - badPhone);

    expect(burst.ledger).toEqual(single.ledger);
    expect(burst.mails).toEqual(single.mails);
    expect(burst.texts).toEqual(single.texts);
    expect(burst.published).toBe(single.published);
  }, 600_000);
});
