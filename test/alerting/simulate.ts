/**
 * A tiny deterministic probe loop for the tests: N one-port monitors (each its own host and
 * network, five customers) checked on a phase-spread schedule, a prober outage window, the
 * guard fed with the regular checks (not the retries), and held alerts released (releaseHeld)
 * when the guard recovers or its hold runs out. Not a test file itself.
 */
import {
  DEFAULT_ALERT_POLICY,
  DEFAULT_GUARD_POLICY,
  evaluate,
  initialGuardState,
  initialMonitorState,
  isHeld,
  recordCheck,
  releaseHeld,
  tickGuard,
  wantsFastRetry,
  type CheckResult,
  type GuardAction,
  type GuardPolicy,
  type MonitorAction,
  type MonitorAlertState,
  type MonitorPolicy,
} from '../../server/alerting/index.ts';
import { FAIL, OK, T0 } from './fixtures.ts';

export interface SimulationOutcome {
  monitors: number;
  admin: string[];
  /** Seconds since the start at which each admin action happened. */
  adminAt: number[];
  opened: Array<{ monitor: number; ports: number[] }>;
  resolved: number[];
}

const S = 1000;

export function simulate(opts: { guarded: boolean }): SimulationOutcome {
  const monitors = 25;
  const intervalS = 60;
  const retryS = 20;
  const proberDown = (t: number): boolean => t >= 100 && t < 300;
  const reallyDown = (m: number, t: number): boolean => m === 0 && t >= 250;
  const policy: MonitorPolicy = { ...DEFAULT_ALERT_POLICY, maintenance: [] };
  const guardPolicy: GuardPolicy = { ...DEFAULT_GUARD_POLICY, clearAfterMs: 120 * S };

  const states: MonitorAlertState[] = [];
  const nextAt: number[] = [];
  const regular: boolean[] = [];
  for (let m = 0; m < monitors; m++) {
    states.push(initialMonitorState([1000 + m], T0));
    nextAt.push((m * intervalS) / monitors);
    regular.push(true);
  }
  let guard = initialGuardState();
  const outcome: SimulationOutcome = { monitors, admin: [], adminAt: [], opened: [], resolved: [] };
  const collect = (m: number, actions: MonitorAction[]): void => {
    for (const a of actions) {
      if (a.type === 'OPEN_INCIDENT') outcome.opened.push({ monitor: m, ports: a.ports });
      if (a.type === 'RESOLVE_INCIDENT') outcome.resolved.push(m);
    }
  };

  const onGuard = (actions: GuardAction[], t: number, now: number): void => {
    for (const action of actions) {
      outcome.admin.push(action.type);
      outcome.adminAt.push(t);
      if (action.type === 'DEGRADED' || (action.type === 'RECOVERED' && action.holdExpired)) continue;
      for (let m = 0; m < monitors; m++) {
        const step = releaseHeld(states[m] as MonitorAlertState, now, isHeld(guard));
        states[m] = step.next;
        collect(m, step.actions);
      }
    }
  };

  for (let t = 0; t <= 900; t++) {
    const now = T0 + t * S;
    for (let m = 0; m < monitors; m++) {
      while ((nextAt[m] ?? Infinity) <= t) {
        const port = 1000 + m;
        const result: CheckResult = proberDown(t) || reallyDown(m, t) ? FAIL : OK;
        if (opts.guarded && regular[m]) {
          const g = recordCheck(
            guard,
            { host: `10.0.${m}.1`, account: `customer-${m % 5}`, ok: result.ok },
            guardPolicy,
            now,
          );
          guard = g.next;
          onGuard(g.actions, t, now);
        }
        const state = states[m] as MonitorAlertState;
        const step = evaluate(state, { port, result, alertsHeld: isHeld(guard) }, policy, now);
        states[m] = step.next;
        collect(m, step.actions);
        const portState = step.next.ports[port];
        const fast = portState !== undefined && wantsFastRetry(portState);
        nextAt[m] = (nextAt[m] ?? 0) + (fast ? retryS : intervalS);
        regular[m] = !fast;
      }
    }
    if (!opts.guarded) continue;
    const g = tickGuard(guard, guardPolicy, now);
    guard = g.next;
    onGuard(g.actions, t, now);
  }
  return outcome;
}
