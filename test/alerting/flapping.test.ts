import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_POLICY,
  DEFAULT_FLAP_POLICY,
  evaluateFlap,
  evaluateWithFlapping,
  flapFigures,
  initialFlapState,
  initialMonitorState,
  isFlapping,
  pauseMonitor,
  reconcileWithFlapping,
  resumeMonitor,
  type FlapMonitorAction,
  type FlapMonitorPolicy,
  type FlapPolicy,
  type FlapState,
  type HostAction,
  type MaintenanceWindow,
  type MonitorAlertState,
} from '../../server/alerting/index.ts';
import { FAIL, MINUTE, OK, T0, persisted } from './fixtures.ts';

const POLICY: FlapMonitorPolicy = { ...DEFAULT_ALERT_POLICY, maintenance: [], flapping: { ...DEFAULT_FLAP_POLICY } };
const HOST_TYPES = new Set(['OPEN_INCIDENT', 'ADD_PORT', 'REMOVE_PORT', 'RESOLVE_INCIDENT']);
const hostActions = (actions: FlapMonitorAction[]): HostAction[] =>
  actions.filter((a): a is HostAction => HOST_TYPES.has(a.type));

/** 'f' failed, 'o' ok; the detector alone, returning the flapping flag after each check and the actions. */
function detect(pattern: string, policy: FlapPolicy = DEFAULT_FLAP_POLICY, portInIncident = false) {
  let state: FlapState = initialFlapState();
  const flags: boolean[] = [];
  const events: string[] = [];
  [...pattern].forEach((c, i) => {
    const step = evaluateFlap(state, c === 'o', policy, { now: T0 + i * MINUTE, inMaintenance: false, portInIncident });
    state = step.next;
    flags.push(state.flapping);
    for (const a of step.actions) events.push(`${i + 1}:${a.type}`);
  });
  return { state, flags, events };
}

describe('flapping detector: step table', () => {
  it.each([
    // pattern, expected events (check number: action)
    ['one failure in 21 checks', `${'o'.repeat(10)}f${'o'.repeat(10)}`, []],
    ['a clean outage of 15 checks', `ooo${'f'.repeat(15)}ooo`, []],
    ['a clean outage longer than the window', `o${'f'.repeat(40)}${'o'.repeat(30)}`, []],
    ['two failures in the window', 'ooofooooofoooooo', []],
    // f o f o f: three failure runs, 3 of 5 failed (share rule)
    ['alternating fail/ok', 'fofofofofo', ['5:FLAP_START']],
    // with the share rule out of reach, the 6th change (7th check) decides
    ['alternating, share rule off', 'fofofofofo', ['7:FLAP_START'], { ...DEFAULT_FLAP_POLICY, failedShare: 1 }],
    // f f o f f o f f o f: changes 1..6 at checks 3,4,6,7,9,10; three failure runs at check 7 with 6/7 failed
    ['two failures in three', 'ffoffoffoffo', ['7:FLAP_START']],
    // 4 failed 4 ok: 5 changes in 21 checks never reach 6, but three runs at 50 % failed do
    ['slow flap (share rule)', 'ffffooooffffooooffff', ['17:FLAP_START']],
  ] as [string, string, string[], FlapPolicy?][])('%s', (_name, pattern, events, policy) => {
    expect(detect(pattern, policy).events).toEqual(events);
  });

  it('stays FLAPPING while it flaps, leaves only after a whole window of successes', () => {
    const flap = 'of'.repeat(30);
    const { events } = detect(flap + 'o'.repeat(21));
    expect(events).toEqual(['6:FLAP_START', `${60 + 21}:FLAP_END`]);
    // 20 successes are not enough
    expect(detect(flap + 'o'.repeat(20)).events).toEqual(['6:FLAP_START']);
    // a failure in the stable stretch restarts the wait
    expect(detect(`${flap + 'o'.repeat(15)}f${'o'.repeat(20)}`).events).toEqual(['6:FLAP_START']);
  });

  it('a window of failures ends flapping only while the port is DOWN', () => {
    const pattern = 'fo'.repeat(10) + 'f'.repeat(21);
    expect(detect(pattern, DEFAULT_FLAP_POLICY, false).events).toEqual(['5:FLAP_START']);
    expect(detect(pattern, DEFAULT_FLAP_POLICY, true).events).toEqual(['5:FLAP_START', '41:FLAP_END']);
  });

  it('figures: checks, failed, changes, runs of the window', () => {
    expect(flapFigures('0110100')).toEqual({ checks: 7, failed: 3, changes: 4, runs: 2 });
    const { state } = detect('ffo'.repeat(7));
    expect(flapFigures(state.history)).toEqual({ checks: 21, failed: 14, changes: 13, runs: 7 });
  });

  it('maintenance freezes the window; switching the rule off ends flapping', () => {
    let s = detect('fofofofo').state;
    expect(s.flapping).toBe(true);
    const frozen = evaluateFlap(s, false, DEFAULT_FLAP_POLICY, { now: T0, inMaintenance: true, portInIncident: false });
    expect(frozen).toEqual({ next: s, actions: [] });
    const off = evaluateFlap(
      s,
      true,
      { ...DEFAULT_FLAP_POLICY, enabled: false },
      { now: T0, inMaintenance: false, portInIncident: false },
    );
    expect(off.next).toEqual(initialFlapState());
    expect(off.actions.map((a) => a.type)).toEqual(['FLAP_END']);
    s = detect('fofofofofofofofo', { ...DEFAULT_FLAP_POLICY, enabled: false }).state;
    expect(s.flapping).toBe(false);
  });
});

interface Step {
  port?: number;
  /** 'f' or 'o', repeated: one check each. */
  checks: string;
  maint?: boolean;
  held?: boolean;
  /** Host actions over these checks, in order. */
  expectHost: HostAction[];
  expectFlapping?: boolean;
  expectPhase?: string;
}

function run(
  steps: Step[],
  start: MonitorAlertState = initialMonitorState([22], T0),
  policy: FlapMonitorPolicy = POLICY,
): MonitorAlertState {
  let state = start;
  let t = T0;
  steps.forEach((step, i) => {
    const port = step.port ?? 22;
    const maintenance: MaintenanceWindow[] = step.maint
      ? [{ kind: 'once', startsAt: 0, endsAt: Number.MAX_SAFE_INTEGER }]
      : [];
    const host: HostAction[] = [];
    for (const c of step.checks) {
      t += MINUTE;
      const out = evaluateWithFlapping(
        state,
        { port, result: c === 'o' ? OK : FAIL, alertsHeld: step.held ?? false },
        { ...policy, maintenance },
        t,
      );
      state = out.next;
      host.push(...hostActions(out.actions));
    }
    expect(host, `step ${i + 1} (${step.checks})`).toEqual(step.expectHost);
    const ps = state.ports[port];
    if (step.expectFlapping !== undefined && ps)
      expect(isFlapping(ps), `step ${i + 1} flapping`).toBe(step.expectFlapping);
    if (step.expectPhase !== undefined) expect(ps?.phase, `step ${i + 1} phase`).toBe(step.expectPhase);
  });
  return state;
}

describe('flapping through the monitor: step table', () => {
  it('fail/ok forever alerts exactly once; it closes once, as "stable", after a window of successes', () => {
    run([
      { checks: 'fofo', expectHost: [], expectFlapping: false },
      {
        checks: 'f',
        expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }],
        expectFlapping: true,
        expectPhase: 'SUSPECT',
      },
      { checks: 'of'.repeat(200), expectHost: [], expectFlapping: true },
      { checks: 'o'.repeat(20), expectHost: [], expectFlapping: true, expectPhase: 'UP' },
      { checks: 'o', expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'STABLE' }], expectFlapping: false },
      { checks: 'o'.repeat(30), expectHost: [] },
    ]);
  });

  it('fails two checks in three: never DOWN by the consecutive rule, one incident by the flapping rule', () => {
    run([
      { checks: 'ffoffo', expectHost: [] },
      { checks: 'f', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }], expectFlapping: true },
      { checks: 'foffoffoffoffoffoffo', expectHost: [], expectPhase: 'UP' },
    ]);
  });

  it('one failure in 21 checks never alerts', () => {
    run([{ checks: `${'o'.repeat(10)}f${'o'.repeat(10)}`.repeat(5), expectHost: [], expectFlapping: false }]);
  });

  it('a clean outage behaves as before: DOWN at the 3rd failure, RECOVERED at the 2nd success', () => {
    run([
      { checks: 'ooff', expectHost: [] },
      { checks: 'f', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }], expectPhase: 'DOWN' },
      { checks: `${'f'.repeat(30)}o`, expectHost: [], expectPhase: 'RECOVERING' },
      {
        checks: 'o',
        expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }],
        expectPhase: 'UP',
        expectFlapping: false,
      },
    ]);
  });

  it('flapping, then DOWN, then recovery: one incident; DOWN adds nothing; it closes when stable', () => {
    run([
      { checks: 'fofofof', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }], expectFlapping: true },
      { checks: 'ff', expectHost: [], expectPhase: 'DOWN' },
      { checks: 'ff', expectHost: [], expectPhase: 'DOWN' },
      // recovered by the consecutive rule, but the window still flaps: the incident stays
      { checks: 'oo', expectHost: [], expectPhase: 'UP', expectFlapping: true },
      { checks: 'o'.repeat(18), expectHost: [] },
      { checks: 'o', expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'STABLE' }], expectFlapping: false },
    ]);
  });

  it('flapping, then a long outage: the outage carries the incident and its recovery is RECOVERED', () => {
    run([
      { checks: 'fofofof', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }], expectFlapping: true },
      { checks: 'f'.repeat(21), expectHost: [], expectPhase: 'DOWN', expectFlapping: false },
      { checks: 'o', expectHost: [], expectPhase: 'RECOVERING' },
      { checks: 'o', expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'RECOVERED' }], expectPhase: 'UP' },
    ]);
  });

  it('a DOWN port that starts flapping in its incident adds nothing; it leaves when stable', () => {
    run([
      { checks: 'fff', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }], expectPhase: 'DOWN' },
      { checks: 'ofofof', expectHost: [], expectFlapping: true, expectPhase: 'DOWN' },
      { checks: 'oo', expectHost: [], expectPhase: 'UP', expectFlapping: true },
      { checks: 'o'.repeat(19), expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'STABLE' }], expectFlapping: false },
    ]);
  });

  it('a flapping port joins the host incident of another port; each leaves with its own reason', () => {
    run(
      [
        { port: 80, checks: 'fff', expectHost: [{ type: 'OPEN_INCIDENT', ports: [80] }] },
        { port: 22, checks: 'fofofof', expectHost: [{ type: 'ADD_PORT', port: 22 }] },
        { port: 80, checks: 'oo', expectHost: [{ type: 'REMOVE_PORT', port: 80, reason: 'RECOVERED' }] },
        { port: 22, checks: 'o'.repeat(21), expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'STABLE' }] },
      ],
      initialMonitorState([22, 80], T0),
    );
  });

  it('maintenance suppresses flapping like DOWN: nothing inside the window, nothing after it', () => {
    run([
      { checks: 'fo'.repeat(30), maint: true, expectHost: [], expectPhase: 'MAINTENANCE', expectFlapping: false },
      { checks: 'o'.repeat(30), expectHost: [], expectPhase: 'UP' },
    ]);
  });

  it('a port flapping when maintenance starts stays in its incident and closes after the window', () => {
    run([
      { checks: 'fofofof', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }] },
      { checks: 'o'.repeat(40), maint: true, expectHost: [], expectFlapping: true },
      { checks: 'o'.repeat(20), expectHost: [] },
      { checks: 'o', expectHost: [{ type: 'RESOLVE_INCIDENT', reason: 'STABLE' }] },
    ]);
  });

  it('a hold (prober degraded) holds a flapping start like a DOWN', () => {
    const s = run([{ checks: 'fofofof', held: true, expectHost: [], expectFlapping: true }]);
    expect(s.host.heldPorts).toEqual([22]);
    run([{ checks: 'o'.repeat(21), expectHost: [], expectFlapping: false }], s);
  });

  it('a restart restores the flapping port in its incident; reconcile emits nothing', () => {
    const s = run([{ checks: 'fofofof', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }] }]);
    const back = persisted(s);
    expect(reconcileWithFlapping(back, T0, false).actions).toEqual([]);
    // a host that lost track of it (crash between writes) is repaired: the incident takes it back in
    const lost = { ...back, host: { incidentOpen: false, downPorts: [], held: false, heldPorts: [] } };
    expect(reconcileWithFlapping(lost, T0, false).actions).toEqual([{ type: 'OPEN_INCIDENT', ports: [22] }]);
  });

  it('pause closes the incident; after resume the window starts afresh', () => {
    let s = run([{ checks: 'fofofof', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }] }]);
    s = pauseMonitor(s, T0).next;
    s = resumeMonitor(s, T0).next;
    run(
      [
        { checks: 'ofof', expectHost: [], expectFlapping: false },
        { checks: 'o', expectHost: [], expectFlapping: false },
        { checks: 'f', expectHost: [{ type: 'OPEN_INCIDENT', ports: [22] }], expectFlapping: true },
      ],
      s,
    );
  });

  it('emits FLAP_START with the window figures, tagged with the port, before the host action', () => {
    let s = initialMonitorState([22], T0);
    let last: FlapMonitorAction[] = [];
    for (const c of 'fofof') {
      const out = evaluateWithFlapping(s, { port: 22, result: c === 'o' ? OK : FAIL, alertsHeld: false }, POLICY, T0);
      s = out.next;
      last = out.actions;
    }
    expect(last.map((a) => a.type)).toEqual([
      'LOG_FAILURE',
      'PHASE_CHANGED',
      'FAST_RETRY',
      'FLAP_START',
      'OPEN_INCIDENT',
    ]);
    expect(last[3]).toEqual({ type: 'FLAP_START', port: 22, figures: { checks: 5, failed: 3, changes: 4, runs: 3 } });
  });
});
