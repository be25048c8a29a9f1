import { describe, expect, it } from 'vitest';
import {
  DEFAULT_ALERT_POLICY,
  evaluatePort,
  initialPortState,
  pausePort,
  resumePort,
  wantsFastRetry,
  type AlertPolicy,
  type CheckResult,
  type PortAction,
  type PortPhase,
  type PortState,
} from '../../server/alerting/index.ts';
import { FAIL, FAST_OFF, FAST_ON, LOG, MINUTE, OK, PORT_DOWN, PORT_UP, T0, changed, persisted } from './fixtures.ts';

interface Step {
  result: CheckResult;
  maint?: boolean;
  expectPhase: PortPhase;
  expectActions: PortAction[];
  expectFailures?: number;
  expectSuccesses?: number;
}

interface Scenario {
  name: string;
  policy?: AlertPolicy;
  /** Phase to start from, reached by replaying checks (default: a fresh UNKNOWN port). */
  start?: 'UP' | 'DOWN';
  steps: Step[];
}

function startState(start: Scenario['start'], policy: AlertPolicy): PortState {
  let state = initialPortState(T0);
  const replay: CheckResult[] =
    start === 'UP' ? [OK] : start === 'DOWN' ? Array(policy.failureThreshold).fill(FAIL) : [];
  for (const result of replay) state = evaluatePort(state, result, policy, { now: T0, inMaintenance: false }).next;
  return state;
}

function run(scenario: Scenario): PortState {
  const policy = scenario.policy ?? DEFAULT_ALERT_POLICY;
  let state = startState(scenario.start, policy);
  scenario.steps.forEach((step, i) => {
    const now = T0 + (i + 1) * MINUTE;
    const { next, actions } = evaluatePort(state, step.result, policy, { now, inMaintenance: step.maint ?? false });
    const where = `${scenario.name}, step ${i + 1}`;
    expect(next.phase, where).toBe(step.expectPhase);
    expect(actions, where).toEqual(step.expectActions);
    if (step.expectFailures !== undefined) expect(next.consecutiveFailures, where).toBe(step.expectFailures);
    if (step.expectSuccesses !== undefined) expect(next.consecutiveSuccesses, where).toBe(step.expectSuccesses);
    state = next;
  });
  return state;
}

const scenarios: Scenario[] = [
  {
    name: 'threshold 3: the 3rd consecutive failure makes the port DOWN',
    steps: [
      { result: OK, expectPhase: 'UP', expectActions: [changed('UNKNOWN', 'UP')] },
      {
        result: FAIL,
        expectPhase: 'SUSPECT',
        expectActions: [LOG, changed('UP', 'SUSPECT'), FAST_ON],
        expectFailures: 1,
      },
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG], expectFailures: 2 },
      {
        result: FAIL,
        expectPhase: 'DOWN',
        expectActions: [LOG, changed('SUSPECT', 'DOWN'), FAST_OFF, PORT_DOWN],
        expectFailures: 3,
      },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG], expectFailures: 4 },
    ],
  },
  {
    name: 'a port first seen failing (UNKNOWN) still needs the threshold',
    steps: [
      {
        result: FAIL,
        expectPhase: 'SUSPECT',
        expectActions: [LOG, changed('UNKNOWN', 'SUSPECT'), FAST_ON],
        expectFailures: 1,
      },
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG] },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('SUSPECT', 'DOWN'), FAST_OFF, PORT_DOWN] },
    ],
  },
  {
    name: 'threshold 1: one failure is enough, no fast retry',
    policy: { failureThreshold: 1, recoveryThreshold: 1 },
    start: 'UP',
    steps: [
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('UP', 'DOWN'), PORT_DOWN] },
      { result: OK, expectPhase: 'UP', expectActions: [changed('DOWN', 'UP'), PORT_UP] },
    ],
  },
  {
    name: 'thresholds below 1 count as 1',
    policy: { failureThreshold: 0, recoveryThreshold: Number.NaN },
    start: 'UP',
    steps: [
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('UP', 'DOWN'), PORT_DOWN] },
      { result: OK, expectPhase: 'UP', expectActions: [changed('DOWN', 'UP'), PORT_UP] },
    ],
  },
  {
    name: 'retry pacing: FAST_RETRY on entering SUSPECT, off on leaving it either way',
    start: 'UP',
    steps: [
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG, changed('UP', 'SUSPECT'), FAST_ON] },
      { result: OK, expectPhase: 'UP', expectActions: [changed('SUSPECT', 'UP'), FAST_OFF] },
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG, changed('UP', 'SUSPECT'), FAST_ON] },
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG] },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('SUSPECT', 'DOWN'), FAST_OFF, PORT_DOWN] },
    ],
  },
  {
    name: 'recovery threshold 2: RECOVERING(1) then UP with PORT_UP',
    start: 'DOWN',
    steps: [
      { result: OK, expectPhase: 'RECOVERING', expectActions: [changed('DOWN', 'RECOVERING')], expectSuccesses: 1 },
      { result: OK, expectPhase: 'UP', expectActions: [changed('RECOVERING', 'UP'), PORT_UP], expectSuccesses: 2 },
      { result: OK, expectPhase: 'UP', expectActions: [], expectSuccesses: 3 },
    ],
  },
  {
    name: 'recovery threshold 3 and a relapse: RECOVERING + fail goes back to DOWN without a new alert',
    policy: { failureThreshold: 3, recoveryThreshold: 3 },
    start: 'DOWN',
    steps: [
      { result: OK, expectPhase: 'RECOVERING', expectActions: [changed('DOWN', 'RECOVERING')] },
      { result: OK, expectPhase: 'RECOVERING', expectActions: [] },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('RECOVERING', 'DOWN')], expectFailures: 1 },
      { result: OK, expectPhase: 'RECOVERING', expectActions: [changed('DOWN', 'RECOVERING')], expectSuccesses: 1 },
      { result: OK, expectPhase: 'RECOVERING', expectActions: [] },
      { result: OK, expectPhase: 'UP', expectActions: [changed('RECOVERING', 'UP'), PORT_UP] },
    ],
  },
  {
    name: 'flapping fail, fail, ok never reaches DOWN',
    start: 'UP',
    steps: Array.from({ length: 4 }, (): Step[] => [
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG, changed('UP', 'SUSPECT'), FAST_ON] },
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG], expectFailures: 2 },
      { result: OK, expectPhase: 'UP', expectActions: [changed('SUSPECT', 'UP'), FAST_OFF], expectFailures: 0 },
    ]).flat(),
  },
  {
    name: 'maintenance: failures logged, no PORT_DOWN, no fast retry; an ok after the window is UP',
    start: 'UP',
    steps: [
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG, changed('UP', 'MAINTENANCE')] },
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG] },
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG] },
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG], expectFailures: 4 },
      { result: OK, maint: true, expectPhase: 'MAINTENANCE', expectActions: [] },
      { result: OK, expectPhase: 'UP', expectActions: [changed('MAINTENANCE', 'UP')] },
    ],
  },
  {
    name: 'maintenance ends while the port still fails: failures inside the window count, DOWN at once',
    start: 'UP',
    steps: [
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG, changed('UP', 'MAINTENANCE')] },
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG] },
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG] },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('MAINTENANCE', 'DOWN'), PORT_DOWN] },
    ],
  },
  {
    name: 'maintenance ends after one failure: SUSPECT(2) with fast retry',
    start: 'UP',
    steps: [
      { result: FAIL, maint: true, expectPhase: 'MAINTENANCE', expectActions: [LOG, changed('UP', 'MAINTENANCE')] },
      {
        result: FAIL,
        expectPhase: 'SUSPECT',
        expectActions: [LOG, changed('MAINTENANCE', 'SUSPECT'), FAST_ON],
        expectFailures: 2,
      },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG, changed('SUSPECT', 'DOWN'), FAST_OFF, PORT_DOWN] },
    ],
  },
  {
    name: 'a SUSPECT port entering maintenance stops fast-retrying',
    start: 'UP',
    steps: [
      { result: FAIL, expectPhase: 'SUSPECT', expectActions: [LOG, changed('UP', 'SUSPECT'), FAST_ON] },
      {
        result: FAIL,
        maint: true,
        expectPhase: 'MAINTENANCE',
        expectActions: [LOG, changed('SUSPECT', 'MAINTENANCE'), FAST_OFF],
      },
    ],
  },
  {
    name: 'DOWN before maintenance stays in its incident; PORT_UP only after the window',
    start: 'DOWN',
    steps: [
      { result: FAIL, maint: true, expectPhase: 'DOWN', expectActions: [LOG] },
      { result: OK, maint: true, expectPhase: 'RECOVERING', expectActions: [changed('DOWN', 'RECOVERING')] },
      { result: OK, maint: true, expectPhase: 'RECOVERING', expectActions: [], expectSuccesses: 2 },
      { result: OK, maint: true, expectPhase: 'RECOVERING', expectActions: [] },
      { result: OK, expectPhase: 'UP', expectActions: [changed('RECOVERING', 'UP'), PORT_UP] },
    ],
  },
  {
    name: 'DOWN before maintenance, still failing after it: no second PORT_DOWN',
    start: 'DOWN',
    steps: [
      { result: OK, maint: true, expectPhase: 'RECOVERING', expectActions: [changed('DOWN', 'RECOVERING')] },
      { result: FAIL, maint: true, expectPhase: 'DOWN', expectActions: [LOG, changed('RECOVERING', 'DOWN')] },
      { result: FAIL, expectPhase: 'DOWN', expectActions: [LOG] },
    ],
  },
];

describe('evaluatePort step tables', () => {
  it.each(scenarios.map((s) => [s.name, s] as const))('%s', (_name, scenario) => {
    run(scenario);
  });
});

describe('port state fields', () => {
  it('records the last check, keeps the last error after a success, moves `since` only on a phase change', () => {
    const policy = DEFAULT_ALERT_POLICY;
    const s1 = evaluatePort(initialPortState(T0), OK, policy, { now: T0 + 1, inMaintenance: false }).next;
    expect(s1).toMatchObject({ phase: 'UP', since: T0 + 1, lastCheckAt: T0 + 1, lastOk: true, lastLatencyMs: 3 });
    const s2 = evaluatePort(s1, FAIL, policy, { now: T0 + 2, inMaintenance: false }).next;
    const s3 = evaluatePort(s2, FAIL, policy, { now: T0 + 3, inMaintenance: false }).next;
    expect(s3).toMatchObject({ phase: 'SUSPECT', since: T0 + 2, lastCheckAt: T0 + 3, lastErrorCode: 'ETIMEDOUT' });
    const s4 = evaluatePort(s3, OK, policy, { now: T0 + 4, inMaintenance: false }).next;
    expect(s4).toMatchObject({ phase: 'UP', lastOk: true, lastErrorCode: 'ETIMEDOUT', consecutiveFailures: 0 });
  });

  it('never mutates its input', () => {
    const state = Object.freeze(initialPortState(T0));
    expect(() => evaluatePort(state, FAIL, DEFAULT_ALERT_POLICY, { now: T0, inMaintenance: false })).not.toThrow();
    expect(state.phase).toBe('UNKNOWN');
  });
});

describe('pause and resume', () => {
  it('PAUSED from any phase; results while paused are ignored; resume starts over from UNKNOWN', () => {
    const policy = DEFAULT_ALERT_POLICY;
    let state = initialPortState(T0);
    state = evaluatePort(state, FAIL, policy, { now: T0 + MINUTE, inMaintenance: false }).next;
    state = evaluatePort(state, FAIL, policy, { now: T0 + 2 * MINUTE, inMaintenance: false }).next;
    expect(wantsFastRetry(state)).toBe(true);

    const paused = pausePort(state, T0 + 3 * MINUTE);
    expect(paused.next).toMatchObject({ phase: 'PAUSED', consecutiveFailures: 0, since: T0 + 3 * MINUTE });
    expect(paused.actions).toEqual([changed('SUSPECT', 'PAUSED'), FAST_OFF]);
    expect(pausePort(paused.next, T0).actions).toEqual([]);

    const late = evaluatePort(paused.next, FAIL, policy, { now: T0 + 4 * MINUTE, inMaintenance: false });
    expect(late.next).toBe(paused.next);
    expect(late.actions).toEqual([]);

    const resumed = resumePort(paused.next, T0 + 5 * MINUTE);
    expect(resumed.next).toMatchObject({ phase: 'UNKNOWN', consecutiveFailures: 0, consecutiveSuccesses: 0 });
    expect(resumed.actions).toEqual([changed('PAUSED', 'UNKNOWN')]);
    expect(resumePort(resumed.next, T0).actions).toEqual([]);

    // The two failures before the pause do not carry over: one failure is SUSPECT(1).
    const after = evaluatePort(resumed.next, FAIL, policy, { now: T0 + 6 * MINUTE, inMaintenance: false });
    expect(after.next).toMatchObject({ phase: 'SUSPECT', consecutiveFailures: 1 });
    expect(after.actions).toEqual([LOG, changed('UNKNOWN', 'SUSPECT'), FAST_ON]);
  });
});

describe('restart mid-incident', () => {
  it('a DOWN state restored from the database continues without a second PORT_DOWN', () => {
    const policy = DEFAULT_ALERT_POLICY;
    let state = initialPortState(T0);
    for (let i = 1; i <= 3; i++)
      state = evaluatePort(state, FAIL, policy, { now: T0 + i * MINUTE, inMaintenance: false }).next;
    expect(state.phase).toBe('DOWN');

    const restored = persisted(state);
    const fail = evaluatePort(restored, FAIL, policy, { now: T0 + 10 * MINUTE, inMaintenance: false });
    expect(fail.actions).toEqual([LOG]);
    const ok1 = evaluatePort(fail.next, OK, policy, { now: T0 + 11 * MINUTE, inMaintenance: false });
    const ok2 = evaluatePort(ok1.next, OK, policy, { now: T0 + 12 * MINUTE, inMaintenance: false });
    expect(ok2.actions).toEqual([changed('RECOVERING', 'UP'), PORT_UP]);
  });

  it('a SUSPECT state restored asks for fast retry and keeps its count', () => {
    const policy = DEFAULT_ALERT_POLICY;
    let state = initialPortState(T0);
    state = evaluatePort(state, FAIL, policy, { now: T0, inMaintenance: false }).next;
    state = evaluatePort(state, FAIL, policy, { now: T0 + 1, inMaintenance: false }).next;
    const restored = persisted(state);
    expect(wantsFastRetry(restored)).toBe(true);
    expect(evaluatePort(restored, FAIL, policy, { now: T0 + 2, inMaintenance: false }).actions).toContainEqual(
      PORT_DOWN,
    );
  });
});
