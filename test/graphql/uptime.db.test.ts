// Uptime over the API: a monitor's figures per range, its daily bars and response times agree
// with the availability service; the monthly SLA report (breach against the target, the CSV
// with the same figures), admins' report across customers worst first; another customer reads
// none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availabilityFor } from '../../server/services/availability/index.ts';
import { monthSpan } from '../../server/services/availability/zone.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { parsePdf } from '../helpers/pdf.ts';
import { at, customer, gid, list, ok, signIn, signInAdmin, type Auth } from './api-helpers.ts';
import { insertHourlyRollups } from '../helpers/rollups.ts';

const D = (iso: string) => new Date(iso);
const NOW = D('2026-03-02T03:00:00Z');

describe(`uptime and SLA reports over the API (${backend})`, () => {
  let app: TestApp;
  let alice: Auth;
  let bob: Auth;
  let admin: Auth;
  let aliceId: string;
  let monitorId: string;
  let monitorGid: string;

  beforeAll(async () => {
    app = await startTestApp({}, { now: () => NOW });
    const p = app.db.prisma;
    const a = await customer(p, 'alice', { ips: ['8.8.4.4'] });
    const b = await customer(p, 'bob', { ips: ['9.9.9.9'] });
    aliceId = a.account.id;
    const mk = (accountId: string, serverId: string, host: string) =>
      p.monitor.create({
        data: {
          accountId,
          serverId,
          activeServerId: serverId,
          host,
          ports: [22, 80],
          contactName: 'Kim',
          contactEmail: 'kim@example.com',
          createdAt: D('2025-12-01T00:00:00Z'),
        },
      });
    const m = await mk(a.account.id, a.servers[0]!.id, '8.8.4.4');
    await mk(b.account.id, b.servers[0]!.id, '9.9.9.9');
    monitorId = m.id;
    monitorGid = gid('Monitor', m.id);
    // two hours down on 28 February 2026 in Seoul (a non-leap February: 28 days)
    await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: a.account.id,
        host: m.host,
        ports: [80],
        reason: 'ECONNREFUSED',
        openedAt: D('2026-02-28T01:00:00Z'),
        resolvedAt: D('2026-02-28T03:00:00Z'),
      },
    });
    // and 20 minutes yesterday (1 March, Seoul)
    await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: a.account.id,
        host: m.host,
        ports: [22],
        reason: 'ETIMEDOUT',
        openedAt: D('2026-03-01T05:00:00Z'),
        resolvedAt: D('2026-03-01T05:20:00Z'),
      },
    });
    await insertHourlyRollups(p, [
      {
        monitorId: m.id,
        port: 22,
        hour: D('2026-03-02T01:00:00Z'),
        checks: 20,
        failures: 0,
        latencySumMs: 200,
        latencyCount: 20,
        latencyMinMs: 5,
        latencyMaxMs: 20,
      },
      {
        monitorId: m.id,
        port: 80,
        hour: D('2026-03-02T01:00:00Z'),
        checks: 20,
        failures: 2,
        latencySumMs: 540,
        latencyCount: 18,
        latencyMinMs: 3,
        latencyMaxMs: 90,
      },
      {
        monitorId: m.id,
        port: 80,
        hour: D('2026-03-02T02:00:00Z'),
        checks: 20,
        failures: 0,
        latencySumMs: 400,
        latencyCount: 20,
        latencyMinMs: 10,
        latencyMaxMs: 40,
      },
    ]);
    alice = await signIn(app, 'alice');
    bob = await signIn(app, 'bob');
    admin = await signInAdmin(app);
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('answers the uptime per range and per port as the availability service computes it', async () => {
    const data = await ok(
      app,
      alice,
      `query($id: ID!) { node(id: $id) { ... on Monitor {
        uptime(perPort: true) { range host { port ratio downSeconds observedSeconds } ports { port ratio downSeconds } }
        dailyBars(days: 3) { day downSeconds ratio incidents { cause } }
        responseTimes(range: DAY) { bucketSeconds points { at minMs avgMs maxMs checks failures } }
      } } }`,
      { id: monitorGid },
    );
    const uptime = list(data, 'node.uptime');
    expect(uptime.map((u) => u.range)).toEqual(['H24', 'D7', 'D30', 'D90', 'D365']);
    const week = await availabilityFor(
      app.services,
      [monitorId],
      { from: new Date(NOW.getTime() - 7 * 86_400_000), to: NOW },
      { perPort: true },
    );
    const d7 = uptime[1]!;
    expect(at(d7, 'host.downSeconds')).toBe(week.find((w) => w.port === null)!.downSeconds);
    expect(at(d7, 'host.downSeconds')).toBe(2 * 3600 + 20 * 60);
    expect(at(d7, 'host.ratio')).toBeCloseTo(week.find((w) => w.port === null)!.ratio!, 12);
    expect((at(d7, 'ports') as { port: number; downSeconds: number }[]).map((p) => [p.port, p.downSeconds])).toEqual([
      [22, 20 * 60],
      [80, 2 * 3600],
    ]);
    // the last 24 hours hold only the 20 minutes of 1 March
    expect(at(uptime[0], 'host.downSeconds')).toBe(20 * 60);
    const bars = list(data, 'node.dailyBars');
    expect(bars.map((b) => [b.day, b.downSeconds])).toEqual([
      ['2026-02-28', 2 * 3600],
      ['2026-03-01', 20 * 60],
      ['2026-03-02', 0],
    ]);
    expect(at(bars[1], 'incidents.0.cause')).toBe('ETIMEDOUT');
    const points = list(data, 'node.responseTimes.points');
    expect(points.map((p) => [p.at, p.minMs, p.maxMs, p.checks, p.failures])).toEqual([
      ['2026-03-02T01:00:00.000Z', 3, 90, 40, 2],
      ['2026-03-02T02:00:00.000Z', 10, 40, 20, 0],
    ]);
    expect(points[0]!.avgMs).toBeCloseTo((200 + 540) / 38, 9);
  });

  const REPORT = `query($month: String!, $accountId: ID) { slaReport(month: $month, accountId: $accountId) {
    __typename ... on Error { code }
    ... on QuerySlaReportSuccess { data { loginId month targetPercent breached csv
      overall { ratio downSeconds observedSeconds }
      hosts { host breached downMinutes availability { ratio downSeconds observedSeconds }
        incidents { durationSeconds cause openedAt } } } } } }`;

  it('reports February in Seoul against the 99.9 % default: breached, with the incident and the same CSV figures', async () => {
    const data = await ok(app, alice, REPORT, { month: '2026-02' });
    const r = at(data, 'slaReport.data') as Record<string, unknown>;
    const feb = monthSpan('2026-02', 'Asia/Seoul');
    const observed = (feb.to - feb.from) / 1000;
    expect(observed).toBe(28 * 86_400);
    expect(r.targetPercent).toBe(99.9);
    expect(at(r, 'hosts.0.availability.downSeconds')).toBe(7200);
    expect(at(r, 'hosts.0.availability.observedSeconds')).toBe(observed);
    expect(at(r, 'hosts.0.downMinutes')).toBe(120);
    expect(at(r, 'hosts.0.breached')).toBe((1 - 7200 / observed) * 100 < 99.9);
    expect(at(r, 'hosts.0.breached')).toBe(true);
    expect(at(r, 'hosts.0.incidents')).toEqual([
      { durationSeconds: 7200, cause: 'ECONNREFUSED', openedAt: '2026-02-28T01:00:00.000Z' },
    ]);
    const lines = String(r.csv).trimEnd().split('\r\n');
    expect(lines).toHaveLength(3);
    const host = lines[1]!.split(',');
    expect(host.slice(0, 4)).toEqual(['HOST', '2026-02', 'alice', '8.8.4.4']);
    expect(Number(host[6])).toBeCloseTo((1 - 7200 / observed) * 100, 3);
    expect(host[7]).toBe('yes');
    expect(Number(host[8])).toBe(120);
    expect(lines[2]!.split(',').slice(11, 15)).toEqual([
      '2026-02-28T01:00:00.000Z',
      '2026-02-28T03:00:00.000Z',
      '120.0',
      'ECONNREFUSED',
    ]);
  });

  it('gives the same figures as a PDF: in the language asked for, else the customer’s (English here)', async () => {
    const PDF = `query($month: String!, $accountId: ID, $language: Language) { slaReport(month: $month, accountId: $accountId) {
      __typename ... on QuerySlaReportSuccess { data { pdf(language: $language) overall { ratio } } } } }`;
    const mine = await ok(app, alice, PDF, { month: '2026-02', language: 'ko' });
    const ratio = at(mine, 'slaReport.data.overall.ratio') as number;
    const ko = parsePdf(Buffer.from(String(at(mine, 'slaReport.data.pdf')), 'base64'));
    expect(ko.pages).toHaveLength(1);
    expect(ko.text).toContain('2026년 2월 SLA 보고서');
    expect(ko.text).toContain(`${(ratio * 100).toFixed(3)} %`);
    expect(ko.text).toContain('2026-02-28 10:00'); // 01:00 UTC in Seoul
    expect(ko.text).toContain('2시간');
    expect(ko.text).toContain('ECONNREFUSED');
    const theirs = await ok(app, admin, PDF, { month: '2026-02', accountId: gid('Account', aliceId) });
    const en = parsePdf(Buffer.from(String(at(theirs, 'slaReport.data.pdf')), 'base64'));
    expect(en.text).toContain('SLA report February 2026');
    expect(en.text).toContain(`${(ratio * 100).toFixed(3)} %`);
    expect(en.text).toContain('2 h');
    // another customer: not found, no PDF
    const denied = await ok(app, bob, PDF, { month: '2026-02', accountId: gid('Account', aliceId) });
    expect(at(denied, 'slaReport.__typename')).toBe('NotFoundError');
  });

  it('follows a target the admin sets; a customer cannot set its own', async () => {
    const SET = `mutation($a: ID, $t: Float, $m: Boolean) { updateSlaSettings(accountId: $a, targetPercent: $t, reportMail: $m) {
      __typename ... on Error { code } ... on MutationUpdateSlaSettingsSuccess { data { targetPercent effectiveTargetPercent reportMail } } } }`;
    const denied = await ok(app, alice, SET, { t: 90 });
    expect(at(denied, 'updateSlaSettings.code')).toBe('FORBIDDEN');
    const mail = await ok(app, alice, SET, { m: true });
    expect(at(mail, 'updateSlaSettings.data')).toEqual({
      targetPercent: null,
      effectiveTargetPercent: 99.9,
      reportMail: true,
    });
    const set = await ok(app, admin, SET, { a: gid('Account', aliceId), t: 99.5 });
    expect(at(set, 'updateSlaSettings.data.effectiveTargetPercent')).toBe(99.5);
    const data = await ok(app, alice, REPORT, { month: '2026-02' });
    expect(at(data, 'slaReport.data.breached')).toBe(false);
    const bad = await ok(app, admin, SET, { a: gid('Account', aliceId), t: 120 });
    expect(at(bad, 'updateSlaSettings.__typename')).toBe('ValidationError');
    await ok(app, admin, SET, { a: gid('Account', aliceId), t: null });
  });

  it('lists every customer for admins, worst availability first', async () => {
    const data = await ok(
      app,
      admin,
      `{ slaReports(month: "2026-02", first: 10) { edges { node { loginId overall { ratio } } } } }`,
    );
    const rows = list(data, 'slaReports.edges').map((e) => at(e, 'node.loginId'));
    expect(rows).toEqual(['alice', 'bob']);
  });

  it('gives another customer none of it', async () => {
    const other = await ok(app, bob, REPORT, { month: '2026-02', accountId: gid('Account', aliceId) });
    expect(at(other, 'slaReport.code')).toBe('NOT_FOUND');
    const node = await ok(app, bob, `query($id: ID!) { node(id: $id) { ... on Monitor { uptime { range } } } }`, {
      id: monitorGid,
    });
    expect(at(node, 'node')).toBeNull();
    const own = await ok(app, bob, REPORT, { month: '2026-02' });
    expect(list(own, 'slaReport.data.hosts').map((h) => h.host)).toEqual(['9.9.9.9']);
    const admins = await app.gql(`{ slaReports(month: "2026-02") { edges { node { loginId } } } }`, {}, bob);
    expect(admins.body.errors?.length).toBeGreaterThan(0);
    const future = await ok(app, alice, REPORT, { month: '2026-04' });
    expect(at(future, 'slaReport.__typename')).toBe('ValidationError');
  });
});
