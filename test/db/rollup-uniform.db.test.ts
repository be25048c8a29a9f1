// A figure that is the same in every hour of a day with a rollup is stored once (docs/storage.md
// "Rollups", "The host day layer"): one element in the port day row, NULL (the day's total over
// its hours) in the host row. On the same history, written through the probe's flush, every reader
// gives the same figures before and after packing: uniform days, a day with an irregular hour, a
// day with a gap, days with failure runs, flapping time all day, a late hour added to a uniform
// day, and the daily rows the retention job folds them into.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../server/monitoring/runs.ts';
import { emptyBatch, writeBatch, writeRollups } from '../../server/monitoring/store.ts';
import { latencySeries } from '../../server/services/availability/latency.ts';
import { getMonitorLog } from '../../server/services/logs.ts';
import { applyRetention } from '../../server/services/retention/apply.ts';
import { getRetentionPolicy } from '../../server/services/retention/policy.ts';
import { packRollupDays } from '../../server/services/rollups/packing.ts';
import { getYearlyStatistics } from '../../server/services/statistics.ts';
import type { RollupRow, ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeAdminViewer, makeCustomer, makeMonitor, serviceDeps } from '../helpers/fixtures.ts';
import { readHourlyRollups } from '../helpers/rollups.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const QUARTER = 15 * 60_000;
const NOW = new Date('2026-03-10T13:20:00Z');
const MIDNIGHT = Math.floor(NOW.getTime() / DAY) * DAY;
const ZONES = ['UTC', 'Asia/Seoul', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns'];
/** The day with an irregular hour (19 checks at 07:00, half an hour down at 03:00) and the day with a gap (no rollup at 12:00). */
const IRREGULAR = MIDNIGHT - 3 * DAY;
const GAP = MIDNIGHT - 2 * DAY;

interface PortDay {
  monitorId: string;
  port: number;
  day: Date;
  checks: number | null;
  failures: number | null;
  down: number | null;
  flap: number | null;
}
interface HostDay {
  monitorId: string;
  day: Date;
  checks: boolean;
  failures: boolean;
  down: boolean;
  flap: boolean;
  runs: number | null;
}

describe(`uniform hours stored once (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let admin: Viewer;
  const ids = { healthy: '', down: '', mixed: '' };
  const history: RollupRow[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = serviceDeps(p, { now: () => NOW });
    admin = await makeAdminViewer(p);
    const account = await makeCustomer(p, 'alice');
    ids.healthy = (await makeMonitor(p, { accountId: account.id, ports: [80] })).id;
    ids.down = (await makeMonitor(p, { accountId: account.id, ip: '10.0.0.6', ports: [443] })).id;
    ids.mixed = (await makeMonitor(p, { accountId: account.id, ip: '10.0.0.7', ports: [22, 80] })).id;
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const row = (monitorId: string, port: number, hour: Date, checks: number, failures: number): RollupRow => {
      const lat = Array.from({ length: checks - failures }, () => (1 + rnd(900_000)) / 1000);
      return {
        monitorId,
        port,
        hour,
        checks,
        failures,
        latencySumMs: lat.reduce((a, b) => a + b, 0),
        latencyCount: lat.length,
        latencyMinMs: lat.length ? Math.min(...lat) : null,
        latencyMaxMs: lat.length ? Math.max(...lat) : null,
        downSeconds: 0,
        flapSeconds: 0,
      };
    };
    for (let h = MIDNIGHT - 5 * DAY; h < NOW.getTime(); h += HOUR) {
      const hour = new Date(h);
      if (h !== GAP + 12 * HOUR) history.push(row(ids.healthy, 80, hour, h === IRREGULAR + 7 * HOUR ? 19 : 20, 0));
      const down = row(ids.down, 443, hour, 20, 20);
      history.push({ ...down, downSeconds: h === IRREGULAR + 3 * HOUR ? 1_800 : 3_600 });
      history.push(row(ids.mixed, 22, hour, 20, 0));
      history.push({ ...row(ids.mixed, 80, hour, 20, 13), flapSeconds: 3_600 });
    }
    // a run a day (cut at UTC midnight) for the down port and the flapping one: 5 and 3 failed checks a quarter hour
    const runs: RunRow[] = [];
    for (let d = MIDNIGHT - 5 * DAY; d <= MIDNIGHT; d += DAY)
      for (const [monitorId, port, n, flapping] of [
        [ids.down, 443, 5, false],
        [ids.mixed, 80, 3, true],
      ] as const) {
        const quarters = Math.min(96, Math.floor((NOW.getTime() - d) / QUARTER));
        const slots = new Array<number>(quarters).fill(n);
        runs.push({
          monitorId,
          port,
          firstAt: new Date(d + 60_000),
          lastAt: new Date(d + (quarters - 1) * QUARTER + 60_000),
          count: n * quarters,
          slots,
          code: 'ECONNREFUSED',
          message: `connect ECONNREFUSED 10.0.0.6:${port}`,
          latencyMs: 1,
          incidentId: null,
          flapping,
          maintenance: false,
        });
      }
    const batch = emptyBatch();
    for (const r of runs) batch.runs.set(`${r.monitorId}:${r.port}:${r.firstAt.getTime()}`, r);
    await writeBatch(p, batch);
    await writeRollups(p, history);
  }, 120_000);
  afterAll(() => t?.drop());

  async function yearly(timeZone: string) {
    const all = Object.values(ids);
    return [
      await getYearlyStatistics(deps, admin, { monitorIds: all, timeZone }),
      await getYearlyStatistics(deps, admin, { monitorIds: [ids.down], year: 2026, timeZone }),
    ];
  }

  async function figures() {
    const out: unknown[] = [];
    for (const timeZone of ZONES) {
      out.push(await yearly(timeZone));
      for (const monitorId of Object.values(ids))
        for (const granularity of ['HOUR', 'DAY', 'MONTH', 'YEAR'] as const)
          for (const [from, to] of [
            [NOW.getTime() - 6 * DAY, NOW.getTime()],
            [MIDNIGHT - 4 * DAY, MIDNIGHT - DAY],
          ] as const)
            out.push(
              await getMonitorLog(deps, admin, {
                monitorId,
                granularity,
                from: new Date(from),
                to: new Date(to),
                timeZone,
              }),
            );
    }
    for (const range of ['DAY', 'WEEK'] as const) {
      const series = await latencySeries(deps, ids.mixed, range, null);
      out.push({
        ...series,
        points: series.points.map((x) => ({ ...x, avgMs: x.avgMs && Number(x.avgMs.toPrecision(12)) })),
      });
    }
    return out;
  }

  const portDays = () =>
    t.db.prisma.$queryRaw<PortDay[]>`SELECT "monitorId", "port", "day",
      CASE WHEN cardinality("checks") = 1 THEN "checks"[1] END AS checks, CASE WHEN cardinality("failures") = 1 THEN "failures"[1] END AS failures,
      CASE WHEN cardinality("downSeconds") = 1 THEN "downSeconds"[1] END AS down, CASE WHEN cardinality("flapSeconds") = 1 THEN "flapSeconds"[1] END AS flap
      FROM "PortDayRollup"`;
  const hostDays = () =>
    t.db.prisma.$queryRaw<
      HostDay[]
    >`SELECT "monitorId", "day", "checks" IS NULL AS checks, "failures" IS NULL AS failures,
      "downSeconds" IS NULL AS down, "flapSeconds" IS NULL AS flap, "runFailures" AS runs FROM "HostDayRollup"`;
  const find = <R extends { monitorId: string; day: Date }>(rows: R[], monitorId: string, day: number, port?: number) =>
    rows.find(
      (r) =>
        r.monitorId === monitorId &&
        r.day.getTime() === day &&
        (port === undefined || (r as { port?: number }).port === port),
    )!;

  it('packs uniform hours into one value, irregular ones into 24, with the same figures', async () => {
    const p = t.db.prisma;
    const before = await figures();
    const hourly = await readHourlyRollups(p);
    expect(await packRollupDays(p, NOW.getTime())).toBeGreaterThan(0);
    const ports = await portDays();
    const hosts = await hostDays();
    const regular = MIDNIGHT - DAY;
    // port rows: one element for the same value in every hour (also across a gap), 24 for an irregular hour
    expect(find(ports, ids.healthy, regular, 80)).toMatchObject({ checks: 20, failures: null, down: null, flap: null });
    expect(find(ports, ids.healthy, GAP, 80)).toMatchObject({ checks: 20 });
    expect(find(ports, ids.healthy, IRREGULAR, 80)).toMatchObject({ checks: null });
    expect(find(ports, ids.down, regular, 443)).toMatchObject({ checks: 20, failures: 20, down: 3_600 });
    expect(find(ports, ids.down, IRREGULAR, 443)).toMatchObject({ checks: 20, failures: 20, down: null });
    expect(find(ports, ids.mixed, regular, 80)).toMatchObject({ checks: 20, failures: 13, flap: 3_600 });
    // host rows: NULL for the same value in every hour with a rollup, the array otherwise; runs summarised
    expect(find(hosts, ids.healthy, regular)).toMatchObject({ checks: true, failures: true, down: true, flap: true });
    expect(find(hosts, ids.healthy, IRREGULAR)).toMatchObject({ checks: false });
    expect(find(hosts, ids.healthy, GAP)).toMatchObject({ checks: true });
    expect(find(hosts, ids.down, regular)).toMatchObject({ checks: true, failures: true, down: true, runs: 480 });
    expect(find(hosts, ids.down, IRREGULAR)).toMatchObject({ checks: true, failures: true, down: false, runs: 480 });
    expect(find(hosts, ids.mixed, regular)).toMatchObject({ checks: true, failures: true, flap: true, runs: 288 });
    // every port-hour reads back as written, and every screen's figures are the same
    expect(await readHourlyRollups(p)).toHaveLength(history.length);
    const read = await readHourlyRollups(p);
    for (const [i, r] of read.entries()) {
      const w = hourly[i]!;
      expect({ ...r, latencySumMs: 0 }).toEqual({ ...w, latencySumMs: 0 });
      expect(r.latencySumMs).toBeCloseTo(w.latencySumMs, 6);
    }
    expect(await figures()).toEqual(before);
  });

  it('adds a late hour to a uniform day (24 values from then on) with the same figures as before packing it', async () => {
    const p = t.db.prisma;
    const day = MIDNIGHT - DAY;
    const late = history.find((r) => r.monitorId === ids.healthy && r.hour.getTime() === day + 5 * HOUR)!;
    await writeRollups(p, [{ ...late, checks: 3, latencySumMs: 3, latencyCount: 3, latencyMinMs: 1, latencyMaxMs: 1 }]);
    const withLate = await figures();
    expect(await packRollupDays(p, NOW.getTime())).toBe(1);
    expect(find(await portDays(), ids.healthy, day, 80)).toMatchObject({ checks: null });
    expect(find(await hostDays(), ids.healthy, day)).toMatchObject({ checks: false });
    const hour = (await readHourlyRollups(p, ids.healthy)).find((r) => r.hour.getTime() === day + 5 * HOUR)!;
    expect(hour.checks).toBe(23);
    expect(await figures()).toEqual(withLate);
  });

  it('folds uniform days into daily rows with the same yearly statistics', async () => {
    const p = t.db.prisma;
    const before = await Promise.all(ZONES.map((z) => yearly(z)));
    const later = new Date('2027-06-01T00:00:00Z');
    const policy = await getRetentionPolicy(p);
    const result = await applyRetention(p, policy, later, { batchSize: 50 });
    expect(result.hourlyRowsFolded).toBeGreaterThan(0);
    expect(await p.portDayRollup.count()).toBe(0);
    expect(await Promise.all(ZONES.map((z) => yearly(z)))).toEqual(before);
  });
});
