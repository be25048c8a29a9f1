// "Alerts held: the prober is checking its own connectivity": a port of the monitor went DOWN
// while the prober's self-outage guard held customer alerts (server/alerting/guard.ts). The
// process that probes the monitor knows it exactly; another process infers it from the database
// (a port DOWN or RECOVERING, no open incident for the monitor, a PROBE_DEGRADED incident open).
import type { ServiceDeps } from './types.ts';

export const ALERTS_HELD_TEXT = 'alerts held: the prober is checking its own connectivity';

export async function monitorAlertsHeld(
  deps: Pick<ServiceDeps, 'prisma' | 'probe'>,
  m: { id: string; pausedAt: Date | null; deletedAt: Date | null; portStates: { phase: string }[] },
): Promise<boolean> {
  if (m.pausedAt || m.deletedAt) return false;
  const live = deps.probe?.status(m.id);
  if (live) return live.some((e) => e.alertsHeld === true);
  if (!m.portStates.some((p) => p.phase === 'DOWN' || p.phase === 'RECOVERING')) return false;
  const [open, degraded] = await Promise.all([
    deps.prisma.incident.count({ where: { monitorId: m.id, kind: 'HOST_DOWN', resolvedAt: null } }),
    deps.prisma.incident.count({ where: { kind: 'PROBE_DEGRADED', resolvedAt: null } }),
  ]);
  return open === 0 && degraded > 0;
}
