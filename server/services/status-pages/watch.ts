// Changes that may alter a public status page, for its cache and its live viewers: a port's
// status, an incident (and its public note), or the page itself. The handler is told which
// monitor or which page changed; the caller knows which pages show which monitors.
import { ADMIN_SCOPE, type IncidentEvent, type PortStatusEvent } from '../../events/events.ts';
import type { ServiceDeps } from '../types.ts';

export type StatusChange =
  | { kind: 'monitor'; monitorId: string; port?: number; phase?: string }
  | { kind: 'page'; pageId: string };

export function watchStatusChanges(
  deps: Pick<ServiceDeps, 'events' | 'prisma'>,
  fn: (c: StatusChange) => void,
): () => void {
  const { live } = deps.events;
  const safe = (c: StatusChange) => {
    try {
      fn(c);
    } catch {
      // one handler's failure must not end the watch
    }
  };
  // an incident's monitor is read one incident at a time (a burst of a thousand incidents must
  // not take a thousand pooled connections at once); each id once while it waits
  const waiting = new Set<string>();
  let reads: Promise<void> = Promise.resolve();
  const ofIncident = (incidentId: string) => {
    if (waiting.has(incidentId)) return;
    waiting.add(incidentId);
    reads = reads.then(async () => {
      waiting.delete(incidentId);
      try {
        const i = await deps.prisma.incident.findUnique({ where: { id: incidentId }, select: { monitorId: true } });
        if (i?.monitorId) safe({ kind: 'monitor', monitorId: i.monitorId });
      } catch {
        // the database is away: the page's entry still ends with its TTL
      }
    });
  };
  // listeners called in the publisher's step (events/live-hub.ts listen): no queue that a burst of
  // port changes could overflow
  const unwatchPorts = live.listen<PortStatusEvent>('portStatus', ADMIN_SCOPE, (e) =>
    safe({
      kind: 'monitor',
      monitorId: e.monitorId,
      port: e.port,
      phase: `${e.phase}${e.flap?.flapping ? ':flapping' : ''}`,
    }),
  );
  const unwatchIncidents = live.listen<IncidentEvent>('incident', ADMIN_SCOPE, (e) => ofIncident(e.incidentId));
  // this process's own changes arrive synchronously: the cache is dropped before the mutation answers
  const unwatchPages = deps.events.onStatusPageChanged((e) => {
    if (e.pageId) safe({ kind: 'page', pageId: e.pageId });
    else if (e.monitorId) safe({ kind: 'monitor', monitorId: e.monitorId });
    else if (e.incidentId) ofIncident(e.incidentId);
  });
  return () => {
    unwatchPorts();
    unwatchIncidents();
    unwatchPages();
  };
}
