/**
 * One monitor (a host and its ports) as a single pure value: the composition of the port
 * machine (port.ts), maintenance windows (maintenance.ts) and the host incident machine
 * (host.ts). This is `evaluate(state, result, policy, now) → { next, actions }` of the design.
 *
 *  call                       | effect
 *  ---------------------------+-------------------------------------------------------------------
 *  evaluate(check)            | evaluatePort on check.port (inMaintenance from policy.maintenance),
 *                             | then its PORT_DOWN / PORT_UP through evaluateHost. A paused monitor
 *                             | or a port not in the monitor (removed; check in flight) → ignored.
 *  pauseMonitor               | every port → PAUSED; open incident → RESOLVE_INCIDENT {MONITOR_PAUSED}
 *  resumeMonitor              | every port → UNKNOWN; host starts empty
 *  deleteMonitor              | open incident → RESOLVE_INCIDENT {MONITOR_DELETED}; state emptied
 *  setMonitorPorts(ports)     | new ports → UNKNOWN (PAUSED if the monitor is paused); dropped ports
 *                             | leave the incident (REMOVE_PORT / RESOLVE_INCIDENT {PORTS_REMOVED})
 *  releaseHeld                | the hold ended (guard clear, or its limit): held ports still DOWN are
 *                             | announced (one OPEN_INCIDENT naming them all, or ADD_PORT); held ports
 *                             | that answered since (RECOVERING) stay pending until their checks
 *                             | decide: UP drops them, a failure announces them. The one release rule
 *                             | of the product (the engine calls it; evaluate announces a pending
 *                             | port that fails again once alerts are no longer held).
 *  reconcileMonitor           | after a restore: reconcileHost with the ports' phases (repairs only)
 *
 * Port actions come out tagged with their port: `{ type: 'LOG_FAILURE', port, code, message }`;
 * host actions (OPEN_INCIDENT, ADD_PORT, REMOVE_PORT, RESOLVE_INCIDENT) follow the port
 * action that caused them, in the same array.
 */
import type {
  AlertPolicy,
  CheckResult,
  HostAction,
  HostState,
  MaintenanceWindow,
  PortAction,
  PortPhase,
  PortState,
  Transition,
} from './types.ts';
import { evaluatePort, initialPortState, pausePort, resumePort } from './port.ts';
import { closeHost, evaluateHost, initialHostState, reconcileHost, reevaluateHeld, removePort } from './host.ts';
import { isInMaintenance } from './maintenance.ts';
import { portRecord, withPort } from './port-record.ts';

export interface MonitorAlertState {
  paused: boolean;
  /** Keyed by port number. */
  ports: Record<number, PortState>;
  host: HostState;
}

export interface MonitorPolicy extends AlertPolicy {
  maintenance: readonly MaintenanceWindow[];
}

export interface MonitorCheck {
  port: number;
  result: CheckResult;
  /** isHeld(guardState) at the time of the check. */
  alertsHeld: boolean;
}

export type MonitorAction = (PortAction & { port: number }) | HostAction;

type MonitorStep = Transition<MonitorAlertState, MonitorAction>;

export function initialMonitorState(ports: readonly number[], now: number, paused = false): MonitorAlertState {
  const states: Record<number, PortState> = portRecord();
  for (const port of ports) {
    const fresh = initialPortState(now);
    states[port] = paused ? { ...fresh, phase: 'PAUSED' } : fresh;
  }
  return { paused, ports: states, host: initialHostState() };
}

/** The ports' current phases, as reevaluateHeld / reconcileHost want them. */
export function portPhases(state: MonitorAlertState): Record<number, PortPhase> {
  const phases: Record<number, PortPhase> = {};
  for (const [port, ps] of Object.entries(state.ports)) phases[Number(port)] = ps.phase;
  return phases;
}

function tag(port: number, actions: readonly PortAction[]): MonitorAction[] {
  return actions.map((a) => ({ ...a, port }));
}

export function evaluate(
  state: MonitorAlertState,
  check: MonitorCheck,
  policy: MonitorPolicy,
  now: number,
): MonitorStep {
  const current = state.ports[check.port];
  if (state.paused || current === undefined) return { next: state, actions: [] };

  const inMaintenance = isInMaintenance(policy.maintenance, now);
  const portStep = evaluatePort(current, check.result, policy, { now, inMaintenance });
  const actions: MonitorAction[] = [];
  let host = state.host;
  for (const action of portStep.actions) {
    actions.push({ ...action, port: check.port });
    if (action.type === 'PORT_DOWN' || action.type === 'PORT_UP') {
      const hostStep = evaluateHost(
        host,
        { port: check.port, action: action.type },
        { now, alertsHeld: check.alertsHeld },
      );
      host = hostStep.next;
      actions.push(...hostStep.actions);
    }
  }
  const next: MonitorAlertState = { ...state, ports: withPort(state.ports, check.port, portStep.next), host };
  if (check.alertsHeld || portStep.next.phase !== 'DOWN' || !host.heldPorts.includes(check.port))
    return { next, actions };
  // a port left pending when a hold ended (it had answered since) failed again: announce it
  const released = releaseHeld(next, now, false);
  return { next: released.next, actions: [...actions, ...released.actions] };
}

export function pauseMonitor(state: MonitorAlertState, now: number): MonitorStep {
  if (state.paused) return { next: state, actions: [] };
  const ports: Record<number, PortState> = portRecord();
  const actions: MonitorAction[] = [];
  for (const [key, ps] of Object.entries(state.ports)) {
    const port = Number(key);
    const step = pausePort(ps, now);
    ports[port] = step.next;
    actions.push(...tag(port, step.actions));
  }
  const hostStep = closeHost(state.host, 'MONITOR_PAUSED', { now, alertsHeld: false });
  return { next: { paused: true, ports, host: hostStep.next }, actions: [...actions, ...hostStep.actions] };
}

export function resumeMonitor(state: MonitorAlertState, now: number): MonitorStep {
  if (!state.paused) return { next: state, actions: [] };
  const ports: Record<number, PortState> = portRecord();
  const actions: MonitorAction[] = [];
  for (const [key, ps] of Object.entries(state.ports)) {
    const port = Number(key);
    const step = resumePort(ps, now);
    ports[port] = step.next;
    actions.push(...tag(port, step.actions));
  }
  return { next: { paused: false, ports, host: initialHostState() }, actions };
}

export function deleteMonitor(state: MonitorAlertState, now: number): MonitorStep {
  const hostStep = closeHost(state.host, 'MONITOR_DELETED', { now, alertsHeld: false });
  return { next: { paused: state.paused, ports: portRecord(), host: hostStep.next }, actions: hostStep.actions };
}

/** The monitor's port list was edited: keeps existing ports' states, adds new ones, drops the rest. */
export function setMonitorPorts(state: MonitorAlertState, portList: readonly number[], now: number): MonitorStep {
  const wanted = new Set(portList);
  const ports: Record<number, PortState> = portRecord();
  const actions: MonitorAction[] = [];
  let host = state.host;
  for (const [key, ps] of Object.entries(state.ports)) {
    const port = Number(key);
    if (wanted.has(port)) {
      ports[port] = ps;
      continue;
    }
    const step = removePort(host, port, { now, alertsHeld: false });
    host = step.next;
    actions.push(...step.actions);
  }
  for (const port of wanted) {
    if (ports[port] !== undefined) continue;
    const fresh = initialPortState(now);
    ports[port] = state.paused ? { ...fresh, phase: 'PAUSED' } : fresh;
  }
  return { next: { paused: state.paused, ports, host }, actions };
}

/**
 * The hold ended: announce held ports still DOWN; keep held ports that answered since
 * (RECOVERING) pending, so that a port failed only by the prober is never announced and one
 * that fails again still is. While alerts are still held it changes nothing.
 */
export function releaseHeld(
  state: MonitorAlertState,
  now: number,
  alertsHeld: boolean,
  /** How the host counts the ports (flap-monitor.ts passes flapAwarePhases: a flapping port counts as DOWN). */
  current: Readonly<Record<number, PortPhase>> = portPhases(state),
): MonitorStep {
  if (!state.host.held || alertsHeld) return { next: state, actions: [] };
  const phases = { ...current };
  const waiting = state.host.heldPorts.filter((p) => phases[p] === 'RECOVERING');
  for (const p of waiting) phases[p] = 'UP'; // not announced now
  const step = reevaluateHeld(state.host, phases, { now, alertsHeld: false });
  const host: HostState = waiting.length > 0 ? { ...step.next, held: true, heldPorts: waiting } : step.next;
  return { next: { ...state, host }, actions: step.actions };
}

/**
 * After loading persisted port and host states (restart), make the host agree with the
 * ports (e.g. the process died between the two writes). A consistent restore emits nothing.
 */
export function reconcileMonitor(state: MonitorAlertState, now: number, alertsHeld: boolean): MonitorStep {
  if (state.paused) return { next: state, actions: [] };
  const step = reconcileHost(state.host, portPhases(state), { now, alertsHeld });
  return { next: { ...state, host: step.next }, actions: step.actions };
}
