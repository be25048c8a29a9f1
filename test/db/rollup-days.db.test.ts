// The hourly rollups of past days are packed into one row per port and UTC day (docs/storage.md
// "Rollups"). On the same history, written through the probe's flush (per hour), every reader gives
// the same figures before and after packing: the yearly statistics (UTC and zones whose day does
// not start at UTC midnight), the log's flapping time, the response-time series; a late hour
// written after its day was packed is added to it; the current day is not packed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRow } from '../../server/monitoring/runs.ts';
import { emptyBatch, writeBatch, writeRollups } from '../../server/monitoring/store.ts';
import { latencySeries } from '../../server/services/availability/latency.ts';
import { getMonitorLog } from '../../server/services/logs.ts';
import { PACK_AFTER_MS, packRollupDays } from '../../server/services/rollups/packing.ts';
import { getYearlyStatistics } from '../../server/services/statistics.ts';
import type { RollupRow, ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeAdminViewer, makeCustomer, makeMonitor, serviceDeps } from '../helpers/fixtures.ts';
import { readHourlyRollups } from '../helpers/rollups.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-03-10T13:20:00Z');
const ZONES = ['UTC', 'Asia/Seoul', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns'];
const QUARTER = 15 * 60_000;

describe(`hourly rollups packed per port and day (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let admin: Viewer;
  let monitorId = '';
  let otherId = '';
  const history: RollupRow[] = [];
  const runs: RunRow[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = serviceDeps(p, { now: () => NOW });
    admin = await makeAdminViewer(p);
    const account = await makeCustomer(p, 'alice');
    monitorId = (await makeMonitor(p, { accountId: account.id, ports: [22, 80, 443] })).id;
    otherId = (await makeMonitor(p, { accountId: account.id, ip: '10.0.0.6', ports: [22, 80, 443] })).id;
    // 12 days up to now, across New Year's day in no zone but with midnights everywhere: hours with
    // and without successful checks, down and flapping time that overlaps between ports, gaps
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let h = NOW.getTime() - 12 * DAY; h < NOW.getTime(); h += HOUR) {
      const hour = new Date(Math.floor(h / HOUR) * HOUR);
      for (const [id, port] of [monitorId, otherId].flatMap((m) => [22, 80, 443].map((x) => [m, x] as const))) {
        if (rnd(7) === 0) continue; // an hour without a rollup for this port
        const checks = 1 + rnd(40);
        const failures = rnd(4) === 0 ? rnd(checks + 1) : 0;
        const answered = checks - failures;
        const lat = Array.from({ length: answered }, () => (1 + rnd(900_000)) / 1000); // µs precision, as measured
        history.push({
          monitorId: id,
          port,
          hour,
          checks,
          failures,
          latencySumMs: lat.reduce((a, b) => a + b, 0),
          latencyCount: answered,
          latencyMinMs: answered ? Math.min(...lat) : null,
          latencyMaxMs: answered ? Math.max(...lat) : null,
          downSeconds: failures ? rnd(3_601) : 0,
          flapSeconds: rnd(5) === 0 ? rnd(3_601) : 0,
        });
      }
    }
    // failure runs (cut at UTC midnight, as the engine cuts them): counts per quarter hour with gaps,
    // flapping or not, some ending in the current day's last quarters before now
    for (let d = Math.floor(NOW.getTime() / DAY) * DAY - 12 * DAY; d < NOW.getTime(); d += DAY)
      for (const id of [monitorId, otherId])
        for (const port of [22, 80, 443]) {
          let q = rnd(96);
          while (q < 96 && d + q * QUARTER < NOW.getTime() - HOUR) {
            const len = Math.min(1 + rnd(40), 96 - q);
            const slots = Array.from({ length: len }, () => (rnd(3) === 0 ? 0 : 1 + rnd(5)));
            slots[0] = 1 + rnd(5);
            const firstAt = new Date(d + q * QUARTER + rnd(QUARTER));
            const last = slots.length - 1 - [...slots].reverse().findIndex((n) => n > 0);
            const lastAt = new Date(Math.max(firstAt.getTime(), d + (q + last) * QUARTER + rnd(QUARTER)));
            runs.push({
              monitorId: id,
              port,
              firstAt,
              lastAt,
              count: slots.reduce((a, b) => a + b, 0),
              slots,
              code: 'ECONNREFUSED',
              message: `connect ECONNREFUSED 10.0.0.5:${port}`,
              latencyMs: 1,
              incidentId: null,
              flapping: rnd(2) === 0,
              maintenance: false,
            });
            q += len + 1 + rnd(60);
          }
        }
    const batch = emptyBatch();
    for (const r of runs) batch.runs.set(`${r.monitorId}:${r.port}:${r.firstAt.getTime()}`, r);
    await writeBatch(p, batch);
    // as the flush writes them: each hour in two additive writes
    const first = history.map((r) => ({
      ...r,
      checks: Math.floor(r.checks / 2),
      failures: 0,
      latencySumMs: 0,
      latencyCount: 0,
      latencyMinMs: null,
      latencyMaxMs: null,
      downSeconds: 0,
      flapSeconds: 0,
    }));
    await writeRollups(p, first);
    await writeRollups(
      p,
      history.map((r) => ({ ...r, checks: r.checks - Math.floor(r.checks / 2) })),
    );
  }, 120_000);
  afterAll(() => t?.drop());

  async function figures() {
    const stats = [];
    const midnight = Math.floor(NOW.getTime() / DAY) * DAY;
    for (const timeZone of ZONES) {
      for (const monitorIds of [[monitorId], [monitorId, otherId]]) {
        stats.push(await getYearlyStatistics(deps, admin, { monitorIds, timeZone }));
        stats.push(await getYearlyStatistics(deps, admin, { monitorIds, year: 2026, timeZone }));
      }
      for (const granularity of ['HOUR', 'DAY', 'MONTH', 'YEAR'] as const)
        for (const [from, to] of [
          [NOW.getTime() - 13 * DAY, NOW.getTime()], // ends inside days
          [midnight - 11 * DAY, midnight - 2 * DAY], // UTC midnights: whole days in UTC, cut days elsewhere
        ] as const)
          stats.push(
            await getMonitorLog(deps, admin, {
              monitorId,
              granularity,
              from: new Date(from),
              to: new Date(to),
              timeZone,
            }),
          );
    }
    for (const range of ['DAY', 'WEEK', 'MONTH'] as const)
      for (const port of [null, 80]) {
        // a sum of floating-point latencies depends on the order SQL adds the ports' hours in: to 12 digits
        const series = await latencySeries(deps, monitorId, range, port);
        const points = series.points.map((x) => ({
          ...x,
          avgMs: x.avgMs === null ? null : Number(x.avgMs.toPrecision(12)),
        }));
        stats.push({ ...series, points });
      }
    return stats;
  }

  it('gives the same figures before and after packing, and packs only the days that are over', async () => {
    const p = t.db.prisma;
    const before = await figures();
    const mine = history.filter((r) => r.monitorId === monitorId);
    expect(await readHourlyRollups(p, monitorId)).toHaveLength(mine.length);
    const packed = await packRollupDays(p, NOW.getTime(), { groups: 7 });
    const today = history.filter((r) => r.hour.getTime() >= Math.floor(NOW.getTime() / DAY) * DAY);
    expect(packed).toBe(history.length - today.length);
    expect(await p.hourlyRollup.count()).toBe(today.length);
    // one row per port and past day
    const days = new Set(
      history
        .filter((r) => !today.includes(r))
        .map((r) => `${r.monitorId}/${r.port}/${Math.floor(r.hour.getTime() / DAY)}`),
    );
    expect(await p.portDayRollup.count()).toBe(days.size);
    // one host row per monitor and past day, its runs summarised
    const hostDays = new Set(
      history.filter((r) => !today.includes(r)).map((r) => `${r.monitorId}/${Math.floor(r.hour.getTime() / DAY)}`),
    );
    expect(await p.hostDayRollup.count()).toBe(hostDays.size);
    expect(await p.hostDayRollup.count({ where: { runFailures: null } })).toBe(0);
    expect(await p.hostDayRollup.count({ where: { runFailures: { gt: 0 } } })).toBeGreaterThan(10);
    const read = await readHourlyRollups(p, monitorId);
    const key = (r: RollupRow) => `${r.port}/${r.hour.getTime()}`;
    const want = new Map(mine.map((r) => [key(r), r]));
    expect(read).toHaveLength(mine.length);
    for (const r of read) {
      const w = want.get(key(r))!;
      expect({ ...r, latencySumMs: 0 }).toEqual({ ...w, latencySumMs: 0 });
      expect(r.latencySumMs).toBeCloseTo(w.latencySumMs, 6);
    }
    expect(await figures()).toEqual(before);
    // nothing more to pack until the day is over (and PACK_AFTER_MS more)
    expect(await packRollupDays(p, NOW.getTime())).toBe(0);
    const midnight = Math.ceil(NOW.getTime() / DAY) * DAY;
    expect(await packRollupDays(p, midnight + PACK_AFTER_MS - 1)).toBe(0);
    expect(await packRollupDays(p, midnight + PACK_AFTER_MS)).toBe(today.length);
    expect(await p.hourlyRollup.count()).toBe(0);
    expect(await figures()).toEqual(before);
  });

  it('adds an hour written after its day was packed to the packed day', async () => {
    const p = t.db.prisma;
    const old = history[5]!;
    const before = (await readHourlyRollups(p, monitorId)).find(
      (r) => r.port === old.port && r.hour.getTime() === old.hour.getTime(),
    )!;
    const late: RollupRow = {
      ...old,
      checks: 3,
      failures: 1,
      latencySumMs: 0.5,
      latencyCount: 2,
      latencyMinMs: 0.001,
      latencyMaxMs: 999,
      downSeconds: 30,
      flapSeconds: 0,
    };
    const packedFigures = await figures();
    await writeRollups(p, [late]);
    // readers add it before packing again (per port, its day's host row aside), and after (the host row rebuilt)
    let withLate: Awaited<ReturnType<typeof figures>> = [];
    for (const packAt of [null, NOW.getTime() + 2 * DAY]) {
      if (packAt) expect(await packRollupDays(p, packAt)).toBe(1);
      if (packAt === null) {
        withLate = await figures();
        expect(withLate).not.toEqual(packedFigures);
      } else expect(await figures()).toEqual(withLate);
      const after = (await readHourlyRollups(p, monitorId)).find(
        (r) => r.port === old.port && r.hour.getTime() === old.hour.getTime(),
      )!;
      expect(after).toMatchObject({
        checks: before.checks + 3,
        failures: before.failures + 1,
        latencyCount: before.latencyCount + 2,
        latencyMinMs: 0.001,
        latencyMaxMs: 999,
        downSeconds: before.downSeconds + 30,
      });
      expect(after.latencySumMs).toBeCloseTo(before.latencySumMs + 0.5, 6);
    }
    expect(await p.hourlyRollup.count()).toBe(0);
  });

  it('counts a failure run written to a packed day (a write retried after midnight) in its host row', async () => {
    const p = t.db.prisma;
    const day = Math.floor(NOW.getTime() / DAY) * DAY - 5 * DAY;
    const packedFigures = await figures();
    const late: RunRow = {
      ...runs[0]!,
      port: 8080,
      firstAt: new Date(day + 95 * QUARTER + 60_000),
      lastAt: new Date(day + 95 * QUARTER + 120_000),
      count: 2,
      slots: [2],
      flapping: true,
    };
    const batch = emptyBatch();
    batch.runs.set('late', late);
    await writeBatch(p, batch);
    const withRun = await figures();
    expect(withRun).not.toEqual(packedFigures);
    // the same as counting that day's runs from the runs themselves
    await p.hostDayRollup.updateMany({
      where: { monitorId: late.monitorId, day: new Date(day) },
      data: { runFailures: null, runFlapFailures: null, runSlots: [], runFlapSlots: [] },
    });
    expect(await figures()).toEqual(withRun);
  });
});
