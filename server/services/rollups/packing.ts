// Packing the hourly rollups of past days (docs/storage.md "Rollups"): the probe runtime's
// rollup flush does it once a UTC day is over, the retention job before folding.
import type { PrismaClient } from '../../db/index.ts';
import { packDaysSql } from './sql.ts';

/** Hourly rows of UTC days before this long ago are packed (a late flush of the last hour lands first). */
export const PACK_AFTER_MS = 10 * 60_000;

/**
 * Packs the hourly rollups of the days that ended at least PACK_AFTER_MS before `now` into one row
 * per port and day, `groups` (monitor, port, day) at a time, one short statement each, with `pause`
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
    const [r] = await prisma.$queryRaw<{ hourly: number; days: number }[]>(packDaysSql(before, opts.groups ?? 500));
    const n = Number(r?.hourly ?? 0);
    total += n;
    if (n === 0) return total;
    await opts.pause?.();
  }
}
