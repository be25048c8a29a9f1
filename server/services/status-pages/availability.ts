// The 90-day strip and the uptime figure of each host on a status page, from the availability
// core (services/availability: time-based, maintenance and the prober's own outages excluded).
// A host shown with all its ports uses the host's figures; one shown with some ports uses those
// ports' own figures (each day the worst of them), so a port the owner did not publish never
// colours the strip, and its incidents are not counted there.
import { barsOf, computeAvailability, dayWindows, loadHistories, portsAvailability } from '../availability/index.ts';
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

/**
 * The items' uptime since the first day's start and their daily bars, from one load of the
 * monitors' histories (with the ports' parts when some item shows only some ports).
 */
export async function itemAvailability(
  deps: ServiceDeps,
  items: readonly ItemRef[],
  days: number,
  timeZone: string,
  now: Date,
): Promise<Map<string, ItemAvailability>> {
  const out = new Map<string, ItemAvailability>();
  if (items.length === 0) return out;
  const d = dayWindows(days, timeZone, now);
  const end = now.getTime();
  const whole = { from: d.windows[0]!.from, to: end };
  const perPort = items.some((i) => i.ports.length > 0);
  const histories = await loadHistories(deps, [...new Set(items.map((i) => i.monitorId))], whole, end, perPort);
  const byId = new Map(histories.map((h) => [h.monitorId, h]));
  for (const i of items) {
    const h = byId.get(i.monitorId);
    if (!h) continue;
    if (i.ports.length === 0) {
      const [host] = computeAvailability(h, whole, false);
      out.set(i.key, {
        uptime: host?.ratio ?? null,
        bars: barsOf(h, d).map((b) => ({
          day: b.day,
          ratio: b.ratio,
          downSeconds: b.downSeconds,
          incidents: b.incidents.length,
        })),
      });
      continue;
    }
    out.set(i.key, {
      uptime: worst(portsAvailability(h, whole, i.ports).map((a) => a.ratio)),
      bars: d.dayList.map((day, k) => {
        const rows = portsAvailability(h, d.windows[k]!, i.ports);
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
