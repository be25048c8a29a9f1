// Hourly rollups in tests: written and read per port and hour, stored as the product stores them
// (packed per port and UTC day, server/services/rollups/), so fixtures and assertions keep their
// per-hour shape.
import type { PrismaClient } from '../../server/db/index.ts';
import { packDays, type PortDayRow, unpackDay } from '../../server/services/rollups/pack.ts';
import { portDayUpsert } from '../../server/services/rollups/sql.ts';
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
  for (let i = 0; i < days.length; i += 500) await prisma.$executeRaw(portDayUpsert(days.slice(i, i + 500)));
}

/** Every stored hourly rollup (of one monitor), by monitor, port and hour. */
export async function readHourlyRollups(prisma: PrismaClient, monitorId?: string): Promise<RollupRow[]> {
  // raw: an hour without a successful check is a NULL element of the latency extremes
  const days = await prisma.$queryRaw<PortDayRow[]>`SELECT * FROM "PortDayRollup"
    WHERE ${monitorId ?? null}::text IS NULL OR "monitorId" = ${monitorId ?? null}
    ORDER BY "monitorId", "port", "day"`;
  return days.flatMap((d) => unpackDay(d));
}
