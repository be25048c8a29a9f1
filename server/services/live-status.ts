// Current port status for live subscriptions: the probe's memory when this process probes the
// monitor, the persisted PortState otherwise. Tenancy: customers see only their own monitors.
import type { PortStatusEvent } from './events.ts';
import { flapStatusFromRow } from './monitoring/flapping.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export async function currentPortStatus(deps: ServiceDeps, viewer: Viewer, monitorId: string | null): Promise<PortStatusEvent[]> {
  const monitors = await deps.prisma.monitor.findMany({
    where: {
      deletedAt: null,
      ...(viewer.role === 'ADMIN' ? {} : { accountId: viewer.accountId }),
      ...(monitorId ? { id: monitorId } : {}),
    },
    select: { id: true, accountId: true, host: true, ports: true, portStates: true },
    take: 5_000,
  });
  const out: PortStatusEvent[] = [];
  for (const m of monitors) {
    const live = deps.probeStatus?.(m.id);
    if (live) {
      out.push(...live);
      continue;
    }
    const saved = new Map(m.portStates.map((p) => [p.port, p]));
    for (const port of m.ports) {
      const s = saved.get(port);
      out.push({
        monitorId: m.id, accountId: m.accountId, host: m.host, port, phase: s?.phase ?? 'UNKNOWN', since: s?.since ?? new Date(0),
        lastCheckAt: s?.lastCheckAt ?? null, lastOk: s?.lastOk ?? null, lastLatencyMs: s?.lastLatencyMs ?? null,
        lastErrorCode: s?.lastErrorCode ?? null, lastErrorMessage: s?.lastErrorMessage ?? null,
        ...(s ? { flap: flapStatusFromRow(s) } : {}),
      });
    }
  }
  return out;
}

/** True when the viewer may watch this monitor (its owner, or an admin). */
export async function canWatchMonitor(deps: ServiceDeps, viewer: Viewer, monitorId: string): Promise<boolean> {
  if (viewer.role === 'ADMIN') return (await deps.prisma.monitor.count({ where: { id: monitorId } })) > 0;
  return (await deps.prisma.monitor.count({ where: { id: monitorId, accountId: viewer.accountId } })) > 0;
}
