// Response time of a monitor over a range: min / average / max per bucket from the hourly
// rollups (successful checks only), the hour still in this process's memory included. Buckets
// are UTC hours up to 7 days and UTC days beyond (the rollups keep no finer grain: the 1-hour
// range shows the current and the previous hour). Checks and failures per bucket ride along.
import { Prisma } from '../../generated/prisma/client.ts';
import { hourlyRollups, utc } from '../rollups/sql.ts';
import type { RollupRow, ServiceDeps } from '../types.ts';

export type LatencyRange = 'HOUR' | 'DAY' | 'WEEK' | 'MONTH' | 'YEAR';

const HOUR = 3_600_000;
const RANGE_MS: Record<LatencyRange, number> = {
  HOUR: HOUR,
  DAY: 24 * HOUR,
  WEEK: 7 * 24 * HOUR,
  MONTH: 30 * 24 * HOUR,
  YEAR: 365 * 24 * HOUR,
};

export interface LatencyPoint {
  at: Date;
  minMs: number | null;
  avgMs: number | null;
  maxMs: number | null;
  checks: number;
  failures: number;
}

export interface LatencySeries {
  range: LatencyRange;
  bucketSeconds: number;
  from: Date;
  points: LatencyPoint[];
}

interface Acc {
  min: number | null;
  max: number | null;
  sum: number;
  count: number;
  checks: number;
  failures: number;
}

interface Row {
  at: Date;
  min: number | null;
  max: number | null;
  sum: number | null;
  count: bigint | number;
  checks: bigint | number;
  failures: bigint | number;
}

/** One monitor's series (every port, or one `port`), oldest bucket first. */
export async function latencySeries(
  deps: Pick<ServiceDeps, 'prisma' | 'now' | 'probe'>,
  monitorId: string,
  range: LatencyRange,
  port: number | null = null,
): Promise<LatencySeries> {
  const now = deps.now().getTime();
  const bucket = range === 'MONTH' || range === 'YEAR' ? 24 * HOUR : HOUR;
  const from = Math.floor((now - RANGE_MS[range]) / HOUR) * HOUR;
  const unit = bucket === HOUR ? 'hour' : 'day';
  const since = new Date(from);
  const hourly = hourlyRollups({ monitor: Prisma.sql`r."monitorId" = ${monitorId}`, port, from: since });
  const rows = await deps.prisma.$queryRaw<Row[]>`
    SELECT date_trunc(${unit}::text, "hour") AS at, min("latencyMinMs") AS min, max("latencyMaxMs") AS max,
      sum("latencySumMs") AS sum, sum("latencyCount") AS count, sum("checks") AS checks, sum("failures") AS failures
    FROM (${hourly}) h WHERE "hour" >= ${utc(since)}
    GROUP BY 1 ORDER BY 1`;
  const acc = new Map<number, Acc>();
  const add = (at: number, a: Acc) => {
    const cur = acc.get(at);
    if (!cur) {
      acc.set(at, a);
      return;
    }
    cur.min = cur.min === null ? a.min : a.min === null ? cur.min : Math.min(cur.min, a.min);
    cur.max = cur.max === null ? a.max : a.max === null ? cur.max : Math.max(cur.max, a.max);
    cur.sum += a.sum;
    cur.count += a.count;
    cur.checks += a.checks;
    cur.failures += a.failures;
  };
  for (const r of rows)
    add(r.at.getTime(), {
      min: r.min === null ? null : Number(r.min),
      max: r.max === null ? null : Number(r.max),
      sum: Number(r.sum ?? 0),
      count: Number(r.count),
      checks: Number(r.checks),
      failures: Number(r.failures),
    });
  const pending: RollupRow[] = deps.probe?.pendingRollups([monitorId]) ?? [];
  for (const r of pending) {
    const t = r.hour.getTime();
    if (t < from || (port !== null && r.port !== port)) continue;
    add(Math.floor(t / bucket) * bucket, {
      min: r.latencyMinMs,
      max: r.latencyMaxMs,
      sum: r.latencySumMs,
      count: r.latencyCount,
      checks: r.checks,
      failures: r.failures,
    });
  }
  const points = [...acc.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([at, a]) => ({
      at: new Date(at),
      minMs: a.min,
      avgMs: a.count > 0 ? a.sum / a.count : null,
      maxMs: a.max,
      checks: a.checks,
      failures: a.failures,
    }));
  return { range, bucketSeconds: bucket / 1000, from: new Date(from), points };
}
