// One vocabulary for a port's status on the client, all from the API's schema (codegen):
// a port's phase (PortPhase), its host's (HostPhase), whether the prober is checking the
// monitor (MonitorHealth), and the one shape a port's status has on screen (PortStatus, the
// fragment PortStatusFields of client/lib/graphql/monitors.graphql, overlaid by live events).
import type { CheckResultsSubscription, HostPhase, MonitorHealth, PortPhase, PortStatusFieldsFragment } from './api';

export type { HostPhase, MonitorHealth, PortPhase };
export type PortStatus = PortStatusFieldsFragment;
/** One check of a port, as the checkResults subscription reports it. */
export type PortCheck = CheckResultsSubscription['checkResults'];

export interface MonitorHealthView {
  state: MonitorHealth;
  lastCheckAt: string | null;
  delayedSince: string | null;
}

interface HealthInput {
  deleted: boolean;
  paused: boolean;
  status: { state: MonitorHealth; delayedSince: string | null };
  policy: { intervalSec: number; timeoutMs: number };
}

/**
 * The monitor's health with the freshest check seen (the query's, or a live event's): a check
 * newer than 2 × interval + timeout means NORMAL, an older one DELAYED; with no check yet, what
 * the server said.
 */
export function liveHealth(m: HealthInput, lastCheckAt: string | null, nowMs: number): MonitorHealthView {
  if (m.deleted) return { state: 'DELETED', lastCheckAt, delayedSince: null };
  if (m.paused) return { state: 'PAUSED', lastCheckAt, delayedSince: null };
  if (!lastCheckAt) return { state: m.status.state, lastCheckAt, delayedSince: m.status.delayedSince };
  const late = nowMs - Date.parse(lastCheckAt) > (2 * m.policy.intervalSec + m.policy.timeoutMs / 1000) * 1000;
  return late
    ? { state: 'DELAYED', lastCheckAt, delayedSince: m.status.delayedSince ?? lastCheckAt }
    : { state: 'NORMAL', lastCheckAt, delayedSince: null };
}
