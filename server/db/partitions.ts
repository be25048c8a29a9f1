// Monthly partitions (docs/storage.md): FailureRun, PortDayRollup, HostDayRollup and NotificationEvent are
// partitioned by month on their time column (migration 20261202140000_monthly_partitions). The
// product creates the partitions itself, ahead of time; a DEFAULT partition takes any row whose
// month has no partition yet, so an insert never fails. Retention drops whole months.
import type { PrismaClient } from './index.ts';

export interface PartitionedTable {
  table: 'FailureRun' | 'PortDayRollup' | 'HostDayRollup' | 'NotificationEvent';
  /** The partition key (a timestamp without time zone holding UTC). */
  column: string;
  /** Storage parameters of each partition (rows updated in place get room for HOT updates; day rollups are written once). */
  withClause: string;
}

export const PARTITIONED: readonly PartitionedTable[] = [
  { table: 'FailureRun', column: 'firstAt', withClause: ' WITH (fillfactor = 70)' },
  { table: 'PortDayRollup', column: 'day', withClause: '' },
  { table: 'HostDayRollup', column: 'day', withClause: '' },
  { table: 'NotificationEvent', column: 'at', withClause: '' },
];

/** Months ahead of the current one that always have a partition. */
export const MONTHS_AHEAD = 2;

export interface MonthPartition {
  name: string;
  /** First instant of the month (UTC), inclusive. */
  from: Date;
  /** First instant of the next month, exclusive. */
  to: Date;
}

const NAME = /_p(\d{4})_(\d{2})$/;

export function monthStart(at: Date, plusMonths = 0): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + plusMonths, 1));
}

export function partitionName(table: string, month: Date): string {
  return `${table}_p${month.getUTCFullYear()}_${String(month.getUTCMonth() + 1).padStart(2, '0')}`;
}

const sqlTime = (d: Date) => `'${d.toISOString().replace('T', ' ').replace('Z', '')}'`;

/** The monthly partitions of a table (not the DEFAULT one), oldest first. */
export async function listPartitions(prisma: PrismaClient, table: string): Promise<MonthPartition[]> {
  const rows = await prisma.$queryRaw<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
    JOIN pg_namespace ns ON ns.oid = p.relnamespace
    WHERE p.relname = ${table} AND ns.nspname = current_schema()`;
  const out: MonthPartition[] = [];
  for (const { name } of rows) {
    const m = NAME.exec(name);
    if (!m || !name.startsWith(`${table}_p`)) continue;
    const from = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
    out.push({ name, from, to: monthStart(from, 1) });
  }
  return out.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/**
 * Creates the month's partition unless it exists. Rows of that month already in the DEFAULT
 * partition (written while the month had no partition) are moved into it in the same
 * transaction. An advisory lock serializes processes sharing one PostgreSQL. True when created.
 */
export async function createMonthPartition(
  prisma: PrismaClient,
  spec: PartitionedTable,
  month: Date,
): Promise<boolean> {
  const from = monthStart(month);
  const to = monthStart(from, 1);
  const name = partitionName(spec.table, from);
  const q = (s: string) => `"${s}"`;
  const range = `FOR VALUES FROM (${sqlTime(from)}) TO (${sqlTime(to)})`;
  const inRange = `${q(spec.column)} >= ${sqlTime(from)} AND ${q(spec.column)} < ${sqlTime(to)}`;
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('portwatch.partitions'))`;
      const [exists] = await tx.$queryRaw<{ ok: boolean }[]>`SELECT to_regclass(${q(name)}) IS NOT NULL AS ok`;
      if (exists?.ok) return false;
      const [stray] = await tx.$queryRawUnsafe<{ ok: boolean }[]>(
        `SELECT EXISTS (SELECT 1 FROM ${q(`${spec.table}_default`)} WHERE ${inRange}) AS ok`,
      );
      if (!stray?.ok) {
        await tx.$executeRawUnsafe(`CREATE TABLE ${q(name)} PARTITION OF ${q(spec.table)} ${range}${spec.withClause}`);
        return true;
      }
      await tx.$executeRawUnsafe(
        `CREATE TABLE ${q(name)} (LIKE ${q(spec.table)} INCLUDING DEFAULTS)${spec.withClause}`,
      );
      await tx.$executeRawUnsafe(
        `WITH moved AS (DELETE FROM ${q(`${spec.table}_default`)} WHERE ${inRange} RETURNING *) INSERT INTO ${q(name)} SELECT * FROM moved`,
      );
      await tx.$executeRawUnsafe(`ALTER TABLE ${q(spec.table)} ATTACH PARTITION ${q(name)} ${range}`);
      return true;
      // moving a month of rows out of DEFAULT (the first start after the upgrade) may take far
      // longer than Prisma's 5 s default for an interactive transaction
    },
    { timeout: 30 * 60_000, maxWait: 60_000 },
  );
}

/** Makes sure every partitioned table has the partitions of `now`'s month and the next `ahead` months; returns the names created. */
export async function ensurePartitions(prisma: PrismaClient, now: Date, ahead = MONTHS_AHEAD): Promise<string[]> {
  const created: string[] = [];
  for (const spec of PARTITIONED) {
    const have = new Set((await listPartitions(prisma, spec.table)).map((p) => p.name));
    for (let i = 0; i <= ahead; i++) {
      const month = monthStart(now, i);
      if (have.has(partitionName(spec.table, month))) continue;
      if (await createMonthPartition(prisma, spec, month)) created.push(partitionName(spec.table, month));
    }
  }
  return created;
}

/** Drops a monthly partition (its rows go with it; the files are returned to the system at once). */
export async function dropPartition(prisma: PrismaClient, name: string): Promise<void> {
  if (!NAME.test(name) || !/^[A-Za-z]+_p\d{4}_\d{2}$/.test(name)) throw new Error(`not a monthly partition: ${name}`);
  await prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS "${name}"`);
}
