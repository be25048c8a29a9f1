// Changes that may alter a public status page, for its cache and its live viewers: a port's
// status, an incident (and its public note), or the page itself. The handler is told which
// monitor or which page changed; the caller knows which pages show which monitors.
import { ADMIN_SCOPE, STATUS_PAGE_SCOPE } from '../../events/events.ts';
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
  const pages = pubsub.subscribe('statusPage', STATUS_PAGE_SCOPE);
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
  void run(pages, (e) =>
    e.pageId ? safe({ kind: 'page', pageId: e.pageId }) : e.incidentId && ofIncident(e.incidentId),
  );
  return () => {
    void ports.return?.();
    void incidents.return?.();
    void pages.return?.();
  };
}
