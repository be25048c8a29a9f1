// What a published status page shows, read for the public route (no viewer): the page's
// title, its chosen hosts by label (the address only where chosen), each one's current state,
// uptime and 90-day strip, and the incidents of those hosts (open, and resolved in the last
// RECENT_DAYS) with their public notes. Nothing else is read into it: an unknown slug and an
// unpublished page both answer null, after the same one query.
import type { Language } from '../../generated/prisma/enums.ts';
import type { ServiceDeps } from '../types.ts';
import { itemAvailability, type PublicBar } from './availability.ts';
import { slugShaped } from './input.ts';

export const STRIP_DAYS = 90;
export const RECENT_DAYS = 30;
export const MAX_INCIDENTS = 20;

export type PublicState = 'OPERATIONAL' | 'DEGRADED' | 'DOWN' | 'MAINTENANCE' | 'PAUSED' | 'UNKNOWN';

export interface PublicItem {
  id: string;
  label: string;
  /** "203.0.113.5 (80, 443)" when the owner chose to show it, else null. */
  address: string | null;
  state: PublicState;
  uptime: number | null;
  bars: PublicBar[];
}

export interface PublicIncident {
  /** Labels of the page's hosts it touched. */
  items: string[];
  openedAt: Date;
  resolvedAt: Date | null;
  note: string | null;
}

export interface PublicPage {
  id: string;
  slug: string;
  title: string;
  description: string | null;
  language: Language;
  timeZone: string;
  state: PublicState;
  items: PublicItem[];
  incidents: PublicIncident[];
  generatedAt: Date;
  /** Not shown: which monitors the page depends on (cache invalidation). */
  monitorIds: string[];
  /** Not shown: each item's shown ports and their phases (a phase change is applied in memory: patchPhase). */
  portPhases: ItemPhases[];
}

interface ItemPhases {
  itemId: string;
  monitorId: string;
  paused: boolean;
  ports: { port: number; phase: string; flapping: boolean }[];
}

const DOWN_PHASES = new Set(['DOWN', 'RECOVERING']);

function itemState(phases: string[], flapping: boolean[], paused: boolean): PublicState {
  if (paused) return 'PAUSED';
  if (phases.length === 0) return 'UNKNOWN';
  const down = phases.filter((p) => DOWN_PHASES.has(p)).length;
  if (down === phases.length) return 'DOWN';
  if (down > 0 || flapping.some(Boolean)) return 'DEGRADED';
  if (phases.every((p) => p === 'MAINTENANCE')) return 'MAINTENANCE';
  if (phases.some((p) => p === 'UNKNOWN')) return phases.every((p) => p === 'UNKNOWN') ? 'UNKNOWN' : 'OPERATIONAL';
  return 'OPERATIONAL';
}

/** The page's headline: the worst of its hosts (maintenance and pauses do not make it worse). */
export function overallState(states: PublicState[]): PublicState {
  if (states.length === 0) return 'UNKNOWN';
  if (states.includes('DOWN')) return states.every((s) => s === 'DOWN') ? 'DOWN' : 'DEGRADED';
  if (states.includes('DEGRADED')) return 'DEGRADED';
  if (states.includes('OPERATIONAL')) return 'OPERATIONAL';
  if (states.includes('MAINTENANCE')) return 'MAINTENANCE';
  return states.includes('PAUSED') ? 'PAUSED' : 'UNKNOWN';
}

/**
 * `previous`: the view this one replaces after a port's phase change (no incident event): its
 * uptime and strips are kept (a phase change alone does not alter them), so only the states,
 * incidents and the page are re-read.
 */
export async function loadPublicPage(
  deps: ServiceDeps,
  slug: string,
  previous?: PublicPage | null,
): Promise<PublicPage | null> {
  // same query for an unknown and an unpublished page: the answer cannot tell them apart
  const page = await deps.prisma.statusPage.findUnique({
    where: { slug: slugShaped(slug) ? slug : '' },
    include: {
      items: {
        orderBy: { position: 'asc' },
        include: {
          monitor: {
            select: { id: true, host: true, ports: true, pausedAt: true, deletedAt: true, portStates: true },
          },
        },
      },
    },
  });
  if (!page?.published) return null;
  const now = deps.now();
  const items = page.items.filter((i) => i.monitor.deletedAt === null);
  const shownPorts = (i: (typeof items)[number]) =>
    i.ports.length ? i.ports.filter((p) => i.monitor.ports.includes(p)) : i.monitor.ports;
  const since = new Date(now.getTime() - RECENT_DAYS * 86_400_000);
  const kept =
    previous && previous.id === page.id && items.every((i) => previous.items.some((p) => p.id === i.id))
      ? new Map(previous.items.map((p) => [p.id, { uptime: p.uptime, bars: p.bars }]))
      : null;
  const [availability, incidents] = await Promise.all([
    kept ??
      itemAvailability(
        deps,
        items.map((i) => ({ key: i.id, monitorId: i.monitorId, ports: i.ports })),
        STRIP_DAYS,
        page.timeZone,
        now,
      ),
    items.length
      ? deps.prisma.incident.findMany({
          where: {
            kind: 'HOST_DOWN',
            monitorId: { in: items.map((i) => i.monitorId) },
            OR: [{ resolvedAt: null }, { resolvedAt: { gte: since } }],
          },
          select: {
            monitorId: true,
            ports: true,
            openedAt: true,
            resolvedAt: true,
            publicNote: { select: { body: true } },
          },
          orderBy: { openedAt: 'desc' },
          take: MAX_INCIDENTS * 4,
        })
      : Promise.resolve([]),
  ]);
  const phases: ItemPhases[] = [];
  const publicItems: PublicItem[] = items.map((i) => {
    const ports = shownPorts(i);
    const live = deps.probe?.status(i.monitorId) ?? null;
    const states = ports.map((port) => {
      const l = live?.find((s) => s.port === port);
      if (l) return { phase: l.phase, flapping: l.flap?.flapping === true };
      const s = i.monitor.portStates.find((p) => p.port === port);
      return { phase: s?.phase ?? 'UNKNOWN', flapping: s?.flapping === true };
    });
    phases.push({
      itemId: i.id,
      monitorId: i.monitorId,
      paused: i.monitor.pausedAt !== null,
      ports: ports.map((port, k) => ({ port, phase: states[k]!.phase, flapping: states[k]!.flapping })),
    });
    const a = availability.get(i.id);
    return {
      id: i.id,
      label: i.label,
      address: i.showAddress ? `${i.monitor.host} (${ports.join(', ')})` : null,
      state: itemState(
        states.map((s) => s.phase),
        states.map((s) => s.flapping),
        i.monitor.pausedAt !== null,
      ),
      uptime: a?.uptime ?? null,
      bars: a?.bars ?? [],
    };
  });
  const byMonitor = new Map(items.map((i) => [i.monitorId, i]));
  const publicIncidents: PublicIncident[] = [];
  for (const inc of incidents) {
    const item = inc.monitorId ? byMonitor.get(inc.monitorId) : undefined;
    if (!item) continue;
    // a host shown with some ports: only incidents of those ports
    if (item.ports.length && !inc.ports.some((p) => item.ports.includes(p))) continue;
    publicIncidents.push({
      items: [item.label],
      openedAt: inc.openedAt,
      resolvedAt: inc.resolvedAt,
      note: inc.publicNote?.body ?? null,
    });
  }
  publicIncidents.sort(
    (a, b) =>
      Number(a.resolvedAt !== null) - Number(b.resolvedAt !== null) || b.openedAt.getTime() - a.openedAt.getTime(),
  );
  return {
    id: page.id,
    slug: page.slug,
    title: page.title,
    description: page.description,
    language: page.language,
    timeZone: page.timeZone,
    state: overallState(publicItems.map((i) => i.state)),
    items: publicItems,
    incidents: publicIncidents.slice(0, MAX_INCIDENTS),
    generatedAt: now,
    monitorIds: items.map((i) => i.monitorId),
    portPhases: phases,
  };
}

/**
 * The view after one port's phase change, without a read: the items showing that port get their
 * state again from their ports' phases (as loadPublicPage decides it), the headline follows.
 * Incidents, uptime and strips are unchanged (an incident's change is an event of its own, which
 * re-reads the page). null when the page does not show that port (nothing to change).
 */
export function patchPhase(
  view: PublicPage,
  change: { monitorId: string; port: number; phase: string; flapping: boolean },
  now: Date,
): PublicPage | null {
  let touched = false;
  const portPhases = view.portPhases.map((ip) => {
    if (ip.monitorId !== change.monitorId || !ip.ports.some((p) => p.port === change.port)) return ip;
    touched = true;
    return {
      ...ip,
      ports: ip.ports.map((p) =>
        p.port === change.port ? { port: p.port, phase: change.phase, flapping: change.flapping } : p,
      ),
    };
  });
  if (!touched) return null;
  const byItem = new Map(portPhases.map((ip) => [ip.itemId, ip]));
  const items = view.items.map((it) => {
    const ip = byItem.get(it.id);
    if (!ip || ip.monitorId !== change.monitorId) return it;
    return {
      ...it,
      state: itemState(
        ip.ports.map((p) => p.phase),
        ip.ports.map((p) => p.flapping),
        ip.paused,
      ),
    };
  });
  return {
    ...view,
    items,
    state: overallState(items.map((i) => i.state)),
    portPhases,
    generatedAt: now,
  };
}
