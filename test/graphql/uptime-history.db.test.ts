// One hand-built incident history, worked out by hand below, read back through every way the
// product shows it: the uptime over the API (per host and per port), the monthly SLA report and
// its CSV, for a customer in Asia/Seoul and one in UTC. February 2024 is a leap month (29 days);
// an incident late on 29 February (UTC) is in March in Seoul for its second hour.
//
// The history (the same for both customers' monitors, ports 22 and 80, created in December 2023):
//   B  10 Feb 00:00–02:00 UTC, listed port 80; port 22 failed 00:30–01:30 and recovered before
//      the end (its failure run): the ports' parts overlap
//   maintenance 10 Feb 01:00–01:30 UTC (inside B): excluded
//   C  20 Feb 00:20–01:00 UTC, port 22; the prober's own outage (PROBE_DEGRADED, held time)
//      20 Feb 00:00–00:40 UTC covers its first 20 minutes: excluded
//   A  29 Feb 14:00–16:00 UTC, ports 22 and 80 (Seoul: 23:00 on the 29th → 01:00 on 1 March)
// Down, less the excluded time:
//   host:    B 90 min + C 20 min + A 120 min (UTC February) or 60 min (Seoul February)
//   port 80: B 90 min (00:00–02:00 less maintenance) + A
//   port 22: B 30 min (00:30–01:30 less maintenance) + C 20 min + A
//   excluded: 30 + 40 = 70 min in February, in both zones
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { at, customer, gid, list, ok, signIn, type Auth } from './api-helpers.ts';

const D = (iso: string) => new Date(iso);
const NOW = D('2024-03-10T00:00:00Z');
const MIN = 60;
const FEB = 29 * 86_400; // a leap February, in either zone
const EXCLUDED = 70 * MIN;

describe(`one incident history through the API, the report and the CSV (${backend})`, () => {
  let app: TestApp;
  const auth = new Map<string, Auth>();
  const monitors = new Map<string, string>();

  beforeAll(async () => {
    app = await startTestApp({}, { now: () => NOW });
    const p = app.db.prisma;
    for (const [login, ip, timeZone] of [
      ['seoul', '8.8.4.4', 'Asia/Seoul'],
      ['utc', '9.9.9.9', 'UTC'],
    ] as const) {
      const c = await customer(p, login, { ips: [ip] });
      await p.account.update({ where: { id: c.account.id }, data: { timeZone } });
      const m = await p.monitor.create({
        data: {
          accountId: c.account.id,
          serverId: c.servers[0]!.id,
          activeServerId: c.servers[0]!.id,
          host: ip,
          ports: [22, 80],
          contactName: 'Kim',
          contactEmail: 'kim@example.com',
          createdAt: D('2023-12-01T00:00:00Z'),
        },
      });
      monitors.set(login, m.id);
      const incident = (ports: number[], openedAt: string, resolvedAt: string, reason: string) =>
        p.incident.create({
          data: {
            monitorId: m.id,
            accountId: c.account.id,
            host: ip,
            ports,
            reason,
            openedAt: D(openedAt),
            resolvedAt: D(resolvedAt),
          },
        });
      const b = await incident([80], '2024-02-10T00:00:00Z', '2024-02-10T02:00:00Z', 'ETIMEDOUT');
      for (const [port, firstAt, lastAt] of [
        [80, '2024-02-10T00:00:00Z', '2024-02-10T01:59:00Z'],
        [22, '2024-02-10T00:30:00Z', '2024-02-10T01:30:00Z'],
      ] as const)
        await p.failureRun.create({
          data: {
            monitorId: m.id,
            port,
            firstAt: D(firstAt),
            lastAt: D(lastAt),
            count: 3,
            slots: [3],
            code: 'ETIMEDOUT',
            message: 'timed out',
            incidentId: b.id,
          },
        });
      await p.maintenanceWindow.create({
        data: {
          monitorId: m.id,
          kind: 'ONE_OFF',
          startsAt: D('2024-02-10T01:00:00Z'),
          endsAt: D('2024-02-10T01:30:00Z'),
        },
      });
      await incident([22], '2024-02-20T00:20:00Z', '2024-02-20T01:00:00Z', 'ECONNREFUSED');
      await incident([22, 80], '2024-02-29T14:00:00Z', '2024-02-29T16:00:00Z', 'EHOSTUNREACH');
      auth.set(login, await signIn(app, login));
    }
    await p.incident.create({
      data: {
        kind: 'PROBE_DEGRADED',
        ports: [],
        reason: 'canaries failed',
        openedAt: D('2024-02-20T00:00:00Z'),
        resolvedAt: D('2024-02-20T00:40:00Z'),
      },
    });
  }, 180_000);

  afterAll(async () => {
    await app?.close();
  });

  it('the uptime over the last 30 days, per host and per port', async () => {
    for (const login of ['seoul', 'utc']) {
      const data = await ok(
        app,
        auth.get(login)!,
        `query($id: ID!) { node(id: $id) { ... on Monitor {
          uptime(perPort: true) { range host { ratio downSeconds observedSeconds excludedSeconds }
            ports { port downSeconds excludedSeconds } } } } }`,
        { id: gid('Monitor', monitors.get(login)!) },
      );
      const d30 = list(data, 'node.uptime').find((u) => u.range === 'D30')!;
      const observed = 30 * 86_400 - EXCLUDED;
      expect(at(d30, 'host.downSeconds')).toBe((90 + 20 + 120) * MIN);
      expect(at(d30, 'host.excludedSeconds')).toBe(EXCLUDED);
      expect(at(d30, 'host.observedSeconds')).toBe(observed);
      expect(at(d30, 'host.ratio')).toBeCloseTo(1 - ((90 + 20 + 120) * MIN) / observed, 12);
      expect((at(d30, 'ports') as { port: number; downSeconds: number }[]).map((x) => [x.port, x.downSeconds])).toEqual(
        [
          [22, (30 + 20 + 120) * MIN],
          [80, (90 + 120) * MIN],
        ],
      );
    }
  });

  const REPORT = `query($month: String!) { slaReport(month: $month) {
    __typename ... on Error { code }
    ... on QuerySlaReportSuccess { data { month breached csv
      hosts { host breached downMinutes availability { ratio downSeconds observedSeconds excludedSeconds }
        incidents { durationSeconds cause } } } } } }`;

  async function report(login: string, month: string) {
    const data = await ok(app, auth.get(login)!, REPORT, { month });
    expect(at(data, 'slaReport.__typename')).toBe('QuerySlaReportSuccess');
    return at(data, 'slaReport.data') as Record<string, unknown>;
  }

  /** The report's host figures and its CSV's HOST row agree with the expected seconds. */
  function expectMonth(r: Record<string, unknown>, down: number, observed: number, excluded: number) {
    const ratio = 1 - down / observed;
    expect(at(r, 'hosts.0.availability.downSeconds')).toBe(down);
    expect(at(r, 'hosts.0.availability.observedSeconds')).toBe(observed);
    expect(at(r, 'hosts.0.availability.excludedSeconds')).toBe(excluded);
    expect(at(r, 'hosts.0.availability.ratio')).toBeCloseTo(ratio, 12);
    expect(at(r, 'hosts.0.downMinutes')).toBe(Math.round(down / 60));
    expect(at(r, 'hosts.0.breached')).toBe(ratio * 100 < 99.9);
    const lines = String(r.csv).trimEnd().split('\r\n');
    const header = lines[0]!.split(',');
    const row = lines[1]!.split(',');
    const col = (name: string) => row[header.indexOf(name)];
    expect(col('record')).toBe('HOST');
    expect(col('availability_percent')).toBe((ratio * 100).toFixed(3));
    expect(col('down_minutes')).toBe((down / 60).toFixed(1));
    expect(col('excluded_minutes')).toBe((excluded / 60).toFixed(1));
    expect(col('observed_minutes')).toBe((observed / 60).toFixed(1));
    expect(col('breached')).toBe(ratio * 100 < 99.9 ? 'yes' : 'no');
  }

  it('February 2024 in UTC: 29 days, all three incidents whole', async () => {
    const r = await report('utc', '2024-02');
    expectMonth(r, (90 + 20 + 120) * MIN, FEB - EXCLUDED, EXCLUDED);
    expect(at(r, 'hosts.0.incidents')).toEqual([
      { durationSeconds: 120 * MIN, cause: 'ETIMEDOUT' },
      { durationSeconds: 40 * MIN, cause: 'ECONNREFUSED' },
      { durationSeconds: 120 * MIN, cause: 'EHOSTUNREACH' },
    ]);
  });

  it('February 2024 in Seoul: 29 days, the last incident split at local midnight', async () => {
    const r = await report('seoul', '2024-02');
    expectMonth(r, (90 + 20 + 60) * MIN, FEB - EXCLUDED, EXCLUDED);
    expect((at(r, 'hosts.0.incidents') as { durationSeconds: number }[]).map((i) => i.durationSeconds)).toEqual([
      120 * MIN,
      40 * MIN,
      60 * MIN,
    ]);
  });

  it('March 2024 up to now: the incident’s second hour in Seoul, nothing in UTC', async () => {
    const seoul = await report('seoul', '2024-03');
    // from local midnight of 1 March (29 Feb 15:00 UTC) to now
    expectMonth(seoul, 60 * MIN, (NOW.getTime() - Date.parse('2024-02-29T15:00:00Z')) / 1000, 0);
    const utc = await report('utc', '2024-03');
    expectMonth(utc, 0, (NOW.getTime() - Date.parse('2024-03-01T00:00:00Z')) / 1000, 0);
    expect(at(utc, 'hosts.0.incidents')).toEqual([]);
  });
});
