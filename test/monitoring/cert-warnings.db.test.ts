// Certificate expiry warnings: one ledger message per threshold per certificate, never per
// check, surviving restarts (a new tracker on the same database), following the account's and
// the admin's thresholds; a replaced certificate starts afresh and closes the old one's anchor.
// The facts come from real TLS handshakes against a local server with test-CA certificates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../server/probe/checks/index.ts';
import type { TlsFacts } from '../../server/probe/types.ts';
import { dueThreshold } from '../../server/services/cert-warnings.ts';
import { claimDue } from '../../server/dispatch/claim.ts';
import { buildEmail, buildSms } from '../../server/dispatch/content.ts';
import { zonedTime } from '../../server/notify/render.ts';
import { CertTracker } from '../../server/monitoring/certs.ts';
import { monitorInclude, toLiveMonitor } from '../../server/monitoring/model.ts';
import { defaultsSchema } from '../../server/services/settings.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { issue } from '../probe/certs.ts';
import { tlsServer } from '../probe/check-servers.ts';

const DAY = 86_400_000;
const T0 = Date.now();
const ca = issue({ cn: 'portwatch test CA', ca: true });

async function handshake(cert: { cert: string; key: string }): Promise<TlsFacts> {
  const srv = await tlsServer(cert.cert, cert.key);
  const r = await runCheck(
    {
      ...srv,
      check: { kind: 'TLS', serverName: 'svc.example.test', verifyChain: true, verifyName: true, starttls: null },
    },
    { timeoutMs: 2000, ca: [ca.cert] },
  );
  if (!r.tls) throw new Error(`no TLS facts: ${JSON.stringify(r)}`);
  return r.tls;
}

describe(`certificate expiry warnings (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('due threshold: the most urgent one crossed, once; none before, none once expired', () => {
    const th = [30, 14, 7, 1];
    const at = (daysLeft: number) => T0 + daysLeft * DAY;
    expect(dueThreshold(th, at(40), T0, null)).toBeNull();
    expect(dueThreshold(th, at(29.9), T0, null)).toBe(30);
    expect(dueThreshold(th, at(29.9), T0, 30)).toBeNull();
    expect(dueThreshold(th, at(5), T0, null)).toBe(7);
    expect(dueThreshold(th, at(5), T0, 30)).toBe(7);
    expect(dueThreshold(th, at(0.5), T0, 7)).toBe(1);
    expect(dueThreshold(th, at(-1), T0, null)).toBeNull();
    expect(dueThreshold([], at(0.5), T0, null)).toBeNull();
  });

  it("one message per threshold per certificate, across restarts, with the ledger's delivery tracking", async () => {
    const p = t.db.prisma;
    const alice = await makeCustomer(p, 'alice');
    const row = await makeMonitor(p, { accountId: alice.id, ports: [443], phone: '+821012345678', smsEnabled: true });
    const load = async () =>
      toLiveMonitor(
        await p.monitor.findUniqueOrThrow({ where: { id: row.id }, include: monitorInclude }),
        defaultsSchema.parse({}),
        T0,
      );
    const facts = await handshake(
      issue({ cn: 'svc.example.test', names: ['svc.example.test'], issuer: ca, notAfter: new Date(T0 + 40 * DAY) }),
    );
    let now = T0;
    const tracker = () => new CertTracker({ prisma: p, now: () => now });
    const rows = () =>
      p.notification.findMany({ where: { kind: 'CERT_EXPIRING' }, orderBy: [{ seq: 'desc' }, { channel: 'asc' }] });

    let tr = tracker();
    const m = await load();
    tr.observe(m, 443, facts);
    await tr.flush();
    const cert = await p.certificate.findFirstOrThrow({ where: { monitorId: m.id, port: 443 } });
    expect(cert).toMatchObject({
      subject: 'CN=svc.example.test',
      issuer: 'CN=portwatch test CA',
      trusted: true,
      current: true,
      warnedDays: null,
      protocol: 'TLSv1.3',
    });
    expect(await rows()).toEqual([]);

    // 29 days left: the 30-day warning, to the contact by mail and SMS; checks after it add nothing
    now = T0 + 11 * DAY;
    for (let i = 0; i < 5; i++) {
      tr.observe(m, 443, facts);
      await tr.flush();
    }
    expect((await rows()).map((r) => [r.seq, r.channel, r.recipient, r.status])).toEqual([
      [30, 'EMAIL', 'contact@example.com', 'QUEUED'],
      [30, 'SMS', '+821012345678', 'QUEUED'],
    ]);

    // restart: a new tracker knows nothing in memory; the row and the ledger remember
    tr = tracker();
    tr.observe(await load(), 443, facts);
    await tr.flush();
    expect(await rows()).toHaveLength(2);
    // even with the certificate's memory lost, the ledger's unique key refuses a second message
    await p.certificate.update({ where: { id: cert.id }, data: { warnedDays: null } });
    tr = tracker();
    tr.observe(await load(), 443, facts);
    await tr.flush();
    expect(await rows()).toHaveLength(2);

    // 13 days left → 14; 0.5 days left → 1 (7 was skipped over while nobody looked: one message)
    now = T0 + 27 * DAY;
    tr.observe(m, 443, facts);
    await tr.flush();
    now = T0 + 39.5 * DAY;
    tr = tracker();
    tr.observe(await load(), 443, facts);
    await tr.flush();
    tr.observe(await load(), 443, facts);
    await tr.flush();
    expect((await rows()).map((r) => `${r.seq}/${r.channel}`)).toEqual([
      '30/EMAIL',
      '30/SMS',
      '14/EMAIL',
      '14/SMS',
      '1/EMAIL',
      '1/SMS',
    ]);

    // all hang off one CERT_EXPIRY anchor, which is not an outage: not in the incident lists
    const anchors = await p.incident.findMany({ where: { monitorId: m.id } });
    expect(anchors.map((a) => [a.kind, a.ports, a.resolvedAt])).toEqual([['CERT_EXPIRY', [443], null]]);
    expect(new Set((await rows()).map((r) => r.incidentId))).toEqual(new Set([anchors[0]!.id]));

    // the dispatcher claims them like any message and renders the certificate and its days left
    const claimed = await claimDue(p, { channel: 'EMAIL', limit: 10, now: new Date(now + 1000), leaseMs: 60_000 });
    const last = claimed.find((c) => c.row.seq === 1)!;
    const mail = buildEmail(last.row, last.incident, {
      publicUrl: 'https://pw.example.com',
      secret: 'x'.repeat(32),
      smsAckLink: false,
    });
    expect(mail.subject).toBe('[portwatch] CERTIFICATE EXPIRING: 127.0.0.1 — ports 443');
    expect(mail.text).toContain('Certificate: CN=svc.example.test');
    expect(mail.text).toMatch(/Expires: \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(UTC[+-]\d\d:\d\d\) — 0 days left/);
    // the oldest SMS is the 30-day one, sent (as rendered) with the days left when it was queued
    const [sms] = await claimDue(p, { channel: 'SMS', limit: 1, now: new Date(now + 1000), leaseMs: 60_000 });
    expect(sms!.row.seq).toBe(30);
    const validTo = (await p.certificate.findUniqueOrThrow({ where: { id: cert.id } })).validTo;
    const left = Math.floor((validTo.getTime() - (T0 + 11 * DAY)) / DAY);
    expect(left).toBeGreaterThanOrEqual(28);
    const text = buildSms(sms!.row, sms!.incident, {
      publicUrl: 'https://pw.example.com',
      secret: 'x'.repeat(32),
      smsAckLink: false,
    });
    expect(text).toMatch(
      new RegExp(
        `^\\[portwatch\\] CERTIFICATE EXPIRING 127\\.0\\.0\\.1 ports 443 ${left} days left \\(${zonedTime(validTo, 'Asia/Seoul').date}\\) `,
      ),
    );
  });

  it("a renewed certificate replaces the old one: its anchor closes, warnings start afresh under the account's thresholds", async () => {
    const p = t.db.prisma;
    const bob = await makeCustomer(p, 'bob');
    await p.account.update({ where: { id: bob.id }, data: { certWarnDays: [10] } });
    const row = await makeMonitor(p, {
      accountId: bob.id,
      ip: '127.0.0.2',
      probeHost: '127.0.0.1',
      ports: [8443],
      phone: null,
    });
    const m = toLiveMonitor(
      await p.monitor.findUniqueOrThrow({ where: { id: row.id }, include: monitorInclude }),
      defaultsSchema.parse({}),
      T0,
    );
    const old = await handshake(
      issue({ cn: 'svc.example.test', names: ['svc.example.test'], issuer: ca, notAfter: new Date(T0 + 5 * DAY) }),
    );
    const renewed = await handshake(
      issue({ cn: 'svc.example.test', names: ['svc.example.test'], issuer: ca, notAfter: new Date(T0 + 95 * DAY) }),
    );
    const tr = new CertTracker({ prisma: p, now: () => T0 });
    tr.observe(m, 8443, old);
    await tr.flush();
    const first = await p.notification.findMany({ where: { accountId: bob.id, kind: 'CERT_EXPIRING' } });
    expect(first.map((r) => [r.seq, r.channel])).toEqual([[10, 'EMAIL']]);
    tr.observe(m, 8443, renewed);
    await tr.flush();
    const certs = await p.certificate.findMany({ where: { monitorId: m.id }, orderBy: { validTo: 'asc' } });
    expect(certs.map((c) => [c.current, c.warnedDays])).toEqual([
      [false, 10],
      [true, null],
    ]);
    const anchor = await p.incident.findUniqueOrThrow({ where: { id: certs[0]!.incidentId! } });
    expect(anchor.resolvedAt?.getTime()).toBe(T0);
    expect(await p.notification.count({ where: { accountId: bob.id, kind: 'CERT_EXPIRING' } })).toBe(1);
  });
});
