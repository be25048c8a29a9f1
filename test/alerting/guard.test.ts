import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARD_POLICY,
  forgetCanary,
  guardSnapshot,
  initialGuardState,
  isHeld,
  recordCanary,
  recordChecks,
  tickGuard,
  type GuardAction,
  type GuardPolicy,
  type GuardState,
  type Transition,
} from '../../server/alerting/index.ts';
import { T0 } from './fixtures.ts';

const SECOND = 1000;
const policy: GuardPolicy = { ...DEFAULT_GUARD_POLICY, clearAfterMs: 120 * SECOND };

type Call =
  | { at: number; checked: number; failed: number }
  | { at: number; canary: string; ok: boolean }
  | { at: number; tick: true }
  | { at: number; forget: string };

interface Step {
  call: Call;
  expectHeld: boolean;
  expectActions?: Array<GuardAction['type']>;
}

function apply(state: GuardState, call: Call): Transition<GuardState, GuardAction> {
  const now = T0 + call.at * SECOND;
  if ('checked' in call) return recordChecks(state, { checked: call.checked, failed: call.failed }, policy, now);
  if ('canary' in call) return recordCanary(state, { key: call.canary, ok: call.ok }, policy, now);
  if ('forget' in call) return forgetCanary(state, call.forget, policy, now);
  return tickGuard(state, policy, now);
}

function run(steps: Step[]): GuardState {
  let state = initialGuardState();
  steps.forEach((step, i) => {
    const { next, actions } = apply(state, step.call);
    expect(actions.map((a) => a.type), `step ${i + 1}`).toEqual(step.expectActions ?? []);
    expect(isHeld(next), `step ${i + 1}`).toBe(step.expectHeld);
    state = next;
  });
  return state;
}

describe('guard: mass-failure rule over a sliding window', () => {
  it('needs enough checks in the window before it can trip', () => {
    run([
      { call: { at: 0, checked: 10, failed: 10 }, expectHeld: false },
      { call: { at: 1, checked: 9, failed: 9 }, expectHeld: false },
      { call: { at: 2, checked: 1, failed: 1 }, expectHeld: true, expectActions: ['DEGRADED'] },
    ]);
  });

  it('trips once, waits below the clear share for clearAfterMs, then RECOVERED', () => {
    run([
      { call: { at: 0, checked: 40, failed: 2 }, expectHeld: false },
      { call: { at: 10, checked: 40, failed: 39 }, expectHeld: true, expectActions: ['DEGRADED'] },
      { call: { at: 20, checked: 40, failed: 40 }, expectHeld: true },
      // 70 s later the failures have left the window; healthy checks start the clear countdown.
      { call: { at: 90, checked: 40, failed: 0 }, expectHeld: true },
      { call: { at: 150, checked: 40, failed: 1 }, expectHeld: true },
      { call: { at: 209, tick: true }, expectHeld: true },
      { call: { at: 210, tick: true }, expectHeld: false, expectActions: ['RECOVERED'] },
      { call: { at: 215, tick: true }, expectHeld: false },
    ]);
  });

  it('hysteresis: a share between the clear and the trip thresholds neither clears nor re-trips', () => {
    const steps: Step[] = [{ call: { at: 0, checked: 100, failed: 60 }, expectHeld: true, expectActions: ['DEGRADED'] }];
    // Oscillating 30 %–55 % for ten minutes: still one degradation, no RECOVERED.
    for (let i = 1; i <= 60; i++) {
      steps.push({ call: { at: i * 10, checked: 100, failed: i % 2 === 0 ? 55 : 30 }, expectHeld: true });
    }
    run(steps);
  });

  it('a fresh failure burst during the countdown restarts it', () => {
    run([
      { call: { at: 0, checked: 50, failed: 50 }, expectHeld: true, expectActions: ['DEGRADED'] },
      { call: { at: 70, checked: 50, failed: 0 }, expectHeld: true },
      { call: { at: 180, checked: 50, failed: 50 }, expectHeld: true },
      { call: { at: 191, tick: true }, expectHeld: true },
      { call: { at: 250, checked: 50, failed: 0 }, expectHeld: true },
      { call: { at: 369, tick: true }, expectHeld: true },
      { call: { at: 370, tick: true }, expectHeld: false, expectActions: ['RECOVERED'] },
    ]);
  });

  it('the snapshot counts only the window', () => {
    let state = recordChecks(initialGuardState(), { checked: 30, failed: 12 }, policy, T0).next;
    expect(guardSnapshot(state, policy, T0)).toMatchObject({ checked: 30, failed: 12, share: 0.4 });
    state = recordChecks(state, { checked: 10, failed: 0 }, policy, T0 + 30 * SECOND).next;
    expect(guardSnapshot(state, policy, T0 + 30 * SECOND)).toMatchObject({ checked: 40, failed: 12 });
    expect(guardSnapshot(state, policy, T0 + 70 * SECOND)).toMatchObject({ checked: 10, failed: 0 });
    expect(state.buckets.length).toBeLessThanOrEqual(11);
  });

  it('ignores nonsense counts', () => {
    const { next } = recordChecks(initialGuardState(), { checked: 5, failed: 99 }, policy, T0);
    expect(guardSnapshot(next, policy, T0)).toMatchObject({ checked: 5, failed: 5 });
    const neg = recordChecks(initialGuardState(), { checked: -3, failed: Number.NaN }, policy, T0).next;
    expect(guardSnapshot(neg, policy, T0)).toMatchObject({ checked: 0, failed: 0, share: 0 });
  });
});

describe('guard: canaries', () => {
  it('a quorum of failing canaries trips; one dead canary of three does not', () => {
    const state = run([
      { call: { at: 0, canary: 'gw', ok: true }, expectHeld: false },
      { call: { at: 0, canary: 'dns', ok: true }, expectHeld: false },
      { call: { at: 0, canary: 'dc2', ok: true }, expectHeld: false },
      { call: { at: 10, canary: 'dns', ok: false }, expectHeld: false },
      { call: { at: 20, canary: 'dns', ok: false }, expectHeld: false },
      { call: { at: 30, canary: 'dns', ok: false }, expectHeld: false },
      { call: { at: 40, canary: 'dc2', ok: false }, expectHeld: false },
      { call: { at: 50, canary: 'dc2', ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
      { call: { at: 60, canary: 'dc2', ok: false }, expectHeld: true },
      { call: { at: 70, canary: 'dc2', ok: true }, expectHeld: true },
      { call: { at: 80, canary: 'dc2', ok: false }, expectHeld: true },
      { call: { at: 90, canary: 'dc2', ok: false }, expectHeld: true },
      { call: { at: 100, canary: 'dc2', ok: true }, expectHeld: true },
      { call: { at: 219, tick: true }, expectHeld: true },
      { call: { at: 220, tick: true }, expectHeld: false, expectActions: ['RECOVERED'] },
    ]);
    expect(guardSnapshot(state, policy, T0 + 220 * SECOND).failingCanaries).toEqual(['dns']);
  });

  it('reports the reason and figures in DEGRADED, and forgetting a canary counts', () => {
    let state = initialGuardState();
    state = recordCanary(state, { key: 'a', ok: false }, policy, T0).next;
    const tripped = recordCanary(state, { key: 'a', ok: false }, policy, T0 + SECOND);
    expect(tripped.actions).toEqual([
      {
        type: 'DEGRADED',
        reason: 'CANARY',
        snapshot: { checked: 0, failed: 0, share: 0, knownCanaries: 1, failingCanaries: ['a'] },
      },
    ]);
    const forgotten = forgetCanary(tripped.next, 'a', policy, T0 + 2 * SECOND);
    expect(forgotten.next.clearSince).toBe(T0 + 2 * SECOND);
    const cleared = tickGuard(forgotten.next, policy, T0 + 122 * SECOND);
    expect(cleared.actions).toEqual([
      {
        type: 'RECOVERED',
        degradedSince: T0 + SECOND,
        snapshot: { checked: 0, failed: 0, share: 0, knownCanaries: 0, failingCanaries: [] },
      },
    ]);
  });
});
