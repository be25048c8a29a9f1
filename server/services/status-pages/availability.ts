// The 90-day strip and the uptime figure of each host on a status page, from the availability
// core (services/availability: time-based, maintenance and the prober's own outages excluded).
// A host shown with all its ports uses the host's figures; one shown with some ports uses those
// ports' own figures (each day the worst of them), so a port the owner did not publish never
// colours the strip, and its incidents are not counted there.
import { availabilityFor, availabilityOver, type DayBar, dailyBars } from '../availability/index.ts';
import { addDays, dayOf, startOfDay } from '../availability/zone.ts';
import type { ServiceDeps } from '../types.ts';

export interface ItemRef {
  key: string;
  monitorId: string;
  /** Empty: the whole host. */
  ports: readonly number[];
}

export interface PublicBar {
  /** YYYY-MM-DD in the page's time zone. */
  day: string;
  ratio: number | null;
  downSeconds: number;
  /** Incidents of the day (null for a host shown with some of its ports). */
  incidents: number | null;
}

export interface ItemAvailability {
  uptime: number | null;
  bars: PublicBar[];
}

function worst(values: (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length ? Math.min(...known) : null;
}

export async function itemAvailability(
  deps: ServiceDeps,
  items: readonly ItemRef[],
  days: number,
  timeZone: string,
  now: Date,
): Promise<Map<string, ItemAvailability>> {
  const out = new Map<string, ItemAvailability>();
  if (items.length === 0) return out;
  const today = dayOf(now.getTime(), timeZone);
  const first = addDays(today, -(days - 1));
  const whole = { from: new Date(startOfDay(first, timeZone)), to: now };
  const hosts = items.filter((i) => i.ports.length === 0);
  const partial = items.filter((i) => i.ports.length > 0);
  const dayList = Array.from({ length: days }, (_, k) => addDays(first, k));
  const windows = dayList.map((d, k) => ({
    from: new Date(startOfDay(d, timeZone)),
    to: k === days - 1 ? now : new Date(startOfDay(addDays(d, 1), timeZone)),
  }));
  const hostIds = [...new Set(hosts.map((i) => i.monitorId))];
  const partialIds = [...new Set(partial.map((i) => i.monitorId))];
  const [bars, hostUptime, perPort] = await Promise.all([
    hostIds.length ? dailyBars(deps, hostIds, days, timeZone, now) : Promise.resolve(new Map<string, DayBar[]>()),
    hostIds.length ? availabilityFor(deps, hostIds, whole) : Promise.resolve([]),
    partialIds.length
      ? availabilityOver(deps, partialIds, [whole, ...windows], { perPort: true })
      : Promise.resolve([]),
  ]);
  for (const i of hosts) {
    const b = bars.get(i.monitorId) ?? [];
    out.set(i.key, {
      uptime: hostUptime.find((a) => a.monitorId === i.monitorId && a.port === null)?.ratio ?? null,
      bars: b.map((d) => ({ day: d.day, ratio: d.ratio, downSeconds: d.downSeconds, incidents: d.incidents.length })),
    });
  }
  for (const i of partial) {
    const of = (k: number) =>
      (perPort[k] ?? []).filter((a) => a.monitorId === i.monitorId && a.port !== null && i.ports.includes(a.port));
    out.set(i.key, {
      uptime: worst(of(0).map((a) => a.ratio)),
      bars: dayList.map((day, k) => {
        const rows = of(k + 1);
        return {
          day,
          ratio: worst(rows.map((a) => a.ratio)),
          downSeconds: Math.max(0, ...rows.map((a) => a.downSeconds)),
          incidents: null,
        };
      }),
    });
  }
  return out;
}
