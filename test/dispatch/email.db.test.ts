// The dispatcher against a real SMTP server (smtp-server sink) and the real database.
import nodemailer from 'nodemailer';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../../server/notify/email.ts';
import { createNoneProvider } from '../../server/notify/sms/none.ts';
import { verifyToken } from '../../server/notify/tracking.ts';
import { createDispatcher, type DispatcherOptions } from '../../server/dispatch/dispatcher.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { makeDeps, makeIncident, queueRows, SECRET, statusOf, waitFor, type TestDeps } from './helpers.ts';

const FROM = 'portwatch <alerts@pw.example.com>';

describe(`dispatcher → SMTP (${backend})`, () => {
  let t: TestDatabase;
  let sink: SmtpSink;
  let deps: TestDeps;
  const cleanups: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink.close();
    await t.drop();
  });
  beforeEach(() => {
    deps = makeDeps(t.db.prisma);
    sink.setBehaviour({});
    sink.received.length = 0;
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  function dispatcher(over: Partial<DispatcherOptions> = {}, target: { host: string; port: number } = sink) {
    const transporter = nodemailer.createTransport({
      ...sink.transportOptions,
      host: target.host,
      port: target.port,
      pool: true,
      maxConnections: 4,
    });
    const email = createEmailChannel({
      transporter,
      from: FROM,
      envelopeFrom: 'bounces@pw.example.com',
      messageIdDomain: 'pw.example.com',
    });
    const d = createDispatcher(deps, {
      email,
      sms: createNoneProvider(),
      retryBaseMs: 40,
      retryMaxMs: 150,
      pollMs: 40,
      ...over,
    });
    cleanups.push(async () => {
      await d.stop();
      transporter.close();
    });
    return d;
  }

  it('sends one message per incident and recipient, naming every port, with DSN and signed links', async () => {
    const { incident } = await makeIncident(t.db.prisma, {
      language: 'ko',
      ports: [22],
      openedAt: new Date('2025-11-24T09:20:05Z'),
    });
    const [row] = await queueRows(t.db.prisma, incident, [
      { channel: 'EMAIL', recipient: 'ops@example.com', language: 'ko' },
    ]);
    // ports that joined the incident after the row was queued are in the message (rendered at send time)
    await t.db.prisma.incident.update({ where: { id: incident.id }, data: { ports: [22, 80, 443] } });
    const d = dispatcher();
    d.start();
    const [mail] = await sink.waitFor(1);
    await d.settle();

    expect(mail?.envid).toBe(row!.id);
    expect(mail?.ret).toBe('HDRS');
    expect(mail?.mailFrom).toBe('bounces@pw.example.com');
    expect(mail?.rcptTo).toEqual([
      { address: 'ops@example.com', notify: ['FAILURE'], orcpt: 'rfc822;ops@example.com' },
    ]);
    const p = mail!.parsed;
    expect(p.messageId).toBe(`<${row!.id}@pw.example.com>`);
    expect(p.headers.get('x-portwatch-ledger')).toBe(row!.id);
    expect(p.subject).toBe(`[portwatch] 장애: ${incident.host} (web-1) — 포트 22, 80, 443`);
    expect(p.text).toContain('포트: 22, 80, 443');
    expect(p.text).toContain('오류: ECONNREFUSED (connect ECONNREFUSED 203.0.113.5:22)');
    expect(p.text).toContain('2025-11-24 18:20:05 (UTC+09:00, Asia/Seoul)');
    const html = p.html || '';
    const pixel = /https:\/\/pw\.example\.com\/t\/r\/([^"]+)\.gif/.exec(html)?.[1];
    const ack = /https:\/\/pw\.example\.com\/t\/a\/([A-Za-z0-9._-]+)/.exec(html)?.[1];
    const read = /href="https:\/\/pw\.example\.com\/t\/l\/([A-Za-z0-9._-]+)"/.exec(html)?.[1];
    expect(verifyToken(SECRET, pixel ?? '', 'read')).toEqual({ ledgerId: row!.id });
    expect(verifyToken(SECRET, read ?? '', 'read')).toEqual({ ledgerId: row!.id });
    expect(verifyToken(SECRET, ack ?? '', 'ack')).toEqual({ ledgerId: row!.id });

    const after = await statusOf(t.db.prisma, row!.id);
    expect(after).toMatchObject({
      status: 'YES',
      attempts: 1,
      providerMessageId: `<${row!.id}@pw.example.com>`,
      lockedUntil: null,
    });
    expect(after.sentAt).toBeInstanceOf(Date);
    expect(after.statusDetail).toMatch(/^250/);
    expect(after.events.map((e) => [e.status, e.detail?.slice(0, 16)])).toEqual([['YES', 'attempt 1: sent ']]);
    expect(after.events[0]?.raw).toMatchObject({ accepted: ['ops@example.com'] });
    expect(deps.published.filter((e) => e.notificationId === row!.id).map((e) => e.status)).toEqual(['SENDING', 'YES']);
    expect(sink.received).toHaveLength(1);
  });

  it('renders English in the account time zone for contacts, and the language default zone for admins', async () => {
    const { incident } = await makeIncident(t.db.prisma, {
      language: 'en',
      timeZone: 'America/New_York',
      openedAt: new Date('2025-11-24T09:20:05Z'),
      label: null,
    });
    await queueRows(t.db.prisma, incident, [
      { channel: 'EMAIL', recipient: 'contact@example.com', language: 'en' },
      { channel: 'EMAIL', recipient: 'admin@example.com', language: 'en', role: 'ADMIN', accountId: null },
    ]);
    const d = dispatcher();
    d.start();
    const mails = await sink.waitFor(2);
    const by = (to: string) => mails.find((m) => m.rcptTo[0]?.address === to)!.parsed;
    expect(by('contact@example.com').subject).toBe(`[portwatch] DOWN: ${incident.host} — ports 22, 80`);
    expect(by('contact@example.com').text).toContain('Time: 2025-11-24 04:20:05 (UTC-05:00, America/New_York)');
    expect(by('admin@example.com').text).toContain('Time: 2025-11-24 09:20:05 (UTC+00:00, UTC)');
  });

  it('550 at RCPT → FAILED with the server text, sent once', async () => {
    sink.setBehaviour({
      rcpt: (a) =>
        a === 'nobody@example.com'
          ? { code: 550, message: '5.1.1 <nobody@example.com>: Recipient address rejected: User unknown' }
          : null,
    });
    const { incident } = await makeIncident(t.db.prisma);
    const [row] = await queueRows(t.db.prisma, incident, [{ channel: 'EMAIL', recipient: 'nobody@example.com' }]);
    const d = dispatcher();
    d.start();
    const after = await waitFor(async () => {
      const r = await statusOf(t.db.prisma, row!.id);
      return r.status === 'FAILED' ? r : null;
    });
    expect(after.statusDetail).toContain('550');
    expect(after.statusDetail).toContain('User unknown');
    expect(after.attempts).toBe(1);
    expect(after.failedAt).toBeInstanceOf(Date);
    expect(after.events.map((e) => e.status)).toEqual(['FAILED']);
    expect(sink.received).toHaveLength(0);
  });

  it('452 → retried with backoff, then sent exactly once', async () => {
    let refusals = 0;
    sink.setBehaviour({
      rcpt: () => (refusals++ < 2 ? { code: 452, message: '4.2.2 Mailbox full, try again later' } : null),
    });
    const { incident } = await makeIncident(t.db.prisma);
    const [row] = await queueRows(t.db.prisma, incident, [{ channel: 'EMAIL', recipient: 'full@example.com' }]);
    const d = dispatcher();
    d.start();
    const after = await waitFor(async () => {
      const r = await statusOf(t.db.prisma, row!.id);
      return r.status === 'YES' ? r : null;
    });
    expect(after.attempts).toBe(3);
    expect(after.events.map((e) => e.status)).toEqual(['QUEUED', 'QUEUED', 'YES']);
    expect(after.events[0]?.detail).toMatch(/^attempt 1: temporary failure — 452 .*Mailbox full.*; next attempt at /);
    expect(sink.received).toHaveLength(1);
  });

  it('gives up after the configured attempts with the last reason', async () => {
    sink.setBehaviour({ rcpt: { code: 451, message: '4.3.0 Temporary lookup failure' } });
    const { incident } = await makeIncident(t.db.prisma);
    const [row] = await queueRows(t.db.prisma, incident, [{ channel: 'EMAIL', recipient: 'later@example.com' }]);
    const d = dispatcher({ maxAttempts: 3 });
    d.start();
    const after = await waitFor(async () => {
      const r = await statusOf(t.db.prisma, row!.id);
      return r.status === 'FAILED' ? r : null;
    });
    expect(after.statusDetail).toBe('gave up after 3 attempts: 451 4.3.0 Temporary lookup failure');
    expect(after.attempts).toBe(3);
  });

  it("a row queued to send later (the probe's grouping delay) goes out when due, not at the next poll", async () => {
    const { incident } = await makeIncident(t.db.prisma);
    const due = new Date(Date.now() + 600);
    const [row] = await queueRows(t.db.prisma, incident, [
      { channel: 'EMAIL', recipient: 'later@example.com', nextAttemptAt: due },
    ]);
    const d = dispatcher({ pollMs: 60_000 });
    d.start();
    d.kick();
    const sent = await waitFor(async () => {
      const r = await statusOf(t.db.prisma, row!.id);
      return r.status === 'YES' ? r : null;
    }, 5_000);
    expect(sent.sentAt!.getTime()).toBeGreaterThanOrEqual(due.getTime());
    expect(sent.sentAt!.getTime() - due.getTime()).toBeLessThan(3_000);
  });

  it('no SMTP server configured → NO, "not sent: no SMTP server configured"', async () => {
    const { incident } = await makeIncident(t.db.prisma);
    const [row] = await queueRows(t.db.prisma, incident, [{ channel: 'EMAIL', recipient: 'ops@example.com' }]);
    const d = createDispatcher(deps, { email: null, sms: createNoneProvider(), pollMs: 40 });
    cleanups.push(() => d.stop());
    d.start();
    await d.settle();
    expect(await statusOf(t.db.prisma, row!.id)).toMatchObject({
      status: 'NOT_SENT',
      statusDetail: 'not sent: no SMTP server configured',
      sentAt: null,
    });
  });

  it('SMTP down for a while, then up: every queued message is sent exactly once', async () => {
    const proxy = await startTcpProxy({ host: sink.host, port: sink.port });
    cleanups.push(() => proxy.close());
    proxy.cutOff();
    const { incident } = await makeIncident(t.db.prisma);
    const rows = await queueRows(
      t.db.prisma,
      incident,
      Array.from({ length: 20 }, (_, i) => ({ channel: 'EMAIL' as const, recipient: `r${i}@example.com` })),
    );
    const ids = rows.map((r) => r.id);
    const d = dispatcher({ maxAttempts: 50 }, { host: '127.0.0.1', port: proxy.port });
    d.start();
    // every row fails at least once while the server is unreachable (a second attempt was claimed)
    await waitFor(
      async () =>
        (await t.db.prisma.notification.count({ where: { id: { in: ids }, attempts: { gte: 2 } } })) === ids.length,
      45_000,
      'a failed attempt each',
    );
    expect(sink.received).toHaveLength(0);
    proxy.restore();
    await waitFor(
      async () => (await t.db.prisma.notification.count({ where: { id: { in: ids }, status: 'YES' } })) === ids.length,
      45_000,
      'all sent',
    );
    await d.settle();
    const messageIds = sink.received.map((m) => m.parsed.messageId);
    expect(messageIds).toHaveLength(20);
    expect(new Set(messageIds).size).toBe(20);
    const events = await t.db.prisma.notificationEvent.groupBy({
      by: ['status'],
      where: { notificationId: { in: ids } },
      _count: true,
    });
    expect(events.find((e) => e.status === 'YES')?._count).toBe(20);
    expect(events.find((e) => e.status === 'QUEUED')?._count).toBeGreaterThanOrEqual(20);
  }, 120_000);
});
