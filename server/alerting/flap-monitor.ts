/**
 * One monitor with the flapping rule: the composition of monitor.ts (port machine, maintenance,
 * host incident) and the flapping detector (flapping.ts). With no port flapping it emits exactly
 * what `evaluate` of monitor.ts emits (a property test holds it to that).
 *
 * The host's incident counts a port as "down" when it is DOWN/RECOVERING (port.ts) or FLAPPING.
 * So a flapping port opens the host's one incident (or joins it), a port that goes DOWN while
 * flapping is already in it (no second message), and it leaves the incident when neither holds.
 *
 *  event on port p                        | p counted before | host event                | host action
 *  ---------------------------------------+------------------+---------------------------+------------------------------
 *  PORT_DOWN (consecutive rule)           | no               | PORT_DOWN                 | OPEN_INCIDENT / ADD_PORT
 *  PORT_DOWN                              | yes (flapping)   | none                      | none: already in the incident
 *  PORT_UP (recovered), still flapping    | yes              | none                      | none: stays until stable
 *  PORT_UP, not flapping after the check  | yes              | PORT_UP                   | REMOVE_PORT / RESOLVE_INCIDENT
 *                                         |                  |                           |   {RECOVERED}
 *  FLAP_START                             | no               | PORT_DOWN                 | OPEN_INCIDENT / ADD_PORT
 *  FLAP_START                             | yes (DOWN)       | none                      | none (the incident is marked
 *                                         |                  |                           |   flapping by the caller)
 *  FLAP_END, p not DOWN/RECOVERING        | yes              | PORT_UP                   | REMOVE_PORT / RESOLVE_INCIDENT
 *                                         |                  |                           |   {STABLE}: "stopped flapping"
 *  FLAP_END, p DOWN (W failures)          | yes              | none                      | none: the outage carries on
 *
 * FLAP_START / FLAP_END come out tagged with their port after the port's own actions and
 * before the host action they cause. alertsHeld holds a flapping start like a DOWN (host.ts).
 * A port in UNKNOWN (new, resumed, reset after a guard hold) starts its flap window afresh.
 */
import type { HostAction, PortAction, PortPhase, PortState, Transition } from './types.ts';
import { evaluatePort, isIncidentPhase } from './port.ts';
import { evaluateHost, reconcileHost } from './host.ts';
import { isInMaintenance } from './maintenance.ts';
import {
  evaluateFlap,
  initialFlapState,
  quietFlapNext,
  type FlapAction,
  type FlapPolicy,
  type FlapState,
} from './flapping.ts';
import { withPort } from './port-record.ts';
import {
  releaseHeld,
  type MonitorAction,
  type MonitorAlertState,
  type MonitorCheck,
  type MonitorPolicy,
} from './monitor.ts';

export interface FlapMonitorPolicy extends MonitorPolicy {
  flapping: FlapPolicy;
}

export type FlapMonitorAction = MonitorAction | (FlapAction & { port: number });

type Step = Transition<MonitorAlertState, FlapMonitorAction>;

/** The port's flap state as it counts now (a fresh or paused port has none). */
export function currentFlap(ps: PortState): FlapState {
  if (ps.phase === 'UNKNOWN' || ps.phase === 'PAUSED' || ps.flap === undefined) return initialFlapState();
  return ps.flap;
}

export function isFlapping(ps: PortState): boolean {
  return currentFlap(ps).flapping;
}

/** Whether the host's incident counts this port: DOWN/RECOVERING or FLAPPING. */
export function countsAsDown(ps: PortState): boolean {
  return isIncidentPhase(ps.phase) || isFlapping(ps);
}

/** Phases as reconcileHost sees them: a flapping port counts as DOWN. */
export function flapAwarePhases(state: MonitorAlertState): Record<number, PortPhase> {
  const phases: Record<number, PortPhase> = {};
  for (const [port, ps] of Object.entries(state.ports)) {
    phases[Number(port)] = isFlapping(ps) && !isIncidentPhase(ps.phase) ? 'DOWN' : ps.phase;
  }
  return phases;
}

function stable(actions: HostAction[]): HostAction[] {
  return actions.map((a) => {
    if (a.type === 'REMOVE_PORT' && a.reason === 'RECOVERED') return { ...a, reason: 'STABLE' };
    if (a.type === 'RESOLVE_INCIDENT' && a.reason === 'RECOVERED') return { ...a, reason: 'STABLE' };
    return a;
  });
}

export function evaluateWithFlapping(
  state: MonitorAlertState,
  check: MonitorCheck,
  policy: FlapMonitorPolicy,
  now: number,
): Step {
  const current = state.ports[check.port];
  if (state.paused || current === undefined) return { next: state, actions: [] };

  const inMaintenance = isInMaintenance(policy.maintenance, now);
  const portStep = evaluatePort(current, check.result, policy, { now, inMaintenance });
  const flapBefore = currentFlap(current);
  const flapStep = evaluateFlap(flapBefore, check.result.ok, policy.flapping, {
    now,
    inMaintenance,
    portInIncident: isIncidentPhase(portStep.next.phase),
  });
  const flapAfter = flapStep.next.flapping;
  const hostCtx = { now, alertsHeld: check.alertsHeld };

  const actions: FlapMonitorAction[] = [];
  let host = state.host;
  let counted = isIncidentPhase(current.phase) || flapBefore.flapping;
  const feed = (event: 'PORT_DOWN' | 'PORT_UP', why: 'RECOVERED' | 'STABLE') => {
    const step = evaluateHost(host, { port: check.port, action: event }, hostCtx);
    host = step.next;
    actions.push(...(why === 'STABLE' ? stable(step.actions) : step.actions));
    counted = event === 'PORT_DOWN';
  };

  for (const action of portStep.actions as PortAction[]) {
    actions.push({ ...action, port: check.port });
    if (action.type === 'PORT_DOWN' && !counted) feed('PORT_DOWN', 'RECOVERED');
    if (action.type === 'PORT_UP' && !flapAfter) feed('PORT_UP', 'RECOVERED');
  }
  for (const action of flapStep.actions) {
    actions.push({ ...action, port: check.port });
    if (action.type === 'FLAP_START' && !counted) feed('PORT_DOWN', 'RECOVERED');
    if (action.type === 'FLAP_END' && counted && !isIncidentPhase(portStep.next.phase)) feed('PORT_UP', 'STABLE');
  }

  // evaluatePort returns a fresh object (the input only for PAUSED, excluded above): setting the
  // field on it is ~15× cheaper than spreading it into another object (bench:flapping)
  const nextPort: PortState =
    portStep.next === current
      ? { ...current, flap: flapStep.next }
      : Object.assign(portStep.next, { flap: flapStep.next });
  const next: MonitorAlertState = { ...state, ports: withPort(state.ports, check.port, nextPort), host };
  if (check.alertsHeld || nextPort.phase !== 'DOWN' || !host.heldPorts.includes(check.port)) return { next, actions };
  // a port left pending when a guard hold ended (it had answered since) failed again: announce it (monitor.ts releaseHeld)
  const released = releaseHeld(next, now, false, flapAwarePhases(next));
  return { next: released.next, actions: [...actions, ...released.actions] };
}

/**
 * The port's flap window after this check when the check changes nothing but the port's own
 * figures, else null: the port is UP, the check succeeded, flapping is enabled and its window holds
 * no failure (quietFlapNext), and no maintenance window is open. evaluateWithFlapping then emits no
 * action and changes only that port, to `steadyPort` (a property test holds it to that); the probe
 * applies such checks in place, without building the monitor's state.
 */
export function steadyFlap(
  phase: PortPhase,
  flap: FlapState | undefined,
  ok: boolean,
  policy: FlapMonitorPolicy,
  now: number,
): FlapState | null {
  if (!ok || phase !== 'UP') return null;
  const next = quietFlapNext(flap, ok, policy.flapping);
  return next !== null && !isInMaintenance(policy.maintenance, now) ? next : null;
}

/** The port after a steady check (steadyFlap): its counters moved and its flap window took the success. */
export function steadyPort(current: PortState, latencyMs: number, now: number, policy: FlapMonitorPolicy): PortState {
  const flap = quietFlapNext(current.flap, true, policy.flapping);
  if (!flap) throw new Error('steadyPort: not a steady check (steadyFlap)');
  return {
    ...current,
    consecutiveFailures: 0,
    consecutiveSuccesses: current.consecutiveSuccesses + 1,
    lastCheckAt: now,
    lastOk: true,
    lastLatencyMs: latencyMs,
    flap,
  };
}

/** reconcileMonitor with flapping ports counted as down (after a restore). */
export function reconcileWithFlapping(state: MonitorAlertState, now: number, alertsHeld: boolean): Step {
  if (state.paused) return { next: state, actions: [] };
  const step = reconcileHost(state.host, flapAwarePhases(state), { now, alertsHeld });
  return { next: { ...state, host: step.next }, actions: step.actions };
}
