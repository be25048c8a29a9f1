/**
 * Host-level incident aggregation (pure): one incident per host (monitor), not per port.
 * Input: the PORT_DOWN / PORT_UP actions of the port machine, in order.
 *
 *  state                     | event / call          | condition            | next                          | actions
 *  --------------------------+-----------------------+----------------------+-------------------------------+------------------------------
 *  no incident               | PORT_DOWN p           | !held                | open, down=[p]                | OPEN_INCIDENT {ports:[p]}
 *  incident open             | PORT_DOWN p           | !held                | down += p                     | ADD_PORT {p}
 *  any                       | PORT_DOWN p           | alertsHeld           | heldPorts += p                | none (pending)
 *  any                       | PORT_DOWN p           | p already down/held  | unchanged                     | none (idempotent)
 *  open, down=[p]            | PORT_UP p             |                      | closed, down=[]               | RESOLVE_INCIDENT {RECOVERED}
 *  open, down ⊋ [p]          | PORT_UP p             |                      | down −= p                     | REMOVE_PORT {p, RECOVERED}
 *  p ∈ heldPorts             | PORT_UP p             |                      | heldPorts −= p                | none (pending alert dropped)
 *  p unknown                 | PORT_UP p             |                      | unchanged                     | none (idempotent)
 *  any                       | removePort p          | p ∈ down             | as PORT_UP, reason REMOVED    | REMOVE_PORT {REMOVED} or
 *                            |                       |                      |                               |   RESOLVE_INCIDENT {PORTS_REMOVED}
 *  any                       | closeHost reason      | monitor paused/gone  | initial (held dropped)        | RESOLVE_INCIDENT {reason} if open
 *  any                       | reevaluateHeld phases | guard cleared        | = reconcileHost               | see reconcileHost
 *
 * Decisions:
 *  - The hold (probe degraded) only stops *bad news*: OPEN_INCIDENT and ADD_PORT. A success
 *    is trustworthy even from a degraded prober, so recoveries (REMOVE_PORT / RESOLVE_INCIDENT)
 *    of already-announced ports still go out during a hold.
 *  - When the hold clears, held ports are re-evaluated against the ports' current phases:
 *    a port still DOWN or RECOVERING (no PORT_UP yet) is announced — all of them in one
 *    OPEN_INCIDENT when no incident is open, so the customer gets one message naming them
 *    all — and the others are dropped silently. RECOVERING counts as still down so that the
 *    rule "host counts p as down ⇔ p is DOWN/RECOVERING" keeps holding: otherwise a port
 *    that relapses RECOVERING → DOWN (which emits no PORT_DOWN) would never alert.
 *  - A paused or deleted monitor resolves its open incident (reason MONITOR_PAUSED /
 *    MONITOR_DELETED: not a "recovered" message) and forgets held ports.
 */
import type { HostAction, HostContext, HostEvent, HostState, PortPhase, ResolveReason, Transition } from './types.ts';
import { isIncidentPhase } from './port.ts';

type HostStep = Transition<HostState, HostAction>;

export function initialHostState(): HostState {
  return { incidentOpen: false, downPorts: [], held: false, heldPorts: [] };
}

const byNumber = (a: number, b: number): number => a - b;

function insertSorted(list: readonly number[], port: number): number[] {
  return [...list, port].sort(byNumber);
}

function without(list: readonly number[], port: number): number[] {
  return list.filter((p) => p !== port);
}

function withHeld(state: HostState, heldPorts: number[]): HostState {
  return { ...state, heldPorts, held: heldPorts.length > 0 };
}

/** `port` leaves the announced incident: REMOVE_PORT, or RESOLVE_INCIDENT if it was the last one. */
function leave(state: HostState, port: number, why: 'RECOVERED' | 'REMOVED'): HostStep {
  const downPorts = without(state.downPorts, port);
  if (downPorts.length > 0) {
    return { next: { ...state, downPorts }, actions: [{ type: 'REMOVE_PORT', port, reason: why }] };
  }
  const reason: ResolveReason = why === 'RECOVERED' ? 'RECOVERED' : 'PORTS_REMOVED';
  return { next: { ...state, downPorts, incidentOpen: false }, actions: [{ type: 'RESOLVE_INCIDENT', reason }] };
}

export function evaluateHost(state: HostState, event: HostEvent, ctx: HostContext): HostStep {
  const { port } = event;
  const isDown = state.downPorts.includes(port);
  const isHeld = state.heldPorts.includes(port);

  if (event.action === 'PORT_DOWN') {
    if (isDown || isHeld) return { next: state, actions: [] };
    if (ctx.alertsHeld) return { next: withHeld(state, insertSorted(state.heldPorts, port)), actions: [] };
    if (!state.incidentOpen) {
      return {
        next: { ...state, incidentOpen: true, downPorts: [port] },
        actions: [{ type: 'OPEN_INCIDENT', ports: [port] }],
      };
    }
    return {
      next: { ...state, downPorts: insertSorted(state.downPorts, port) },
      actions: [{ type: 'ADD_PORT', port }],
    };
  }

  if (isHeld) return { next: withHeld(state, without(state.heldPorts, port)), actions: [] };
  if (!isDown) return { next: state, actions: [] };
  return leave(state, port, 'RECOVERED');
}

/** A port was removed from the monitor (its checks stop); it leaves the incident without recovering. */
export function removePort(state: HostState, port: number, _ctx: HostContext): HostStep {
  if (state.heldPorts.includes(port)) return { next: withHeld(state, without(state.heldPorts, port)), actions: [] };
  if (!state.downPorts.includes(port)) return { next: state, actions: [] };
  return leave(state, port, 'REMOVED');
}

/** The monitor was paused or deleted: resolve an open incident (not a recovery) and forget everything. */
export function closeHost(state: HostState, reason: 'MONITOR_PAUSED' | 'MONITOR_DELETED', _ctx: HostContext): HostStep {
  const actions: HostAction[] = state.incidentOpen ? [{ type: 'RESOLVE_INCIDENT', reason }] : [];
  return { next: initialHostState(), actions };
}

/**
 * Bring the host in line with the ports' phases: the ports that must count as down are
 * exactly those in phase DOWN or RECOVERING. `phases` must list every port of the host
 * (a missing port counts as removed). Removals first (RESOLVE_INCIDENT when the last
 * announced port is gone), then additions: held in `heldPorts` while `ctx.alertsHeld`,
 * otherwise announced (one OPEN_INCIDENT naming them all, or one ADD_PORT each).
 * Also the repair tool after a restart whose persisted port and host states disagree.
 */
export function reconcileHost(
  state: HostState,
  phases: Readonly<Record<number, PortPhase>>,
  ctx: HostContext,
): HostStep {
  const desired = Object.entries(phases)
    .filter(([, phase]) => isIncidentPhase(phase))
    .map(([port]) => Number(port))
    .sort(byNumber);
  const actions: HostAction[] = [];

  // Ports only count as announced while an incident is open (repairs an inconsistent restore).
  const announced = state.incidentOpen ? state.downPorts : [];
  const gone = announced.filter((p) => !desired.includes(p));
  const downPorts = announced.filter((p) => desired.includes(p));
  let incidentOpen = state.incidentOpen;
  // An open incident with no recorded ports (inconsistent restore) takes the new ports in.
  const refill = state.incidentOpen && gone.length === 0 && desired.length > 0 && !ctx.alertsHeld;
  if (incidentOpen && downPorts.length === 0 && !refill) {
    const allRemoved = gone.length > 0 && gone.every((p) => phases[p] === undefined);
    actions.push({ type: 'RESOLVE_INCIDENT', reason: allRemoved ? 'PORTS_REMOVED' : 'RECOVERED' });
    incidentOpen = false;
  } else {
    for (const port of gone) {
      actions.push({ type: 'REMOVE_PORT', port, reason: phases[port] === undefined ? 'REMOVED' : 'RECOVERED' });
    }
  }

  const fresh = desired.filter((p) => !downPorts.includes(p));
  if (ctx.alertsHeld) {
    const next: HostState = { incidentOpen, downPorts, held: fresh.length > 0, heldPorts: fresh };
    return { next, actions };
  }
  if (fresh.length > 0 && !incidentOpen) {
    actions.push({ type: 'OPEN_INCIDENT', ports: fresh });
    return { next: { incidentOpen: true, downPorts: fresh, held: false, heldPorts: [] }, actions };
  }
  for (const port of fresh) actions.push({ type: 'ADD_PORT', port });
  const all = [...downPorts, ...fresh].sort(byNumber);
  return { next: { incidentOpen: all.length > 0, downPorts: all, held: false, heldPorts: [] }, actions };
}

/**
 * Call when the guard clears (GuardAction RECOVERED) for every host with `state.held`:
 * announces held ports that are still down, drops those that recovered (see reconcileHost).
 * While alerts are still held it changes nothing.
 */
export function reevaluateHeld(
  state: HostState,
  currentPortPhases: Readonly<Record<number, PortPhase>>,
  ctx: HostContext,
): HostStep {
  if (ctx.alertsHeld) return { next: state, actions: [] };
  return reconcileHost(state, currentPortPhases, ctx);
}
