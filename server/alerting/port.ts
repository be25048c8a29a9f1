/**
 * Per-port alert state machine (pure: no I/O, no clock; `ctx.now` is given).
 *
 * T = failureThreshold (default 3), R = recoveryThreshold (default 2), both ≥ 1.
 * f / s = consecutive failures / successes *after* counting the current check.
 * "maint" = ctx.inMaintenance (the monitor has an active maintenance window).
 * "incident family" = DOWN and RECOVERING: the port is part of its host's incident.
 *
 *  from                      | check | condition     | to             | actions (in this order)
 *  --------------------------+-------+---------------+----------------+------------------------------------
 *  any but PAUSED            | fail  |               | (see below)    | LOG_FAILURE first, always (also in
 *                            |       |               |                |   maintenance, also while DOWN)
 *  UNKNOWN, UP, MAINTENANCE  | ok    | !maint        | UP             |
 *  UNKNOWN, UP, MAINTENANCE  | fail  | !maint, f < T | SUSPECT(f)     | FAST_RETRY on
 *  UNKNOWN, UP, MAINTENANCE  | fail  | !maint, f ≥ T | DOWN           | PORT_DOWN (T = 1, or failures that
 *                            |       |               |                |   piled up inside a maintenance window)
 *  SUSPECT(k)                | fail  | !maint, f < T | SUSPECT(f)     | (still fast-retrying)
 *  SUSPECT(k)                | fail  | !maint, f ≥ T | DOWN           | FAST_RETRY off, PORT_DOWN
 *  SUSPECT(k)                | ok    | !maint        | UP             | FAST_RETRY off — no alert
 *  UNKNOWN, UP, SUSPECT,     | any   | maint         | MAINTENANCE    | FAST_RETRY off if from SUSPECT;
 *    MAINTENANCE             |       |               |                |   never PORT_DOWN; counters go on
 *  DOWN                      | fail  |               | DOWN           | (incident stays open, no new alert)
 *  DOWN, RECOVERING          | ok    | !maint, s < R | RECOVERING(s)  |
 *  DOWN, RECOVERING          | ok    | !maint, s ≥ R | UP             | PORT_UP
 *  DOWN, RECOVERING          | ok    | maint         | RECOVERING(s)  | never PORT_UP inside a window
 *  RECOVERING(k)             | fail  |               | DOWN           | no new alert: the incident is open
 *  PAUSED                    | any   |               | PAUSED         | none: the result is ignored (a check
 *                            |       |               |                |   in flight when the monitor paused)
 *  pausePort:  any → PAUSED, counters 0 (FAST_RETRY off if from SUSPECT)
 *  resumePort: PAUSED → UNKNOWN, counters 0
 *  Every phase change also emits PHASE_CHANGED {from, to} right after LOG_FAILURE.
 *
 * Decisions:
 *  - UNKNOWN is a fresh (new, resumed, or state-lost) port. Its first success makes it UP
 *    silently; its first failure is SUSPECT(1): a port first seen failing still needs T
 *    failures in a row before PORT_DOWN.
 *  - PORT_DOWN is emitted exactly when the port enters the incident family, PORT_UP exactly
 *    when it leaves it (always to UP). So "the host counts this port as down" ⇔ phase is
 *    DOWN or RECOVERING, and the two actions strictly alternate per port.
 *  - Maintenance: checks go on, failures are logged, no PORT_DOWN/PORT_UP. A port already
 *    DOWN/RECOVERING when the window starts stays in its incident (phase DOWN/RECOVERING,
 *    not MAINTENANCE); if it recovers inside the window the PORT_UP comes with the first
 *    successful check after the window. Other ports show MAINTENANCE.
 *  - When a window ends, the next check decides and failures counted inside the window
 *    count: a port still failing after the window with f ≥ T goes DOWN at once (the service
 *    is still down after its maintenance: that is exactly what the customer must hear).
 *  - Fast retry is only for SUSPECT (confirming an outage); RECOVERING uses the normal interval.
 *  - The last error code/message are kept after a success (use lastOk to know the present).
 */
import type { AlertPolicy, CheckResult, PortAction, PortContext, PortPhase, PortState, Transition } from './types.ts';

export const DEFAULT_ALERT_POLICY: Readonly<AlertPolicy> = Object.freeze({
  failureThreshold: 3,
  recoveryThreshold: 2,
});

export function initialPortState(now: number): PortState {
  return {
    phase: 'UNKNOWN',
    consecutiveFailures: 0,
    consecutiveSuccesses: 0,
    since: now,
    lastCheckAt: null,
    lastOk: null,
    lastLatencyMs: null,
    lastErrorCode: null,
    lastErrorMessage: null,
  };
}

/** DOWN or RECOVERING: the port is part of its host's incident (PORT_DOWN seen, PORT_UP not yet). */
export function isIncidentPhase(phase: PortPhase): boolean {
  return phase === 'DOWN' || phase === 'RECOVERING';
}

/** Whether the scheduler should use the fast retry interval (also right after a restore). */
export function wantsFastRetry(state: PortState): boolean {
  return state.phase === 'SUSPECT';
}

/** Whether the scheduler should check this port at all. */
export function isCheckable(state: PortState): boolean {
  return state.phase !== 'PAUSED';
}

/** A threshold as used by the machine: an integer ≥ 1 (NaN and values < 1 count as 1). */
export function effectiveThreshold(value: number): number {
  return value >= 1 ? Math.floor(Math.min(value, Number.MAX_SAFE_INTEGER)) : 1;
}

function nextPhase(
  from: PortPhase,
  ok: boolean,
  failures: number,
  successes: number,
  policy: AlertPolicy,
  inMaintenance: boolean,
): PortPhase {
  if (isIncidentPhase(from)) {
    if (!ok) return 'DOWN';
    return !inMaintenance && successes >= effectiveThreshold(policy.recoveryThreshold) ? 'UP' : 'RECOVERING';
  }
  if (inMaintenance) return 'MAINTENANCE';
  if (ok) return 'UP';
  return failures >= effectiveThreshold(policy.failureThreshold) ? 'DOWN' : 'SUSPECT';
}

/** PHASE_CHANGED and FAST_RETRY for a move `from` → `to` (nothing when they are equal). */
function changeActions(from: PortPhase, to: PortPhase): PortAction[] {
  if (from === to) return [];
  const actions: PortAction[] = [{ type: 'PHASE_CHANGED', from, to }];
  if (to === 'SUSPECT') actions.push({ type: 'FAST_RETRY', on: true });
  if (from === 'SUSPECT') actions.push({ type: 'FAST_RETRY', on: false });
  return actions;
}

export function evaluatePort(
  state: PortState,
  result: CheckResult,
  policy: AlertPolicy,
  ctx: PortContext,
): Transition<PortState, PortAction> {
  if (state.phase === 'PAUSED') return { next: state, actions: [] };

  const failures = result.ok ? 0 : state.consecutiveFailures + 1;
  const successes = result.ok ? state.consecutiveSuccesses + 1 : 0;
  const to = nextPhase(state.phase, result.ok, failures, successes, policy, ctx.inMaintenance);

  const actions: PortAction[] = [];
  if (!result.ok) actions.push({ type: 'LOG_FAILURE', code: result.code, message: result.message });
  actions.push(...changeActions(state.phase, to));
  const wasIn = isIncidentPhase(state.phase);
  const isIn = isIncidentPhase(to);
  if (!wasIn && isIn) actions.push({ type: 'PORT_DOWN' });
  if (wasIn && !isIn) actions.push({ type: 'PORT_UP' });

  const next: PortState = {
    phase: to,
    consecutiveFailures: failures,
    consecutiveSuccesses: successes,
    since: to === state.phase ? state.since : ctx.now,
    lastCheckAt: ctx.now,
    lastOk: result.ok,
    lastLatencyMs: result.latencyMs,
    lastErrorCode: result.ok ? state.lastErrorCode : result.code,
    lastErrorMessage: result.ok ? state.lastErrorMessage : result.message,
  };
  return { next, actions };
}

/**
 * Stop checking a port (its monitor was paused). Emits no PORT_UP: a port that was in an
 * incident leaves it through the host (closeHost / removePort), not through a recovery.
 */
export function pausePort(state: PortState, now: number): Transition<PortState, PortAction> {
  if (state.phase === 'PAUSED') return { next: state, actions: [] };
  return {
    next: { ...state, phase: 'PAUSED', since: now, consecutiveFailures: 0, consecutiveSuccesses: 0 },
    actions: changeActions(state.phase, 'PAUSED'),
  };
}

/** Start checking again from scratch (UNKNOWN): old counters never carry over a pause. */
export function resumePort(state: PortState, now: number): Transition<PortState, PortAction> {
  if (state.phase !== 'PAUSED') return { next: state, actions: [] };
  return {
    next: { ...state, phase: 'UNKNOWN', since: now, consecutiveFailures: 0, consecutiveSuccesses: 0 },
    actions: changeActions('PAUSED', 'UNKNOWN'),
  };
}
