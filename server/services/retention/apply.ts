// Applies the retention policy (docs/storage.md). Failure runs go by whole UTC months: a month's
// partition is dropped once the entire month is older than the limit (no row is read or deleted;
// the files go back to the system at once); rows of such months in the DEFAULT partition are
// deleted in bounded batches. Hourly rollups have to be read to be folded into daily rollups:
// they are folded and deleted in the same statement, a bounded batch at a time (a crash never
// folds a row twice), and a month's partition emptied that way is dropped. Each batch is one
// short statement (on PGlite the database runs in this process, so a long statement would hold
// the probe loop), and the job yields between batches. Deleted monitors' rows follow the same rules.
import { dropPartition, listPartitions, monthStart } from '../../db/partitions.ts';
import type { PrismaClient } from '../../db/index.ts';
import { cutoff, type RetentionPolicy } from './policy.ts';
import { packRollupDays } from '../rollups/packing.ts';
import { dayHours } from '../rollups/sql.ts';

export interface RetentionResult {
  failureRunsDeleted: number;
  hourlyRowsFolded: number;
  dailyRowsWritten: number;
  /** Monthly partitions dropped (failure runs and emptied hourly rollups). */
  partitionsDropped: number;
  batches: number;
}

export interface ApplyOptions {
  /** Rows per batch (failure runs); (monitor, day) groups per fold batch is a tenth of it. */
  batchSize?: number;
  /** Awaited between batches (default: the next turn of the event loop). */
  pause?: () => Promise<void>;
  /** Stop early (the process is shutting down). */
  stopped?: () => boolean;
}

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

/** Failure runs are removed by whole UTC months: everything before the month the cutoff falls in. */
export function failureRunsBefore(now: Date, policy: RetentionPolicy): Date {
  return monthStart(cutoff(now, policy.failureRunMonths));
}

/** Deletes failure runs before `before` from the DEFAULT partition; returns the rows deleted. */
async function deleteRunsBatch(prisma: PrismaClient, before: Date, n: number): Promise<number> {
  return prisma.$executeRaw`DELETE FROM "FailureRun_default" WHERE ("id", "firstAt") IN (
    SELECT "id", "firstAt" FROM "FailureRun_default" WHERE "firstAt" < ${before} ORDER BY "firstAt" LIMIT ${n})`;
}

/**
 * Folds the hourly rollups of up to `groups` (monitor, UTC day) pairs before the cutoff (a UTC
 * midnight: day rows are whole) into daily rows, in one statement; `hourly` counts port-hours.
 */
async function foldBatch(
  prisma: PrismaClient,
  before: Date,
  groups: number,
): Promise<{ hourly: number; daily: number }> {
  const rows = await prisma.$queryRaw<{ hourly: bigint | number; daily: bigint | number }[]>`
    WITH grp AS (
      SELECT DISTINCT "monitorId", "day" FROM "PortDayRollup" WHERE "day" < ${before} LIMIT ${groups}
    ), gone AS (
      DELETE FROM "PortDayRollup" d USING grp g
      WHERE d."monitorId" = g."monitorId" AND d."day" = g."day"
      RETURNING d.*
    ), host_gone AS (
      DELETE FROM "HostDayRollup" d USING grp g WHERE d."monitorId" = g."monitorId" AND d."day" = g."day"
    ), hourly AS (
      SELECT r."monitorId", r."day" + (u.i - 1) * interval '1 hour' AS "hour", coalesce(u.c, 0) AS "checks", coalesce(u.f, 0) AS "failures",
        coalesce(u.s, 0) AS "latencySumMs", coalesce(u.lc, coalesce(u.c, 0) - coalesce(u.f, 0)) AS "latencyCount",
        coalesce(u.d, 0) AS "downSeconds", coalesce(u.fl, 0) AS "flapSeconds"
      FROM gone r CROSS JOIN LATERAL unnest(${dayHours('r', 'checks')}, ${dayHours('r', 'failures')}, r."latencyCount", r."latencySumMs",
        ${dayHours('r', 'downSeconds')}, ${dayHours('r', 'flapSeconds')}) WITH ORDINALITY AS u(c, f, lc, s, d, fl, i)
      WHERE r."hours" & (1 << (u.i::int - 1)) <> 0
    ), per_hour AS (
      SELECT "monitorId", "hour", sum("checks") AS checks, sum("failures") AS failures, sum("latencySumMs") AS lat,
        sum("latencyCount") AS latc, least(max("downSeconds"), 3600) AS down, least(max("flapSeconds"), 3600) AS flap
      FROM hourly GROUP BY "monitorId", "hour"
    ), ins AS (
      INSERT INTO "DailyRollup" ("monitorId","day","checks","failures","latencySumMs","latencyCount","downSeconds","flapSeconds","hours")
      SELECT "monitorId", date_trunc('day', "hour"), sum(checks), sum(failures), sum(lat), sum(latc), sum(down), sum(flap), count(*)
      FROM per_hour GROUP BY "monitorId", date_trunc('day', "hour")
      ON CONFLICT ("monitorId","day") DO UPDATE SET
        "checks" = "DailyRollup"."checks" + EXCLUDED."checks", "failures" = "DailyRollup"."failures" + EXCLUDED."failures",
        "latencySumMs" = "DailyRollup"."latencySumMs" + EXCLUDED."latencySumMs", "latencyCount" = "DailyRollup"."latencyCount" + EXCLUDED."latencyCount",
        "downSeconds" = "DailyRollup"."downSeconds" + EXCLUDED."downSeconds", "flapSeconds" = "DailyRollup"."flapSeconds" + EXCLUDED."flapSeconds",
        "hours" = "DailyRollup"."hours" + EXCLUDED."hours"
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM hourly) AS hourly, (SELECT count(*) FROM ins) AS daily`;
  return { hourly: Number(rows[0]?.hourly ?? 0), daily: Number(rows[0]?.daily ?? 0) };
}

/** The runs of [from, to) are gone: the host rows of those days count none either (rows kept longer than runs). */
async function forgetRuns(prisma: PrismaClient, from: Date, to: Date): Promise<void> {
  await prisma.$executeRaw`UPDATE "HostDayRollup" SET "runSlots" = NULL, "runFlapSlots" = NULL, "runFailures" = 0, "runFlapFailures" = 0
    WHERE "day" >= ${from} AND "day" < ${to} AND "runFailures" > 0`;
}

/** A day row before the cutoff is left (a row without any hour folds to nothing but is still deleted). */
async function anyDayBefore(prisma: PrismaClient, before: Date): Promise<boolean> {
  const [row] = await prisma.$queryRaw<
    { ok: boolean }[]
  >`SELECT EXISTS (SELECT 1 FROM "PortDayRollup" WHERE "day" < ${before}) AS ok`;
  return row?.ok === true;
}

async function countRows(prisma: PrismaClient, table: string): Promise<number> {
  const [row] = await prisma.$queryRawUnsafe<{ n: bigint | number }[]>(`SELECT count(*) AS n FROM "${table}"`);
  return Number(row?.n ?? 0);
}

/** Applies the policy as of `now`: returns what it removed. */
export async function applyRetention(
  prisma: PrismaClient,
  policy: RetentionPolicy,
  now: Date,
  opts: ApplyOptions = {},
): Promise<RetentionResult> {
  const n = Math.max(10, opts.batchSize ?? 2_000);
  const pause = opts.pause ?? nextTurn;
  const out: RetentionResult = {
    failureRunsDeleted: 0,
    hourlyRowsFolded: 0,
    dailyRowsWritten: 0,
    partitionsDropped: 0,
    batches: 0,
  };
  const runsBefore = failureRunsBefore(now, policy);
  for (const part of await listPartitions(prisma, 'FailureRun')) {
    if (opts.stopped?.()) return out;
    if (part.to > runsBefore) continue;
    out.failureRunsDeleted += await countRows(prisma, part.name);
    await dropPartition(prisma, part.name);
    await forgetRuns(prisma, part.from, part.to);
    out.partitionsDropped += 1;
    out.batches += 1;
    await pause();
  }
  let defaultRuns = 0;
  for (;;) {
    if (opts.stopped?.()) return out;
    const deleted = await deleteRunsBatch(prisma, runsBefore, n);
    out.failureRunsDeleted += deleted;
    defaultRuns += deleted;
    out.batches += 1;
    if (deleted < n) break;
    await pause();
  }
  if (defaultRuns > 0) await forgetRuns(prisma, new Date(0), runsBefore);
  const hoursBefore = cutoff(now, policy.hourlyRollupMonths);
  // hourly rows of ended days not packed yet (no probe ran since) are packed first
  await packRollupDays(prisma, now.getTime(), { groups: n, pause, stopped: opts.stopped });
  for (;;) {
    if (opts.stopped?.()) return out;
    const { hourly, daily } = await foldBatch(prisma, hoursBefore, Math.max(1, Math.floor(n / 10)));
    out.hourlyRowsFolded += hourly;
    out.dailyRowsWritten += daily;
    out.batches += 1;
    if (hourly === 0 && !(await anyDayBefore(prisma, hoursBefore))) break;
    await pause();
  }
  // every port row before the cutoff is folded: host rows left there (none are written without port rows) go too
  await prisma.$executeRaw`DELETE FROM "HostDayRollup" WHERE "day" < ${hoursBefore}`;
  // months folded entirely: their partitions are empty now (a row written since stays for the next night)
  for (const table of ['PortDayRollup', 'HostDayRollup'] as const) {
    for (const part of await listPartitions(prisma, table)) {
      if (opts.stopped?.()) return out;
      if (part.to > hoursBefore || (await countRows(prisma, part.name)) > 0) continue;
      await dropPartition(prisma, part.name);
      out.partitionsDropped += 1;
    }
  }
  return out;
}
