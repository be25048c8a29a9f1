// Availability (issue 17): the one definition (compute.ts), read for some monitors over one or
// more windows, and the daily bars of the last N days in a time zone.
//
// Tenancy: these functions read the monitors they are given; the caller decides which ids the
// viewer may read (ownedWhere in tenancy.ts, a status page's published monitors).
import type { ServiceDeps } from '../types.ts';
import { type Availability, computeAvailability, incidentsIn, type MonitorHistory } from './compute.ts';
import { loadHistories } from './load.ts';
import { addDays, dayOf, startOfDay } from './zone.ts';

export type { Availability, MonitorHistory } from './compute.ts';
export { computeAvailability, portsAvailability } from './compute.ts';
export { causeOf, loadHistories } from './load.ts';

export interface AvailabilityWindow {
  from: Date;
  to: Date;
}

export interface DayBar {
  /** YYYY-MM-DD in the time zone. */
  day: string;
  ratio: number | null;
  downSeconds: number;
  excludedSeconds: number;
  observedSeconds: number;
  incidents: { id: string; openedAt: Date; resolvedAt: Date | null; cause: string }[];
}

/** The windows' availability, loaded once over their union: result[k] answers windows[k]. */
export async function availabilityOver(
  deps: ServiceDeps,
  monitorIds: readonly string[],
  windows: readonly AvailabilityWindow[],
  opts: { perPort?: boolean } = {},
): Promise<Availability[][]> {
  if (windows.length === 0) return [];
  const now = deps.now().getTime();
  const spans = windows.map((w) => ({ from: w.from.getTime(), to: Math.min(w.to.getTime(), now) }));
  const range = { from: Math.min(...spans.map((s) => s.from)), to: Math.max(...spans.map((s) => s.to)) };
  const histories = await loadHistories(deps, monitorIds, range, now, opts.perPort === true);
  return spans.map((span) => histories.flatMap((h) => computeAvailability(h, span, opts.perPort === true)));
}

/** Availability of each monitor (the host, and each port with `perPort`) in `window` (up to now). */
export async function availabilityFor(
  deps: ServiceDeps,
  monitorIds: readonly string[],
  window: AvailabilityWindow,
  opts: { perPort?: boolean } = {},
): Promise<Availability[]> {
  const [one] = await availabilityOver(deps, monitorIds, [window], opts);
  return one ?? [];
}

/** The calendar days (oldest first) of the last `days` days up to today in `timeZone`, and their bounds. */
export function dayWindows(
  days: number,
  timeZone: string,
  now: Date,
): { dayList: string[]; windows: { from: number; to: number }[] } {
  const count = Math.max(1, Math.min(Math.floor(days), 3660));
  const today = dayOf(now.getTime(), timeZone);
  const first = addDays(today, -(count - 1));
  const dayList = Array.from({ length: count }, (_, k) => addDays(first, k));
  const bounds = [...dayList, addDays(today, 1)].map((d) => startOfDay(d, timeZone));
  const end = now.getTime();
  return { dayList, windows: dayList.map((_, k) => ({ from: bounds[k]!, to: Math.min(bounds[k + 1]!, end) })) };
}

/** One monitor's bars over `dayWindows`' days, from its loaded history. */
export function barsOf(h: MonitorHistory, days: ReturnType<typeof dayWindows>): DayBar[] {
  return days.dayList.map((day, k) => {
    const window = days.windows[k]!;
    const [host] = computeAvailability(h, window, false);
    return {
      day,
      ratio: host?.ratio ?? null,
      downSeconds: host?.downSeconds ?? 0,
      excludedSeconds: host?.excludedSeconds ?? 0,
      observedSeconds: host?.observedSeconds ?? 0,
      incidents: incidentsIn(h, window).map((i) => ({
        id: i.id,
        openedAt: i.openedAt,
        resolvedAt: i.resolvedAt,
        cause: i.cause,
      })),
    };
  });
}

/** One bar per calendar day in `timeZone`, the last `days` days up to today (oldest first), per monitor. */
export async function dailyBars(
  deps: ServiceDeps,
  monitorIds: readonly string[],
  days: number,
  timeZone: string,
  now: Date,
): Promise<Map<string, DayBar[]>> {
  const out = new Map<string, DayBar[]>();
  const d = dayWindows(days, timeZone, now);
  const end = now.getTime();
  const histories = await loadHistories(deps, monitorIds, { from: d.windows[0]!.from, to: end }, end, false);
  for (const h of histories) out.set(h.monitorId, barsOf(h, d));
  return out;
}
