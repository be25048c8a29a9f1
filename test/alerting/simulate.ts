/**
 * A tiny deterministic probe loop for the tests: N one-port monitors checked on a drift-free,
 * phase-spread schedule, a prober outage window, the guard fed with every check, and held
 * alerts released when the guard recovers. Not a test file itself.
 */
import {
  DEFAULT_ALERT_POLICY,
  DEFAULT_GUARD_POLICY,
  evaluate,
  initialGuardState,
  initialMonitorState,
  isHeld,
  recordChecks,
  releaseHeld,
  tickGuard,
  wantsFastRetry,
  type CheckResult,
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
  for (let m = 0; m < monitors; m++) {
    states.push(initialMonitorState([1000 + m], T0));
    nextAt.push((m * intervalS) / monitors);
  }
  let guard = initialGuardState();
  const outcome: SimulationOutcome = { monitors, admin: [], adminAt: [], opened: [], resolved: [] };
  const collect = (m: number, actions: MonitorAction[]): void => {
    for (const a of actions) {
      if (a.type === 'OPEN_INCIDENT') outcome.opened.push({ monitor: m, ports: a.ports });
      if (a.type === 'RESOLVE_INCIDENT') outcome.resolved.push(m);
    }
  };

  for (let t = 0; t <= 900; t++) {
    const now = T0 + t * S;
    for (let m = 0; m < monitors; m++) {
      while ((nextAt[m] ?? Infinity) <= t) {
        const port = 1000 + m;
        const result: CheckResult = proberDown(t) || reallyDown(m, t) ? FAIL : OK;
        if (opts.guarded) {
          const g = recordChecks(guard, { checked: 1, failed: result.ok ? 0 : 1 }, guardPolicy, now);
          guard = g.next;
          outcome.admin.push(...g.actions.map((a) => a.type));
          outcome.adminAt.push(...g.actions.map(() => t));
        }
        const state = states[m] as MonitorAlertState;
        const step = evaluate(state, { port, result, alertsHeld: isHeld(guard) }, policy, now);
        states[m] = step.next;
        collect(m, step.actions);
        const portState = step.next.ports[port];
        nextAt[m] = (nextAt[m] ?? 0) + (portState && wantsFastRetry(portState) ? retryS : intervalS);
      }
    }
    if (!opts.guarded) continue;
    const g = tickGuard(guard, guardPolicy, now);
    guard = g.next;
    for (const action of g.actions) {
      outcome.admin.push(action.type);
      outcome.adminAt.push(t);
      if (action.type !== 'RECOVERED') continue;
      for (let m = 0; m < monitors; m++) {
        const step = releaseHeld(states[m] as MonitorAlertState, now, isHeld(guard));
        states[m] = step.next;
        collect(m, step.actions);
      }
    }
  }
  return outcome;
}
