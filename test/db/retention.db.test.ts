// Retention removes exactly what the policy says: failure runs of the UTC months entirely older than
// the limit (monthly partitions dropped, rows of the DEFAULT partition deleted), hourly rollups
// older than theirs (folded into daily rollups without changing the yearly statistics; emptied
// months dropped); nothing newer, and nothing of incidents or the ledger. In small batches.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMonthPartition, listPartitions, PARTITIONED } from '../../server/db/partitions.ts';
import { applyRetention, failureRunsBefore } from '../../server/services/retention/apply.ts';
import { previewRetention, tableSizes } from '../../server/services/retention/sizes.ts';
import { claimRun } from '../../server/services/retention/job.ts';
import { cutoff, getRetentionPolicy, setRetentionPolicy } from '../../server/services/retention/policy.ts';
import { getYearlyStatistics } from '../../server/services/statistics.ts';
import type { ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { insertFailures } from '../helpers/failure-runs.ts';
import { makeAdminViewer, makeCustomer, makeMonitor, serviceDeps } from '../helpers/fixtures.ts';
import { insertHourlyRollups, readHourlyRollups } from '../helpers/rollups.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const NOW = new Date('2027-03-15T18:00:00Z');

describe(`retention (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let monitorId = '';
  let customer: Viewer;
  let admin: Viewer;

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = serviceDeps(p, { now: () => NOW });
    const account = await makeCustomer(p, 'alice');
    customer = {
      accountId: account.id,
      loginId: 'alice',
      role: 'CUSTOMER',
      kind: 'HOSTING',
      language: 'en',
      via: 'session',
    };
    admin = await makeAdminViewer(p);
    monitorId = (await makeMonitor(p, { accountId: account.id, ports: [22, 80] })).id;
    // monthly partitions from 2025-11 to 2027-04, except 2025-12 and 2026-06: those months' rows
    // stay in the DEFAULT partitions (one month before the limit, one after)
    for (let m = 0; m < 18; m++) {
      const month = new Date(Date.UTC(2025, 10 + m, 1));
      if (m === 1 || m === 7) continue;
      for (const spec of PARTITIONED) await createMonthPartition(p, spec, month);
    }
    // a failed check every 6 hours on each port, over 16 months, each its own run (reasons alternate)
    const checks = [];
    for (let at = Date.UTC(2025, 10, 1); at < NOW.getTime(); at += 6 * HOUR) {
      for (const port of [22, 80]) {
        const code = (at / (6 * HOUR)) % 2 === 0 ? 'ECONNREFUSED' : 'ETIMEDOUT';
        checks.push({ monitorId, port, at: new Date(at), code, message: `connect ${code}` });
      }
    }
    await insertFailures(p, checks);
    // hourly rollups for both ports every 5th hour, with down and flapping time that overlaps between ports
    const rows = [];
    for (let h = Date.UTC(2025, 10, 1); h < NOW.getTime(); h += 5 * HOUR) {
      const k = h / HOUR;
      for (const port of [22, 80]) {
        rows.push({
          monitorId,
          port,
          hour: new Date(h),
          checks: 20,
          failures: (k + port) % 3,
          latencySumMs: 40,
          latencyCount: 20,
          downSeconds: ((k * port) % 7) * 100,
          flapSeconds: ((k + port) % 5) * 60,
        });
      }
    }
    await insertHourlyRollups(p, rows);
    await p.incident.create({
      data: {
        monitorId,
        accountId: account.id,
        host: '127.0.0.1',
        ports: [22],
        reason: 'old',
        openedAt: new Date('2025-11-02T00:00:00Z'),
        resolvedAt: new Date('2025-11-02T01:00:00Z'),
      },
    });
  }, 120_000);
  afterAll(() => t?.drop());

  const relationBytes = async (p: TestDatabase['db']['prisma'], name: string) =>
    Number(
      (await p.$queryRaw<{ b: bigint }[]>`SELECT pg_total_relation_size(to_regclass(${`"${name}"`})) AS b`)[0]?.b ?? 0,
    );

  it('the defaults: 13 months; an admin changes them within limits, a customer cannot', async () => {
    expect(await getRetentionPolicy(t.db.prisma)).toEqual({ failureRunMonths: 13, hourlyRollupMonths: 13 });
    await expect(setRetentionPolicy(t.db.prisma, admin, { failureRunMonths: 1 })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(setRetentionPolicy(t.db.prisma, admin, { hourlyRollupMonths: 121 })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(setRetentionPolicy(t.db.prisma, customer, { failureRunMonths: 24 })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await getRetentionPolicy(t.db.prisma)).toEqual({ failureRunMonths: 13, hourlyRollupMonths: 13 });
    expect(await setRetentionPolicy(t.db.prisma, admin, { failureRunMonths: 14 })).toEqual({
      failureRunMonths: 14,
      hourlyRollupMonths: 13,
    });
    expect(await t.db.prisma.auditLog.count({ where: { action: 'settings.retention' } })).toBe(1);
    await setRetentionPolicy(t.db.prisma, admin, { failureRunMonths: 13 });
  });

  it('removes exactly the rows the policy names, in batches, keeping the yearly statistics', async () => {
    const p = t.db.prisma;
    const policy = await getRetentionPolicy(p);
    const runsBefore = failureRunsBefore(NOW, policy);
    const hoursBefore = cutoff(NOW, policy.hourlyRollupMonths);
    // runs go by whole months: before the month the cutoff (2026-02-15) falls in
    expect(cutoff(NOW, policy.failureRunMonths).toISOString()).toBe('2026-02-15T00:00:00.000Z');
    expect(runsBefore.toISOString()).toBe('2026-02-01T00:00:00.000Z');
    const partitionsBefore = new Map(
      await Promise.all(
        PARTITIONED.map(async (s) => [s.table, (await listPartitions(p, s.table)).map((x) => x.name)] as const),
      ),
    );
    const allRuns = await p.failureRun.findMany({ select: { id: true, firstAt: true } });
    const allHours = await readHourlyRollups(p);
    const keptRuns = allRuns
      .filter((r) => r.firstAt >= runsBefore)
      .map((r) => r.id)
      .sort();
    const keptHours = allHours.filter((r) => r.hour >= hoursBefore);
    expect(keptRuns.length).toBeGreaterThan(0);
    expect(keptRuns.length).toBeLessThan(allRuns.length);
    const statsBefore = await getYearlyStatistics(deps, admin, { monitorIds: [monitorId], timeZone: 'UTC' });
    const preview = await previewRetention(p, policy, NOW);
    expect(preview).toMatchObject({
      failureRuns: allRuns.length - keptRuns.length,
      hourlyRollups: allHours.length - keptHours.length,
    });
    expect(preview.bytes).toBe(
      preview.byTable.FailureRun + preview.byTable.PortDayRollup + preview.byTable.HostDayRollup,
    );
    // each table's estimate covers the partitions the run drops (measured now), plus the rows it
    // deletes from the DEFAULT partition (2025-12): the host day rows too
    const partitionBytes = new Map<string, number>();
    for (const table of ['FailureRun', 'PortDayRollup', 'HostDayRollup'] as const)
      for (const part of await listPartitions(p, table))
        partitionBytes.set(part.name, await relationBytes(p, part.name));

    const result = await applyRetention(p, policy, NOW, { batchSize: 50 });
    expect(result).toMatchObject({
      failureRunsDeleted: allRuns.length - keptRuns.length,
      hourlyRowsFolded: allHours.length - keptHours.length,
    });
    expect(result.batches).toBeGreaterThan(10);
    // 2025-11 and 2026-01 of the three tables dropped (2025-12 was in the DEFAULT partition: deleted / folded)
    expect(result.partitionsDropped).toBe(6);
    for (const table of ['FailureRun', 'PortDayRollup', 'HostDayRollup'] as const) {
      expect((await listPartitions(p, table)).map((x) => x.name)).toEqual(
        partitionsBefore.get(table)?.filter((n) => n !== `${table}_p2025_11` && n !== `${table}_p2026_01`),
      );
    }
    for (const table of ['FailureRun', 'PortDayRollup', 'HostDayRollup'] as const) {
      const left = new Set((await listPartitions(p, table)).map((x) => x.name));
      const dropped = [...partitionBytes]
        .filter(([name]) => name.startsWith(`${table}_`) && !left.has(name))
        .reduce((a, [, b]) => a + b, 0);
      expect(dropped).toBeGreaterThan(0);
      expect(preview.byTable[table]).toBeGreaterThan(dropped);
    }
    // the ledger's timeline is kept for years: no partition dropped
    expect((await listPartitions(p, 'NotificationEvent')).map((x) => x.name)).toEqual(
      partitionsBefore.get('NotificationEvent'),
    );
    expect(await p.failureRun.count({ where: { firstAt: { gte: new Date('2025-12-01'), lt: runsBefore } } })).toBe(0);
    expect((await p.failureRun.findMany({ select: { id: true } })).map((r) => r.id).sort()).toEqual(keptRuns);
    expect(await readHourlyRollups(p)).toEqual(keptHours);
    expect(await p.portDayRollup.count({ where: { day: { lt: hoursBefore } } })).toBe(0);
    // the host rows of folded days go with them (the statistics read the daily rows instead), the others stay
    expect(await p.hostDayRollup.count({ where: { day: { lt: hoursBefore } } })).toBe(0);
    expect(await p.hostDayRollup.count()).toBe(
      new Set(keptHours.map((r) => Math.floor(r.hour.getTime() / 86_400_000))).size,
    );
    // one daily row per folded UTC day, and the yearly statistics are unchanged to the second
    const foldedDays = new Set(
      allHours.filter((r) => r.hour < hoursBefore).map((r) => Math.floor(r.hour.getTime() / DAY)),
    );
    expect(await p.dailyRollup.count()).toBe(foldedDays.size);
    expect(await getYearlyStatistics(deps, admin, { monitorIds: [monitorId], timeZone: 'UTC' })).toEqual(statsBefore);
    // incidents are kept for years
    expect(await p.incident.count({ where: { monitorId } })).toBe(1);
    // a second run finds nothing more
    expect(await applyRetention(p, policy, NOW, { batchSize: 50 })).toMatchObject({
      failureRunsDeleted: 0,
      hourlyRowsFolded: 0,
    });
    const sizes = await tableSizes(p);
    // partitioned tables are reported with their partitions summed, plain tables as they are
    expect(sizes.find((s) => s.table === 'FailureRun')?.bytes).toBeGreaterThan(0);
    expect(sizes.find((s) => s.table === 'Incident')?.bytes).toBeGreaterThan(0);
    expect(sizes.some((s) => /_(default|p\d{4}_\d{2})$/.test(s.table))).toBe(false);
  });

  it("one process claims the night's run; the next night can be claimed again", async () => {
    const p = t.db.prisma;
    expect(await claimRun(p, NOW)).toBe(true);
    expect(await claimRun(p, new Date(NOW.getTime() + 10 * 60_000))).toBe(false);
    expect(await claimRun(p, new Date(NOW.getTime() + DAY))).toBe(true);
  });
});
