// The storage page's figures (docs/storage.md): each table's size on disk and what the next
// retention run would remove. A partitioned table is reported once, with its partitions summed.
import { listPartitions } from '../../db/partitions.ts';
import { Prisma } from '../../generated/prisma/client.ts';
import type { PrismaClient } from '../../db/index.ts';
import { failureRunsBefore } from './apply.ts';
import { cutoff, type RetentionPolicy } from './policy.ts';

export interface TableSize {
  table: string;
  bytes: number;
  /** The planner's estimate (pg_class.reltuples), not a count; null before the table's first ANALYZE. */
  rows: number | null;
}

/** The product's tables with their size on disk (data, indexes and TOAST), largest first; partitions summed into their table. */
export async function tableSizes(prisma: PrismaClient): Promise<TableSize[]> {
  const rows = await prisma.$queryRaw<{ table: string; bytes: bigint | number; rows: number | null }[]>`
    SELECT c.relname AS table, sum(pg_total_relation_size(l.relid))::bigint AS bytes,
      CASE WHEN bool_and(lc.reltuples < 0) THEN NULL ELSE sum(greatest(lc.reltuples, 0))::float8 END AS rows
    FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
    CROSS JOIN LATERAL (SELECT relid FROM pg_partition_tree(c.oid) WHERE isleaf UNION ALL SELECT c.oid WHERE c.relkind = 'r') l
    JOIN pg_class lc ON lc.oid = l.relid
    WHERE ns.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> '_prisma_migrations'
    GROUP BY c.relname
    ORDER BY 2 DESC, 1`;
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
  /**
   * Bytes the next run returns: the monthly partitions it drops (their size on disk), and for rows
   * deleted elsewhere, rows × the table's average row size (that space is reused, not returned).
   */
  bytes: number;
  /** The same per table (their sum is `bytes`): the runs, the port day rows and their host day rows. */
  byTable: Record<PreviewTable, number>;
}

type PreviewTable = 'FailureRun' | 'PortDayRollup' | 'HostDayRollup';

async function relationBytes(prisma: PrismaClient, name: string): Promise<number> {
  const [row] = await prisma.$queryRaw<
    { b: bigint | number }[]
  >`SELECT pg_total_relation_size(to_regclass(${`"${name}"`})) AS b`;
  return Number(row?.b ?? 0);
}

/** What the policy would remove if it ran at `now`. */
export async function previewRetention(
  prisma: PrismaClient,
  policy: RetentionPolicy,
  now: Date,
): Promise<RetentionPreview> {
  const runsBefore = failureRunsBefore(now, policy);
  const hoursBefore = cutoff(now, policy.hourlyRollupMonths);
  const [counts] = await prisma.$queryRaw<{ runs: bigint | number; hourly: bigint | number; loose: bigint | number }[]>`
    SELECT (SELECT count(*) FROM "FailureRun" WHERE "firstAt" < ${runsBefore}) AS runs,
      (SELECT count(*) FROM "FailureRun_default" WHERE "firstAt" < ${runsBefore}) AS loose,
      (SELECT coalesce(sum(bit_count("hours"::bit(24))), 0) FROM "PortDayRollup" WHERE "day" < ${hoursBefore})
        + (SELECT count(*) FROM "HourlyRollup" WHERE "hour" < ${hoursBefore}) AS hourly`;
  const sizes = new Map((await tableSizes(prisma)).map((s) => [s.table, s]));
  // bytes per row from the table's size and the planner's row estimate (a table not analyzed yet,
  // so small, is counted instead: no count of whole large tables)
  const per = async (table: PreviewTable) => {
    const t = sizes.get(table);
    if (!t) return 0;
    const rows =
      t.rows !== null && t.rows > 0
        ? t.rows
        : Number((await prisma.$queryRawUnsafe<{ n: bigint }[]>(`SELECT count(*) AS n FROM "${table}"`))[0]?.n ?? 0);
    return rows > 0 ? t.bytes / rows : 0;
  };
  const byTable: Record<PreviewTable, number> = { FailureRun: 0, PortDayRollup: 0, HostDayRollup: 0 };
  byTable.FailureRun = Number(counts?.loose ?? 0) * (await per('FailureRun'));
  for (const part of await listPartitions(prisma, 'FailureRun')) {
    if (part.to <= runsBefore) byTable.FailureRun += await relationBytes(prisma, part.name);
  }
  // hourly rollups (port day rows and their host day rows) before the cutoff: a month entirely
  // before it is dropped once folded; rows of the month the cutoff falls in are deleted (their
  // space is returned when that month is dropped)
  for (const table of ['PortDayRollup', 'HostDayRollup'] as const) {
    for (const part of await listPartitions(prisma, table)) {
      if (part.to <= hoursBefore) byTable[table] += await relationBytes(prisma, part.name);
    }
    const [loose] = await prisma.$queryRaw<{ n: bigint | number }[]>(
      Prisma.sql`SELECT count(*) AS n FROM ${Prisma.raw(`"${table}_default"`)} WHERE "day" < ${hoursBefore}`,
    );
    byTable[table] += Number(loose?.n ?? 0) * (await per(table));
  }
  const bytes = byTable.FailureRun + byTable.PortDayRollup + byTable.HostDayRollup;
  return {
    failureRunsBefore: runsBefore,
    failureRuns: Number(counts?.runs ?? 0),
    hourlyRollupsBefore: hoursBefore,
    hourlyRollups: Number(counts?.hourly ?? 0),
    bytes: Math.round(bytes),
    byTable: {
      FailureRun: Math.round(byTable.FailureRun),
      PortDayRollup: Math.round(byTable.PortDayRollup),
      HostDayRollup: Math.round(byTable.HostDayRollup),
    },
  };
}
