// Changes that may alter a public status page, for its cache and its live viewers: a port's
// status, an incident (and its public note), or the page itself. The handler is told which
// monitor or which page changed; the caller knows which pages show which monitors.
import { ADMIN_SCOPE } from '../../events/events.ts';
import type { ServiceDeps } from '../types.ts';

export type StatusChange =
  | { kind: 'monitor'; monitorId: string; port?: number; phase?: string }
  | { kind: 'page'; pageId: string };

export function watchStatusChanges(
  deps: Pick<ServiceDeps, 'events' | 'prisma'>,
  fn: (c: StatusChange) => void,
): () => void {
  const { pubsub } = deps.events;
  const ports = pubsub.subscribe('portStatus', ADMIN_SCOPE);
  const incidents = pubsub.subscribe('incident', ADMIN_SCOPE);
  const safe = (c: StatusChange) => {
    try {
      fn(c);
    } catch {
      // one handler's failure must not end the watch
    }
  };
  const ofIncident = async (incidentId: string) => {
    const i = await deps.prisma.incident.findUnique({ where: { id: incidentId }, select: { monitorId: true } });
    if (i?.monitorId) safe({ kind: 'monitor', monitorId: i.monitorId });
  };
  const run = async <T>(it: AsyncIterable<T>, each: (e: T) => unknown) => {
    for await (const e of it) await Promise.resolve(each(e)).catch(() => {});
  };
  void run(ports, (e) =>
    safe({
      kind: 'monitor',
      monitorId: e.monitorId,
      port: e.port,
      phase: `${e.phase}${e.flap?.flapping ? ':flapping' : ''}`,
    }),
  );
  void run(incidents, (e) => ofIncident(e.incidentId));
  // this process's own changes arrive synchronously: the cache is dropped before the mutation answers
  const unwatchPages = deps.events.onStatusPageChanged((e) => {
    if (e.pageId) safe({ kind: 'page', pageId: e.pageId });
    else if (e.monitorId) safe({ kind: 'monitor', monitorId: e.monitorId });
    else if (e.incidentId) void ofIncident(e.incidentId).catch(() => {});
  });
  return () => {
    void ports.return?.();
    void incidents.return?.();
    unwatchPages();
  };
}
