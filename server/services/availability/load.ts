// Reads what the availability needs for some monitors over a range, in four queries whatever
// the number of monitors: the monitors (with their maintenance windows), their host incidents
// overlapping the range, the prober's own outages (PROBE_DEGRADED) overlapping it, and, per
// port, the first and last failed check of each port in each incident (the failure runs).
//
// Per port: a port's part of an incident runs from its first failed check in the incident to
// the incident's end when the port was still down then (it is listed on the incident), else to
// its last failed check (it recovered and left the incident earlier). A listed port without
// failure runs (removed by retention) counts from the incident's open.
//
// Callers pass monitor ids they are allowed to read (tenancy is the caller's: see index.ts).
import type { ServiceDeps } from '../types.ts';
import type { IncidentSpan, MonitorHistory, PortSpan } from './compute.ts';
import { maintenanceSpans } from './maintenance.ts';
import { type Span, union } from './spans.ts';

/** What an incident's cause is called when it has no error text. */
export function causeOf(i: { reason: string | null; flapping: boolean }): string {
  if (i.reason) return i.reason;
  return i.flapping ? 'FLAPPING' : 'UNKNOWN';
}

/** Monitors per load: a bound on each statement's parameters (PostgreSQL takes 65,535 at most). */
export const LOAD_CHUNK = 5_000;

export async function loadHistories(
  deps: Pick<ServiceDeps, 'prisma'>,
  monitorIds: readonly string[],
  range: Span,
  now: number,
  perPort: boolean,
): Promise<MonitorHistory[]> {
  if (monitorIds.length === 0) return [];
  const ids = [...new Set(monitorIds)];
  if (ids.length > LOAD_CHUNK) {
    // a customer with tens of thousands of hosts (its monthly report): one chunk after the other
    const out: MonitorHistory[] = [];
    for (let k = 0; k < ids.length; k += LOAD_CHUNK)
      out.push(...(await loadHistories(deps, ids.slice(k, k + LOAD_CHUNK), range, now, perPort)));
    return out;
  }
  const overlaps = {
    openedAt: { lt: new Date(range.to) },
    OR: [{ resolvedAt: null }, { resolvedAt: { gt: new Date(range.from) } }],
  };
  const [monitors, incidents, degraded] = await Promise.all([
    deps.prisma.monitor.findMany({
      where: { id: { in: ids } },
      select: {
        id: true,
        ports: true,
        createdAt: true,
        pausedAt: true,
        deletedAt: true,
        maintenance: {
          select: {
            kind: true,
            startsAt: true,
            endsAt: true,
            weekday: true,
            startMinute: true,
            durationMin: true,
            timeZone: true,
          },
        },
      },
    }),
    deps.prisma.incident.findMany({
      where: { kind: 'HOST_DOWN', monitorId: { in: ids }, ...overlaps },
      select: {
        id: true,
        monitorId: true,
        ports: true,
        reason: true,
        flapping: true,
        openedAt: true,
        resolvedAt: true,
      },
      orderBy: { openedAt: 'asc' },
    }),
    deps.prisma.incident.findMany({
      where: { kind: 'PROBE_DEGRADED', ...overlaps },
      select: { openedAt: true, resolvedAt: true },
    }),
  ]);
  const runs =
    perPort && incidents.length > 0
      ? await deps.prisma.failureRun.groupBy({
          by: ['incidentId', 'port'],
          where: { incidentId: { in: incidents.map((i) => i.id) } },
          _min: { firstAt: true },
          _max: { lastAt: true },
        })
      : [];
  const runsOf = new Map<string, { port: number; first: number; last: number }[]>();
  for (const r of runs) {
    if (!r.incidentId || !r._min.firstAt || !r._max.lastAt) continue;
    let list = runsOf.get(r.incidentId);
    if (!list) runsOf.set(r.incidentId, (list = []));
    list.push({ port: r.port, first: r._min.firstAt.getTime(), last: r._max.lastAt.getTime() });
  }
  const held = union(degraded.map((d) => ({ from: d.openedAt.getTime(), to: d.resolvedAt?.getTime() ?? now })));
  const byMonitor = new Map<string, IncidentSpan[]>();
  for (const i of incidents) {
    if (!i.monitorId) continue;
    const from = i.openedAt.getTime();
    const to = i.resolvedAt?.getTime() ?? Math.max(from, now);
    const ports: PortSpan[] = [];
    if (perPort) {
      const seen = runsOf.get(i.id) ?? [];
      const listed = new Set(i.ports);
      for (const r of seen) {
        const end = listed.has(r.port) ? to : Math.min(to, r.last);
        ports.push({ port: r.port, from: Math.max(from, r.first), to: Math.max(Math.max(from, r.first), end) });
      }
      for (const p of listed) if (!seen.some((r) => r.port === p)) ports.push({ port: p, from, to });
    }
    const span: IncidentSpan = {
      id: i.id,
      from,
      to,
      openedAt: i.openedAt,
      resolvedAt: i.resolvedAt,
      cause: causeOf(i),
      ports,
    };
    let list = byMonitor.get(i.monitorId);
    if (!list) byMonitor.set(i.monitorId, (list = []));
    list.push(span);
  }
  return monitors.map((m) => {
    const ends = [now, m.deletedAt?.getTime(), m.pausedAt?.getTime()].filter((t): t is number => t !== undefined);
    const life = { from: m.createdAt.getTime(), to: Math.max(m.createdAt.getTime(), Math.min(...ends)) };
    return {
      monitorId: m.id,
      ports: [...m.ports].sort((a, b) => a - b),
      life,
      incidents: byMonitor.get(m.id) ?? [],
      maintenance: maintenanceSpans(m.maintenance, range),
      held,
    };
  });
}
