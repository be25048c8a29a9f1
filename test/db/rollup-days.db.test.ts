// The hourly rollups of past days are packed into one row per port and UTC day (docs/storage.md
// "Rollups"). On the same history, written through the probe's flush (per hour), every reader gives
// the same figures before and after packing: the yearly statistics (UTC and zones whose day does
// not start at UTC midnight), the log's flapping time, the response-time series; a late hour
// written after its day was packed is added to it; the current day is not packed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvents } from '../../server/events/events.ts';
import { createSignals } from '../../server/events/signals.ts';
import { writeRollups } from '../../server/monitoring/store.ts';
import { latencySeries } from '../../server/services/availability/latency.ts';
import { getMonitorLog } from '../../server/services/logs.ts';
import { PACK_AFTER_MS, packRollupDays } from '../../server/services/rollups/packing.ts';
import { getYearlyStatistics } from '../../server/services/statistics.ts';
import type { RollupRow, ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { readHourlyRollups } from '../helpers/rollups.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-03-10T13:20:00Z');
const ZONES = ['UTC', 'Asia/Seoul', 'Asia/Kolkata', 'America/St_Johns'];

describe(`hourly rollups packed per port and day (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let admin: Viewer;
  let monitorId = '';
  const history: RollupRow[] = [];

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = {
      prisma: p,
      events: createEvents(),
      signals: createSignals(),
      now: () => NOW,
      secret: 'test-installation-secret-0123456789',
      publicUrl: 'https://pw.example.com',
    };
    const root = await p.account.update({ where: { id: (await makeCustomer(p, 'root')).id }, data: { role: 'ADMIN' } });
    admin = { accountId: root.id, loginId: 'root', role: 'ADMIN', kind: null, language: 'en', via: 'session' };
    const account = await makeCustomer(p, 'alice');
    monitorId = (await makeMonitor(p, { accountId: account.id, ports: [22, 80, 443] })).id;
    // 12 days up to now, across New Year's day in no zone but with midnights everywhere: hours with
    // and without successful checks, down and flapping time that overlaps between ports, gaps
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    for (let h = NOW.getTime() - 12 * DAY; h < NOW.getTime(); h += HOUR) {
      const hour = new Date(Math.floor(h / HOUR) * HOUR);
      for (const port of [22, 80, 443]) {
        if (rnd(7) === 0) continue; // an hour without a rollup for this port
        const checks = 1 + rnd(40);
        const failures = rnd(4) === 0 ? rnd(checks + 1) : 0;
        const answered = checks - failures;
        const lat = Array.from({ length: answered }, () => (1 + rnd(900_000)) / 1000); // µs precision, as measured
        history.push({
          monitorId,
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
    for (const timeZone of ZONES) {
      stats.push(await getYearlyStatistics(deps, admin, { monitorIds: [monitorId], timeZone }));
      stats.push(await getYearlyStatistics(deps, admin, { monitorIds: [monitorId], year: 2026, timeZone }));
      for (const granularity of ['HOUR', 'DAY', 'MONTH'] as const)
        stats.push(
          await getMonitorLog(deps, admin, {
            monitorId,
            granularity,
            from: new Date(NOW.getTime() - 13 * DAY),
            to: NOW,
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
    expect(await readHourlyRollups(p, monitorId)).toHaveLength(history.length);
    const packed = await packRollupDays(p, NOW.getTime(), { groups: 7 });
    const today = history.filter((r) => r.hour.getTime() >= Math.floor(NOW.getTime() / DAY) * DAY);
    expect(packed).toBe(history.length - today.length);
    expect(await p.hourlyRollup.count()).toBe(today.length);
    // one row per port and past day
    const days = new Set(
      history.filter((r) => !today.includes(r)).map((r) => `${r.port}/${Math.floor(r.hour.getTime() / DAY)}`),
    );
    expect(await p.portDayRollup.count()).toBe(days.size);
    const read = await readHourlyRollups(p, monitorId);
    const key = (r: RollupRow) => `${r.port}/${r.hour.getTime()}`;
    const want = new Map(history.map((r) => [key(r), r]));
    expect(read).toHaveLength(history.length);
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
    await writeRollups(p, [late]);
    // readers add it before packing again, and after
    for (const packAt of [null, NOW.getTime() + 2 * DAY]) {
      if (packAt) expect(await packRollupDays(p, packAt)).toBe(1);
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
});
