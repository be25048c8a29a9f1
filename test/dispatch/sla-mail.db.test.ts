// The monthly SLA e-mail on a manual clock against a real SMTP server (smtp-server sink): queued
// once local midnight of the 1st has passed in the customer's zone (Asia/Seoul before UTC), once
// per account and month even with two processes at the same instant and after a restart, not for
// a month that ended before the customer switched it on; sent through the ledger (a temporary
// SMTP refusal is retried), in the customer's language, with the month's figures in the customer's
// zone and the report's PDF attached.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatcher } from '../../server/dispatch/dispatcher.ts';
import { runSlaMail, slaAnchorId } from '../../server/dispatch/sla-mail.ts';
import { createEmailChannel } from '../../server/notify/email.ts';
import { createNoneProvider } from '../../server/notify/sms/none.ts';
import { updateSlaSettings } from '../../server/services/sla/settings.ts';
import type { Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { parsePdf, pdftotext } from '../helpers/pdf.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { makeDeps, PUBLIC_URL, type TestDeps } from './helpers.ts';

const D = (iso: string) => new Date(iso);
// the same incident for both customers: 23:30–00:30 across 31 October / 1 November in Seoul,
// 14:30–15:30 on 31 October in UTC
const OPENED = D('2026-10-31T14:30:00Z');
const RESOLVED = D('2026-10-31T15:30:00Z');
const OCTOBER_SECONDS = 31 * 86_400;

describe(`monthly SLA e-mail (${backend})`, () => {
  let t: TestDatabase;
  let sink: SmtpSink;
  let clock = D('2026-10-20T00:00:00Z');
  let deps: TestDeps;
  let seoul: { id: string; email: string };
  let utc: { id: string; email: string };
  let late: { id: string };

  async function customer(n: number, login: string, language: 'ko' | 'en', timeZone: string, since: Date | null) {
    const p = t.db.prisma;
    const account = await p.account.create({
      data: {
        loginId: login,
        name: language === 'ko' ? '서울 호스팅' : 'UTC Hosting',
        email: `${login}@example.com`,
        passwordHash: 'x',
        kind: 'HOSTING',
        language,
        timeZone,
        slaReportMail: since !== null,
        slaReportMailSince: since,
      },
    });
    const server = await p.server.create({
      data: { ip: `203.0.113.${n}`, accountId: account.id, source: 'HOSTING_INVENTORY', label: '웹 서버' },
    });
    const monitor = await p.monitor.create({
      data: {
        accountId: account.id,
        serverId: server.id,
        activeServerId: server.id,
        host: server.ip,
        ports: [22, 80],
        contactName: 'Ops',
        contactEmail: 'ops@example.com',
        createdAt: D('2026-09-01T00:00:00Z'),
      },
    });
    await p.incident.create({
      data: {
        monitorId: monitor.id,
        accountId: account.id,
        host: server.ip,
        ports: [80],
        reason: 'ECONNREFUSED: connect ECONNREFUSED',
        openedAt: OPENED,
        resolvedAt: RESOLVED,
      },
    });
    return account;
  }

  beforeAll(async () => {
    t = await createTestDatabase();
    sink = await startSmtpSink();
    deps = makeDeps(t.db.prisma, { now: () => clock });
    // both switched it on in mid-October; a third only in November
    seoul = await customer(1, 'seoul', 'ko', 'Asia/Seoul', D('2026-10-15T00:00:00Z'));
    utc = await customer(2, 'utcco', 'en', 'UTC', D('2026-10-15T00:00:00Z'));
    late = await customer(3, 'lately', 'en', 'UTC', null);
  });
  afterAll(async () => {
    await sink.close();
    await t.drop();
  });

  const rows = () =>
    t.db.prisma.notification.findMany({
      where: { kind: 'SLA_REPORT' },
      orderBy: { createdAt: 'asc' },
      include: { incident: true },
    });

  it('switching the e-mail on records since when; off clears it; only the own account', async () => {
    clock = D('2026-11-10T00:00:00Z');
    const viewer: Viewer = {
      accountId: late.id,
      role: 'CUSTOMER',
      loginId: 'lately',
      kind: 'HOSTING',
      language: 'en',
      via: 'session',
    };
    const on = await updateSlaSettings(deps, viewer, { reportMail: true });
    expect(on.reportMail).toBe(true);
    expect(on.reportMailSince?.toISOString()).toBe(clock.toISOString());
    expect(on.reportMailTo).toBe('lately@example.com');
    // switching it on again keeps the first time
    clock = D('2026-11-11T00:00:00Z');
    const again = await updateSlaSettings(deps, viewer, { reportMail: true });
    expect(again.reportMailSince?.toISOString()).toBe('2026-11-10T00:00:00.000Z');
    await expect(updateSlaSettings(deps, viewer, { accountId: seoul.id, reportMail: false })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect((await t.db.prisma.account.findUniqueOrThrow({ where: { id: seoul.id } })).slaReportMail).toBe(true);
  });

  it('queues nothing before local midnight of the 1st, then Seoul first, then UTC, each once', async () => {
    // 23:59 on 31 October in Seoul: September is the month before, and they switched on after it ended
    clock = D('2026-10-31T14:59:00Z');
    expect((await runSlaMail(deps)).queued).toBe(0);
    // midnight in Seoul: the Seoul customer's October is due; two processes at the same instant
    clock = D('2026-10-31T15:00:00Z');
    const other = makeDeps(t.db.prisma, { now: () => clock });
    const [a, b] = await Promise.all([runSlaMail(deps), runSlaMail(other)]);
    expect(a.queued + b.queued).toBe(1);
    let all = await rows();
    expect(all.map((r) => [r.accountId, r.seq, r.recipient, r.language, r.status])).toEqual([
      [seoul.id, 202610, seoul.email, 'ko', 'QUEUED'],
    ]);
    expect(all[0]!.incident).toMatchObject({ id: slaAnchorId(seoul.id, '2026-10'), kind: 'SLA_REPORT' });
    expect(all[0]!.incident.resolvedAt).not.toBeNull();
    // midnight in UTC: the UTC customer's October; Seoul's is not queued again
    clock = D('2026-11-01T00:00:00Z');
    expect((await runSlaMail(deps)).queued).toBe(1);
    // a restart later in the month (a fresh process, same database): nothing more
    clock = D('2026-11-15T08:00:00Z');
    expect((await runSlaMail(makeDeps(t.db.prisma, { now: () => clock }))).queued).toBe(0);
    all = await rows();
    expect(all.map((r) => [r.accountId, r.seq])).toEqual([
      [seoul.id, 202610],
      [utc.id, 202610],
    ]);
    // the anchors are listed nowhere: not among the customer's incidents
    const listed = await t.db.prisma.incident.count({
      where: { accountId: seoul.id, kind: { notIn: ['CERT_EXPIRY', 'TEST', 'SLA_REPORT'] } },
    });
    expect(listed).toBe(1);
  });

  it('sends each through SMTP, retrying a temporary refusal, in the customer language and zone, with the PDF', async () => {
    const transporter = nodemailer.createTransport({ ...sink.transportOptions, pool: true, maxConnections: 2 });
    const email = createEmailChannel({ transporter, from: 'portwatch <sla@pw.example.com>' });
    const d = createDispatcher(deps, {
      email,
      sms: createNoneProvider(),
      retryBaseMs: 40,
      retryMaxMs: 150,
      pollMs: 40,
    });
    try {
      sink.setBehaviour({ data: { code: 451, message: '4.3.0 try again later' } });
      d.start();
      await expect
        .poll(async () => (await rows()).map((r) => [r.status, r.attempts]), { timeout: 20_000 })
        .toEqual([
          ['QUEUED', 1],
          ['QUEUED', 1],
        ]);
      expect((await rows()).every((r) => r.statusDetail?.includes('451'))).toBe(true);
      expect(sink.received).toHaveLength(0);
      sink.setBehaviour({});
      clock = D('2026-11-15T08:01:00Z'); // past the backoff
      d.kick();
      const mails = await sink.waitFor(2, 20_000);
      await d.settle();
      expect((await rows()).map((r) => [r.status, r.attempts])).toEqual([
        ['YES', 2],
        ['YES', 2],
      ]);
      expect(sink.received).toHaveLength(2);

      const ko = mails.find((m) => m.rcptTo[0]?.address === seoul.email)!;
      const en = mails.find((m) => m.rcptTo[0]?.address === utc.email)!;
      // Seoul: 30 of the incident's 60 minutes fall in October; UTC: all 60
      const koRatio = `${((1 - 1800 / OCTOBER_SECONDS) * 100).toFixed(3)} %`;
      const enRatio = `${((1 - 3600 / OCTOBER_SECONDS) * 100).toFixed(3)} %`;
      expect(ko.parsed.subject).toContain('2026년 10월 SLA 보고서');
      expect(ko.parsed.subject).toContain(koRatio);
      expect(ko.parsed.text).toContain('2026-10-31 23:30'); // opened, Seoul wall clock
      expect(ko.parsed.text).toContain('30분');
      expect(ko.parsed.text).toContain(`${PUBLIC_URL}/sla?month=2026-10`);
      expect(ko.parsed.html).toContain('lang="ko"');
      expect(en.parsed.subject).toContain('SLA report October 2026');
      expect(en.parsed.subject).toContain(enRatio);
      expect(en.parsed.text).toContain('2026-10-31 14:30');
      expect(en.parsed.text).toContain('1 h');
      for (const m of [ko, en])
        expect(m.envid).toBe((await rows()).find((r) => r.recipient === m.rcptTo[0]?.address)?.id);

      const pdf = ko.parsed.attachments.find((a) => a.contentType === 'application/pdf');
      expect(pdf?.filename).toBe('sla-seoul-2026-10.pdf');
      const parsed = parsePdf(pdf!.content);
      expect(parsed.text).toContain('2026년 10월 SLA 보고서');
      expect(parsed.text).toContain(koRatio);
      expect(parsed.text).toContain('2026-10-31 23:30');
      expect(parsed.text).toContain('2026-11-01 00:30');
      const dir = await mkdtemp(path.join(tmpdir(), 'sla-pdf-'));
      await writeFile(path.join(dir, 'ko.pdf'), pdf!.content);
      const poppler = await pdftotext(path.join(dir, 'ko.pdf'));
      if (poppler !== null) {
        expect(poppler).toContain('SLA 보고서');
        expect(poppler).toContain(koRatio);
      }
    } finally {
      await d.stop();
      transporter.close();
    }
  });

  it('a customer who switched on in November gets November on 1 December, not October', async () => {
    clock = D('2026-11-20T00:00:00Z');
    expect((await runSlaMail(deps)).queued).toBe(0);
    clock = D('2026-12-01T00:00:00Z');
    await runSlaMail(deps);
    const mine = (await rows()).filter((r) => r.accountId === late.id);
    expect(mine.map((r) => r.seq)).toEqual([202611]);
    // switched off: nothing for December
    await t.db.prisma.account.update({ where: { id: seoul.id }, data: { slaReportMail: false } });
    clock = D('2027-01-01T00:00:00Z');
    await runSlaMail(deps);
    expect((await rows()).filter((r) => r.accountId === seoul.id).map((r) => r.seq)).toEqual([202610, 202611]);
  });
});
