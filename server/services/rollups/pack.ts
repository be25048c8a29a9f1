// The hourly rollups as stored (docs/storage.md "Rollups"): one row per port and UTC day, each
// figure an array of the day's 24 UTC hours. Pure: packs hourly rows (the probe's flush, tests'
// fixtures) into day rows and unpacks them again, with the same figures.
import type { RollupRow } from '../types.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** One port's UTC day of hourly rollups, as written to "PortDayRollup". */
export interface PortDayRow {
  monitorId: string;
  port: number;
  /** UTC midnight. */
  day: Date;
  /** Bit h: the UTC hour h has a rollup. */
  hours: number;
  /** One element: the same in every hour with a rollup (so failures, downSeconds and flapSeconds). */
  checks: number[];
  /** NULL: no failure all day. */
  failures: number[] | null;
  /** NULL: checks − failures in every hour. */
  latencyCount: number[] | null;
  /** NULL: no successful check all day. */
  latencySumMs: number[] | null;
  /** Microseconds; an hour without a successful check holds null. NULL: none all day. */
  latencyMinUs: (number | null)[] | null;
  latencyMaxUs: (number | null)[] | null;
  /** NULL: zero all day. */
  downSeconds: number[] | null;
  flapSeconds: number[] | null;
}

const zeros = () => new Array<number>(24).fill(0);
const nulls = () => new Array<number | null>(24).fill(null);
const anyNonZero = (a: readonly number[]) => a.some((x) => x !== 0);

/** The day's hours as stored: one element when every hour with a rollup (bits of `hours`) has the same value. */
function uniform(hours: number, a: number[]): number[] {
  const set = a.filter((_, h) => (hours & (1 << h)) !== 0);
  return set.length > 0 && set.every((x) => x === set[0]) ? [set[0]!] : a;
}

/** A stored figure's value in hour h (one element: every hour). */
const at = (a: readonly number[] | null, h: number): number | undefined => (a?.length === 1 ? a[0] : a?.[h]);
const us = (ms: number) => Math.round(ms * 1000);

interface Acc {
  row: PortDayRow;
  failures: number[];
  latencyCount: number[];
  latencySumMs: number[];
  min: (number | null)[];
  max: (number | null)[];
  down: number[];
  flap: number[];
}

/** Packs hourly rows into day rows (rows of the same port and hour are added together). */
export function packDays(rows: readonly RollupRow[]): PortDayRow[] {
  const byKey = new Map<string, Acc>();
  for (const r of rows) {
    const t = r.hour.getTime();
    const day = Math.floor(t / DAY) * DAY;
    const h = Math.floor((t - day) / HOUR);
    const key = `${r.monitorId}\u0000${r.port}\u0000${day}`;
    let a = byKey.get(key);
    if (!a) {
      a = {
        row: {
          monitorId: r.monitorId,
          port: r.port,
          day: new Date(day),
          hours: 0,
          checks: zeros(),
          failures: null,
          latencyCount: null,
          latencySumMs: null,
          latencyMinUs: null,
          latencyMaxUs: null,
          downSeconds: null,
          flapSeconds: null,
        },
        failures: zeros(),
        latencyCount: zeros(),
        latencySumMs: zeros(),
        min: nulls(),
        max: nulls(),
        down: zeros(),
        flap: zeros(),
      };
      byKey.set(key, a);
    }
    a.row.hours |= 1 << h;
    a.row.checks[h]! += r.checks;
    a.failures[h]! += r.failures;
    a.latencyCount[h]! += r.latencyCount;
    a.latencySumMs[h]! += r.latencySumMs;
    if (r.latencyMinMs !== null) a.min[h] = Math.min(a.min[h] ?? Infinity, us(r.latencyMinMs));
    if (r.latencyMaxMs !== null) a.max[h] = Math.max(a.max[h] ?? -Infinity, us(r.latencyMaxMs));
    a.down[h]! += r.downSeconds;
    a.flap[h]! += r.flapSeconds;
  }
  return [...byKey.values()].map((a) => {
    const r = a.row;
    if (anyNonZero(a.failures)) r.failures = uniform(r.hours, a.failures);
    if (a.latencyCount.some((n, h) => n !== r.checks[h]! - a.failures[h]!)) r.latencyCount = a.latencyCount;
    if (anyNonZero(a.latencyCount) || anyNonZero(a.latencySumMs)) r.latencySumMs = a.latencySumMs;
    if (a.min.some((x) => x !== null)) r.latencyMinUs = a.min;
    if (a.max.some((x) => x !== null)) r.latencyMaxUs = a.max;
    if (anyNonZero(a.down)) r.downSeconds = uniform(r.hours, a.down);
    if (anyNonZero(a.flap)) r.flapSeconds = uniform(r.hours, a.flap);
    r.checks = uniform(r.hours, r.checks);
    return r;
  });
}

/** The hourly rows a day row stands for (hours without a rollup are absent). */
export function unpackDay(r: PortDayRow): RollupRow[] {
  const out: RollupRow[] = [];
  for (let h = 0; h < 24; h++) {
    if ((r.hours & (1 << h)) === 0) continue;
    const checks = at(r.checks, h) ?? 0;
    const failures = at(r.failures, h) ?? 0;
    const min = r.latencyMinUs?.[h] ?? null;
    const max = r.latencyMaxUs?.[h] ?? null;
    out.push({
      monitorId: r.monitorId,
      port: r.port,
      hour: new Date(r.day.getTime() + h * HOUR),
      checks,
      failures,
      latencySumMs: r.latencySumMs?.[h] ?? 0,
      latencyCount: r.latencyCount?.[h] ?? checks - failures,
      latencyMinMs: min === null ? null : min / 1000,
      latencyMaxMs: max === null ? null : max / 1000,
      downSeconds: at(r.downSeconds, h) ?? 0,
      flapSeconds: at(r.flapSeconds, h) ?? 0,
    });
  }
  return out;
}
