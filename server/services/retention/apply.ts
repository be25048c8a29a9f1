// Applies the retention policy in bounded batches: each batch is one short statement (on PGlite
// the database runs in this process, so a long statement would hold the probe loop), and the job
// yields between batches. Deleted monitors' rows follow the same policy (they are rows like any).
import type { PrismaClient } from '../../db/index.ts';
import { cutoff, type RetentionPolicy } from './policy.ts';

export interface RetentionResult {
  failureRunsDeleted: number;
  hourlyRowsFolded: number;
  dailyRowsWritten: number;
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

/** Deletes failure runs whose first check is before the cutoff; returns the rows deleted. */
async function deleteRunsBatch(prisma: PrismaClient, before: Date, n: number): Promise<number> {
  return prisma.$executeRaw`DELETE FROM "FailureRun" WHERE "id" IN (
    SELECT "id" FROM "FailureRun" WHERE "firstAt" < ${before} ORDER BY "firstAt" LIMIT ${n})`;
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

/** Applies the policy as of `now`: returns what it removed. */
export async function applyRetention(
  prisma: PrismaClient,
  policy: RetentionPolicy,
  now: Date,
  opts: ApplyOptions = {},
): Promise<RetentionResult> {
  const n = Math.max(10, opts.batchSize ?? 2_000);
  const pause = opts.pause ?? nextTurn;
  const out: RetentionResult = { failureRunsDeleted: 0, hourlyRowsFolded: 0, dailyRowsWritten: 0, batches: 0 };
  const runsBefore = cutoff(now, policy.failureRunMonths);
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
  return out;
}

export interface TableSize {
  table: string;
  bytes: number;
  /** The planner's estimate (pg_class.reltuples), not a count; null before the table's first ANALYZE. */
  rows: number | null;
}

/** The product's tables with their size on disk (data, indexes and TOAST), largest first. */
export async function tableSizes(prisma: PrismaClient): Promise<TableSize[]> {
  const rows = await prisma.$queryRaw<{ table: string; bytes: bigint | number; rows: number | null }[]>`
    SELECT c.relname AS table, pg_total_relation_size(c.oid) AS bytes, CASE WHEN c.reltuples < 0 THEN NULL ELSE c.reltuples::float8 END AS rows
    FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
    WHERE ns.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> '_prisma_migrations'
    ORDER BY pg_total_relation_size(c.oid) DESC, c.relname`;
  return rows.map((r) => ({
    table: r.table,
    bytes: Number(r.bytes),
    rows: r.rows === null ? null : Math.round(Number(r.rows)),
  }));
}

export interface RetentionPreview {
  failureRunsBefore: Date;
  failureRuns: number;
  hourlyRollupsBefore: Date;
  hourlyRollups: number;
  /** Estimated bytes freed (rows × the table's average bytes per row; the daily rows written are small). */
  bytes: number;
}

/** What the policy would remove if it ran at `now`. */
export async function previewRetention(
  prisma: PrismaClient,
  policy: RetentionPolicy,
  now: Date,
): Promise<RetentionPreview> {
  const runsBefore = cutoff(now, policy.failureRunMonths);
  const hoursBefore = cutoff(now, policy.hourlyRollupMonths);
  const [counts] = await prisma.$queryRaw<{ runs: bigint | number; hourly: bigint | number }[]>`
    SELECT (SELECT count(*) FROM "FailureRun" WHERE "firstAt" < ${runsBefore}) AS runs,
      (SELECT count(*) FROM "HourlyRollup" WHERE "hour" < ${hoursBefore}) AS hourly`;
  // bytes per row from the table's size and the planner's row estimate (a table not analyzed yet,
  // so small, is counted instead: no count of whole large tables)
  const sizes = new Map((await tableSizes(prisma)).map((s) => [s.table, s]));
  const per = async (table: 'FailureRun' | 'HourlyRollup') => {
    const t = sizes.get(table);
    if (!t) return 0;
    const rows =
      t.rows !== null && t.rows > 0
        ? t.rows
        : Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table}"`))[0]?.n ?? 0);
    return rows > 0 ? t.bytes / rows : 0;
  };
  const runs = Number(counts?.runs ?? 0);
  const hourly = Number(counts?.hourly ?? 0);
  return {
    failureRunsBefore: runsBefore,
    failureRuns: runs,
    hourlyRollupsBefore: hoursBefore,
    hourlyRollups: hourly,
    bytes: Math.round(runs * (await per('FailureRun')) + hourly * (await per('HourlyRollup'))),
  };
}
