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

/** Folds the hourly rows of up to `groups` (monitor, UTC day) pairs before the cutoff into daily rows, in one statement. */
async function foldBatch(
  prisma: PrismaClient,
  before: Date,
  groups: number,
): Promise<{ hourly: number; daily: number }> {
  const rows = await prisma.$queryRaw<{ hourly: bigint | number; daily: bigint | number }[]>`
    WITH grp AS (
      SELECT DISTINCT "monitorId", date_trunc('day', "hour") AS day FROM "HourlyRollup" WHERE "hour" < ${before} LIMIT ${groups}
    ), gone AS (
      DELETE FROM "HourlyRollup" h USING grp g
      WHERE h."monitorId" = g."monitorId" AND h."hour" >= g.day AND h."hour" < g.day + interval '1 day' AND h."hour" < ${before}
      RETURNING h."monitorId", h."hour", h."checks", h."failures", h."latencySumMs", h."latencyCount", h."downSeconds", h."flapSeconds"
    ), per_hour AS (
      SELECT "monitorId", "hour", sum("checks") AS checks, sum("failures") AS failures, sum("latencySumMs") AS lat,
        sum("latencyCount") AS latc, least(max("downSeconds"), 3600) AS down, least(max("flapSeconds"), 3600) AS flap
      FROM gone GROUP BY "monitorId", "hour"
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
    SELECT (SELECT count(*) FROM gone) AS hourly, (SELECT count(*) FROM ins) AS daily`;
  return { hourly: Number(rows[0]?.hourly ?? 0), daily: Number(rows[0]?.daily ?? 0) };
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
    out.partitionsDropped += 1;
    out.batches += 1;
    await pause();
  }
  for (;;) {
    if (opts.stopped?.()) return out;
    const deleted = await deleteRunsBatch(prisma, runsBefore, n);
    out.failureRunsDeleted += deleted;
    out.batches += 1;
    if (deleted < n) break;
    await pause();
  }
  const hoursBefore = cutoff(now, policy.hourlyRollupMonths);
  for (;;) {
    if (opts.stopped?.()) return out;
    const { hourly, daily } = await foldBatch(prisma, hoursBefore, Math.max(1, Math.floor(n / 10)));
    out.hourlyRowsFolded += hourly;
    out.dailyRowsWritten += daily;
    out.batches += 1;
    if (hourly === 0) break;
    await pause();
  }
  // months folded entirely: their partitions are empty now (a row written since stays for the next night)
  for (const part of await listPartitions(prisma, 'HourlyRollup')) {
    if (opts.stopped?.()) return out;
    if (part.to > hoursBefore || (await countRows(prisma, part.name)) > 0) continue;
    await dropPartition(prisma, part.name);
    out.partitionsDropped += 1;
  }
  return out;
}
