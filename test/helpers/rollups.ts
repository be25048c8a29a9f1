// Hourly rollups in tests: written and read per port and hour, stored as the product stores them
// (packed per port and UTC day with their host rows, server/services/rollups/), so fixtures and assertions keep their
// per-hour shape.
import type { PrismaClient } from '../../server/db/index.ts';
import { Prisma } from '../../server/generated/prisma/client.ts';
import { packDays } from '../../server/services/rollups/pack.ts';
import { dayPairs, hostDaysSql } from '../../server/services/rollups/host-days.ts';
import { hourlyRollups, portDayUpsert } from '../../server/services/rollups/sql.ts';
import type { RollupRow } from '../../server/services/types.ts';

export type HourlyFixture = Pick<RollupRow, 'monitorId' | 'port' | 'hour'> & Partial<RollupRow>;

/** Adds hourly rollups (missing figures are 0, extremes null), as the probe's flush does. */
export async function insertHourlyRollups(prisma: PrismaClient, rows: readonly HourlyFixture[]): Promise<void> {
  const full: RollupRow[] = rows.map((r) => ({
    checks: 0,
    failures: 0,
    latencySumMs: 0,
    latencyCount: 0,
    latencyMinMs: null,
    latencyMaxMs: null,
    downSeconds: 0,
    flapSeconds: 0,
    ...r,
  }));
  const days = packDays(full);
  for (let i = 0; i < days.length; i += 500) {
    const part = days.slice(i, i + 500);
    await prisma.$executeRaw(portDayUpsert(part));
    // their host rows, as packing writes them (runs not summarised: readers count them from the runs)
    await prisma.$executeRaw(hostDaysSql(dayPairs(part), false));
  }
}

/** Every stored hourly rollup (of one monitor), by monitor, port and hour: the current day's rows and the packed days, as the readers see them. */
export async function readHourlyRollups(prisma: PrismaClient, monitorId?: string): Promise<RollupRow[]> {
  const monitor = monitorId ? Prisma.sql`r."monitorId" = ${monitorId}` : Prisma.sql`true`;
  const rows = await prisma.$queryRaw<RollupRow[]>`
    SELECT "monitorId", "port", "hour", sum("checks")::int AS "checks", sum("failures")::int AS "failures",
      sum("latencySumMs")::float8 AS "latencySumMs", sum("latencyCount")::int AS "latencyCount",
      min("latencyMinMs") AS "latencyMinMs", max("latencyMaxMs") AS "latencyMaxMs",
      sum("downSeconds")::int AS "downSeconds", sum("flapSeconds")::int AS "flapSeconds"
    FROM (${hourlyRollups({ monitor })}) h GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
  return rows;
}
