// Failure runs kept shorter than the rollups (failureRunMonths below hourlyRollupMonths): when
// retention removes a month's runs (a dropped partition, or rows deleted from the DEFAULT
// partition), the host rows of those days, kept with the rollups, count no runs either; the log
// gives the same figures from the host rows as from the runs left (docs/storage.md "The host day layer").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonthPartition, PARTITIONED } from '../../server/db/partitions.ts';
import type { RunRow } from '../../server/monitoring/runs.ts';
import { emptyBatch, writeBatch, writeRollups } from '../../server/monitoring/store.ts';
import { getMonitorLog } from '../../server/services/logs.ts';
import { applyRetention } from '../../server/services/retention/apply.ts';
import { packRollupDays } from '../../server/services/rollups/packing.ts';
import type { ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeAdminViewer, makeMonitor, serviceDeps } from '../helpers/fixtures.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2026-03-10T18:00:00Z');
const FROM = new Date('2025-11-01T00:00:00Z');

describe(`host rows when failure runs are dropped before the rollups (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let admin: Viewer;
  let monitorId = '';

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = serviceDeps(p, { now: () => NOW });
    admin = await makeAdminViewer(p);
    monitorId = (await makeMonitor(p, { accountId: admin.accountId, ports: [22] })).id;
    // November has a partition (dropped), December's rows stay in DEFAULT (deleted), later months kept
    for (const spec of PARTITIONED)
      for (const month of [FROM, new Date('2026-01-01'), new Date('2026-02-01'), new Date('2026-03-01')])
        await createMonthPartition(p, spec, month);
    const batch = emptyBatch();
    const rollups = [];
    for (let d = FROM.getTime(); d < NOW.getTime() - DAY; d += DAY) {
      const run: RunRow = {
        monitorId,
        port: 22,
        firstAt: new Date(d + 10 * HOUR + 5 * 60_000),
        lastAt: new Date(d + 10 * HOUR + 40 * 60_000),
        count: 5,
        slots: [2, 0, 3],
        code: 'ECONNREFUSED',
        message: 'refused',
        latencyMs: 1,
        incidentId: null,
        flapping: (d / DAY) % 3 === 0,
        maintenance: false,
      };
      batch.runs.set(String(d), run);
      for (let h = 0; h < 24; h++)
        rollups.push({
          monitorId,
          port: 22,
          hour: new Date(d + h * HOUR),
          checks: 20,
          failures: h === 10 ? 5 : 0,
          latencySumMs: 10,
          latencyCount: h === 10 ? 15 : 20,
          latencyMinMs: 0.5,
          latencyMaxMs: 0.5,
          downSeconds: 0,
          flapSeconds: 0,
        });
    }
    await writeBatch(p, batch);
    await writeRollups(p, rollups);
    await packRollupDays(p, NOW.getTime());
  }, 120_000);
  afterAll(() => t?.drop());

  const log = () =>
    getMonitorLog(deps, admin, {
      monitorId,
      granularity: 'MONTH',
      from: FROM,
      to: NOW,
      timeZone: 'Asia/Kolkata',
    });

  it('sets the run figures of the days whose runs were removed to zero, and the log counts what is left', async () => {
    const p = t.db.prisma;
    const before = await log();
    expect(await p.hostDayRollup.count({ where: { runFailures: { gt: 0 } } })).toBeGreaterThan(100);
    const result = await applyRetention(p, { failureRunMonths: 2, hourlyRollupMonths: 13 }, NOW, { batchSize: 20 });
    expect(result.failureRunsDeleted).toBe(30 + 31);
    expect(result.hourlyRowsFolded).toBe(0);
    // runs before 2026-01 are gone, the host rows stay (statistics) but count none of them
    expect(await p.hostDayRollup.count({ where: { day: { lt: new Date('2026-01-01') } } })).toBe(61);
    expect(
      await p.hostDayRollup.count({ where: { day: { lt: new Date('2026-01-01') }, runFailures: { not: 0 } } }),
    ).toBe(0);
    const after = await log();
    const byMonth = (l: typeof after) => new Map(l.buckets.map((b) => [b.label, b]));
    expect(byMonth(after).get('2025-11')?.failures ?? 0).toBe(0);
    expect(byMonth(after).get('2026-02')).toEqual(byMonth(before).get('2026-02'));
    expect(before.totals.failures).toBeGreaterThan(after.totals.failures);
    // the same as counting the runs themselves
    await p.hostDayRollup.updateMany({ data: { runFailures: null } });
    expect(await log()).toEqual(after);
  });
});
