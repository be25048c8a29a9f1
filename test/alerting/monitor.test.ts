import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_POLICY,
  DEFAULT_GUARD_POLICY,
  deleteMonitor,
  evaluate,
  initialMonitorState,
  pauseMonitor,
  portPhases,
  reconcileMonitor,
  releaseHeld,
  resumeMonitor,
  setMonitorPorts,
  type CheckResult,
  type HostAction,
  type MonitorAction,
  type MonitorAlertState,
  type MonitorPolicy,
  type PortPhase,
} from '../../server/alerting/index.ts';
import { FAIL, LOG, MINUTE, OK, REFUSED, T0, persisted } from './fixtures.ts';
import { simulate } from './simulate.ts';

const POLICY: MonitorPolicy = { ...DEFAULT_ALERT_POLICY, maintenance: [] };
const HOST_TYPES = new Set(['OPEN_INCIDENT', 'ADD_PORT', 'REMOVE_PORT', 'RESOLVE_INCIDENT']);
const hostActions = (actions: MonitorAction[]): HostAction[] =>
  actions.filter((a): a is HostAction => HOST_TYPES.has(a.type));

interface Step {
  port: number;
  result: CheckResult;
  held?: boolean;
  expectHost: HostAction[];
  expectPhases?: Record<number, PortPhase>;
}

function run(steps: Step[], start: MonitorAlertState, policy: MonitorPolicy = POLICY, t0 = T0): MonitorAlertState {
  let state = start;
  steps.forEach((step, i) => {
    const check = { port: step.port, result: step.result, alertsHeld: step.held ?? false };
    const { next, actions } = evaluate(state, check, policy, t0 + (i + 1) * MINUTE);
    expect(hostActions(actions), `step ${i + 1}`).toEqual(step.expectHost);
    if (step.expectPhases) expect(portPhases(next), `step ${i + 1}`).toMatchObject(step.expectPhases);
    state = next;
  });
  return state;
}

const failBoth: Step[] = [
  { port: 22, result: FAIL, expectHost: [], expectPhases: { 22: 'SUSPECT', 80: 'UNKNOWN' } },
  { port: 80, result: REFUSED, expectHost: [] },
  { port: 22, result: FAIL, expectHost: [] },
  { port: 80, result: REFUSED, expectHost: [] },
  {
    port: 22,
    result: FAIL,
    expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }],
    expectPhases: { 22: 'DOWN', 80: 'SUSPECT' },
  },
  { port: 80, result: REFUSED, expectHost: [{ type: 'ADD_PORT', port: 80 }], expectPhases: { 80: 'DOWN' } },
];

describe('monitor: host grouping through evaluate', () => {
  it('two failing ports make one incident; it resolves only when both are UP', () => {
    run(
      [
        ...failBoth,
        { port: 22, result: OK, expectHost: [], expectPhases: { 22: 'RECOVERING' } },
        { port: 22, result: OK, expectHost: [{ type: 'REMOVE_PORT', port: 22, reason: 'RECOVERED' }] },
        { port: 80, result: OK, expectHost: [] },
        { port: 80, result: FAIL, expectHost: [], expectPhases: { 80: 'DOWN' } },
        { port: 80, result: OK, expectHost: [] },
        { port: 80, result: OK, expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }] },
      ],
      initialMonitorState([22, 80], T0),
    );
  });

  it('tags port actions with their port, host actions follow their cause', () => {
    let state = initialMonitorState([22], T0);
    for (let i = 0; i < 2; i++) state = evaluate(state, { port: 22, result: FAIL, alertsHeld: false }, POLICY, T0).next;
    const { actions } = evaluate(state, { port: 22, result: FAIL, alertsHeld: false }, POLICY, T0);
    expect(actions.map((a) => a.type)).toEqual([
      'LOG_FAILURE',
      'PHASE_CHANGED',
      'FAST_RETRY',
      'PORT_DOWN',
      'OPEN_INCIDENT',
    ]);
    expect(actions[0]).toEqual({ ...LOG, port: 22 });
    expect(actions[4]).toEqual({ type: 'OPEN_INCIDENT', ports: [22] });
  });
});

describe('monitor: restart mid-incident', () => {
  it('continues from persisted state with no re-open and resolves once', () => {
    const live = run(failBoth, initialMonitorState([22, 80], T0));
    const restored = persisted(live);
    expect(reconcileMonitor(restored, T0, false).actions).toEqual([]);
    run(
      [
        { port: 22, result: FAIL, expectHost: [] },
        { port: 80, result: FAIL, expectHost: [] },
        { port: 22, result: OK, expectHost: [] },
        { port: 22, result: OK, expectHost: [{ type: 'REMOVE_PORT', port: 22, reason: 'RECOVERED' }] },
        { port: 80, result: OK, expectHost: [] },
        { port: 80, result: OK, expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }] },
      ],
      restored,
      POLICY,
      T0 + 60 * MINUTE,
    );
  });

  it('repairs a host state that was persisted before the incident opened', () => {
    const live = run(failBoth, initialMonitorState([22, 80], T0));
    const stale: MonitorAlertState = {
      ...persisted(live),
      host: { incidentOpen: false, downPorts: [], held: false, heldPorts: [] },
    };
    expect(reconcileMonitor(stale, T0, false).actions).toEqual([{ type: 'OPEN_INCIDENT', ports: [22, 80] }]);
  });
});

describe('monitor: held alerts', () => {
  it('ports that go DOWN while held open nothing; release announces those still DOWN, keeps those that answered since pending', () => {
    const held = run(
      [
        ...failBoth.map((s) => ({ ...s, held: true, expectHost: [] })),
        { port: 443, result: FAIL, held: true, expectHost: [] },
        { port: 443, result: FAIL, held: true, expectHost: [] },
        { port: 443, result: FAIL, held: true, expectHost: [], expectPhases: { 443: 'DOWN' } },
        { port: 22, result: OK, held: true, expectHost: [] },
        { port: 22, result: OK, held: true, expectHost: [], expectPhases: { 22: 'UP' } },
        { port: 443, result: OK, held: true, expectHost: [], expectPhases: { 443: 'RECOVERING' } },
      ],
      initialMonitorState([22, 80, 443], T0),
    );
    expect(held.host).toEqual({ incidentOpen: false, downPorts: [], held: true, heldPorts: [80, 443] });
    expect(releaseHeld(held, T0, true).actions).toEqual([]);
    const released = releaseHeld(held, T0, false);
    expect(released.actions).toEqual([{ type: 'OPEN_INCIDENT', ports: [80] }]);
    expect(released.next.host).toEqual({ incidentOpen: true, downPorts: [80], held: true, heldPorts: [443] });
    expect(releaseHeld(released.next, T0, false).actions).toEqual([]);
    // 443 (RECOVERING) fails again: announced now; had it answered, it would have been dropped
    const relapse = evaluate(released.next, { port: 443, result: FAIL, alertsHeld: false }, POLICY, T0);
    expect(relapse.actions.filter((a) => a.type === 'OPEN_INCIDENT' || a.type === 'ADD_PORT')).toEqual([
      { type: 'ADD_PORT', port: 443 },
    ]);
    expect(relapse.next.host).toEqual({ incidentOpen: true, downPorts: [80, 443], held: false, heldPorts: [] });
    const answered = evaluate(released.next, { port: 443, result: OK, alertsHeld: false }, POLICY, T0);
    expect(answered.next.host).toEqual({ incidentOpen: true, downPorts: [80], held: false, heldPorts: [] });
  });
});

describe('monitor: pause, resume, ports edited, delete', () => {
  it('pausing resolves the incident, checks are ignored, resume starts over', () => {
    const live = run(failBoth, initialMonitorState([22, 80], T0));
    const paused = pauseMonitor(live, T0 + 10 * MINUTE);
    expect(hostActions(paused.actions)).toEqual([{ type: 'RESOLVE_INCIDENT', reason: 'MONITOR_PAUSED' }]);
    expect(portPhases(paused.next)).toEqual({ 22: 'PAUSED', 80: 'PAUSED' });
    const ignored = evaluate(paused.next, { port: 22, result: FAIL, alertsHeld: false }, POLICY, T0 + 11 * MINUTE);
    expect(ignored).toEqual({ next: paused.next, actions: [] });

    const resumed = resumeMonitor(paused.next, T0 + 20 * MINUTE);
    expect(portPhases(resumed.next)).toEqual({ 22: 'UNKNOWN', 80: 'UNKNOWN' });
    run(failBoth, resumed.next, POLICY, T0 + 20 * MINUTE);
  });

  it('removing a down port resolves as PORTS_REMOVED; its late checks are ignored; new ports start UNKNOWN', () => {
    let state = run(failBoth.slice(0, 5), initialMonitorState([22, 80], T0));
    const edited = setMonitorPorts(state, [80, 3306], T0);
    expect(edited.actions).toEqual([{ type: 'RESOLVE_INCIDENT', reason: 'PORTS_REMOVED' }]);
    expect(portPhases(edited.next)).toEqual({ 80: 'SUSPECT', 3306: 'UNKNOWN' });
    state = edited.next;
    expect(evaluate(state, { port: 22, result: FAIL, alertsHeld: false }, POLICY, T0).actions).toEqual([]);
  });

  it('deleting resolves as MONITOR_DELETED', () => {
    const live = run(failBoth, initialMonitorState([22, 80], T0));
    expect(deleteMonitor(live, T0).actions).toEqual([{ type: 'RESOLVE_INCIDENT', reason: 'MONITOR_DELETED' }]);
    expect(deleteMonitor(initialMonitorState([22], T0), T0).actions).toEqual([]);
  });
});

describe('monitor: maintenance windows from the policy', () => {
  it('no incident inside the window (failures still logged); still failing after it → incident', () => {
    const policy: MonitorPolicy = {
      ...POLICY,
      maintenance: [{ kind: 'once', startsAt: T0, endsAt: T0 + 4 * MINUTE + 1 }],
    };
    let state = initialMonitorState([22], T0);
    const logged: MonitorAction[] = [];
    for (let i = 1; i <= 4; i++) {
      const step = evaluate(state, { port: 22, result: FAIL, alertsHeld: false }, policy, T0 + i * MINUTE);
      expect(hostActions(step.actions)).toEqual([]);
      logged.push(...step.actions.filter((a) => a.type === 'LOG_FAILURE'));
      state = step.next;
    }
    expect(logged).toHaveLength(4);
    expect(portPhases(state)).toEqual({ 22: 'MAINTENANCE' });
    const after = evaluate(state, { port: 22, result: FAIL, alertsHeld: false }, policy, T0 + 5 * MINUTE);
    expect(hostActions(after.actions)).toEqual([{ type: 'OPEN_INCIDENT', ports: [22] }]);
  });
});

describe('monitor: prober outage simulation with the guard', () => {
  it('a prober outage pages nobody; a real outage during it is announced once after the guard clears', () => {
    const outcome = simulate({ guarded: true });
    expect(outcome.admin).toEqual(['DEGRADED', 'RECOVERED']);
    // The outage starts at 100 s; the earliest 3rd failure (fast retry 20 s) is at 140 s.
    expect(outcome.adminAt[0]).toBeLessThan(140);
    // Released after the prober is back (300 s) plus the clear hold (120 s).
    expect(outcome.adminAt[1]).toBeGreaterThanOrEqual(420);
    expect(outcome.opened).toEqual([{ monitor: 0, ports: [1000] }]);
    expect(outcome.resolved).toEqual([]);
  });

  it('without the guard the same outage opens an incident on every monitor', () => {
    const outcome = simulate({ guarded: false });
    expect(outcome.opened.length).toBe(outcome.monitors);
    expect(outcome.resolved.length).toBe(outcome.monitors - 1);
  });

  it('guard defaults are the documented ones', () => {
    expect(DEFAULT_GUARD_POLICY).toMatchObject({ massFailureShare: 0.5, minHosts: 10, maxHoldMs: 600_000 });
  });
});
