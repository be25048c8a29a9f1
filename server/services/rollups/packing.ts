// Packing the hourly rollups of past days (docs/storage.md "Rollups"): the probe runtime's
// rollup flush does it once a UTC day is over, the retention job before folding. The host rows of
// the days packed (docs/storage.md "The host day layer") are rebuilt in the same transaction.
import type { PrismaClient } from '../../db/index.ts';
import { dayPairs, hostDaysSql } from './host-days.ts';
import { packDaysSql } from './sql.ts';

/** Hourly rows of UTC days before this long ago are packed (a late flush of the last hour lands first). */
export const PACK_AFTER_MS = 10 * 60_000;

interface PackResult {
  hourly: number;
  days: number;
  pairs: { monitorId: string; day: string }[] | string;
}

/**
 * Packs the hourly rollups of the days that ended at least PACK_AFTER_MS before `now` into one row
 * per port and day, `groups` (monitor, port, day) at a time, one short transaction each, with `pause`
 * between them; returns the hourly rows packed. Safe with several processes (a row is packed once).
 */
export async function packRollupDays(
  prisma: PrismaClient,
  now: number,
  opts: { groups?: number; pause?: () => Promise<void>; stopped?: () => boolean } = {},
): Promise<number> {
  const before = new Date(Math.floor((now - PACK_AFTER_MS) / 86_400_000) * 86_400_000);
  let total = 0;
  for (;;) {
    if (opts.stopped?.()) return total;
    const n = await prisma.$transaction(
      async (tx) => {
        // one packer at a time (several processes): a host row is rebuilt after every port row of its day is committed
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('portwatch.rollup-pack'))`;
        const [r] = await tx.$queryRaw<PackResult[]>(packDaysSql(before, opts.groups ?? 500));
        const raw = r?.pairs ?? [];
        const pairs = typeof raw === 'string' ? (JSON.parse(raw) as { monitorId: string; day: string }[]) : raw;
        if (pairs.length)
          await tx.$executeRaw(
            hostDaysSql(dayPairs(pairs.map((p) => ({ monitorId: p.monitorId, day: new Date(p.day) }))), true),
          );
        return Number(r?.hourly ?? 0);
      },
      { timeout: 60_000, maxWait: 30_000 },
    );
    total += n;
    if (n === 0) return total;
    await opts.pause?.();
  }
}
