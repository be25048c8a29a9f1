import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARD_POLICY,
  forgetCanary,
  guardSnapshot,
  initialGuardState,
  isHeld,
  networkOf,
  recordCanary,
  recordCheck,
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
  | { at: number; hosts: string[]; account?: (host: string) => string; ok: boolean }
  | { at: number; canary: string; ok: boolean }
  | { at: number; tick: true }
  | { at: number; forget: string };

interface Step {
  call: Call;
  expectHeld: boolean;
  expectActions?: Array<GuardAction['type']>;
}

/** host i of a spread: its own /24, one of 5 customers */
const spread = (n: number, from = 0): string[] =>
  Array.from({ length: n }, (_, i) => `10.${Math.floor((i + from) / 250)}.${(i + from) % 250}.7`);
const byThird = (host: string): string => `acct-${Number(host.split('.')[2]) % 5}`;

function apply(state: GuardState, call: Call): Transition<GuardState, GuardAction> {
  const now = T0 + call.at * SECOND;
  if ('hosts' in call) {
    let step: Transition<GuardState, GuardAction> = { next: state, actions: [] };
    const actions: GuardAction[] = [];
    for (const host of call.hosts) {
      step = recordCheck(step.next, { host, account: (call.account ?? byThird)(host), ok: call.ok }, policy, now);
      actions.push(...step.actions);
    }
    return { next: step.next, actions };
  }
  if ('canary' in call) return recordCanary(state, { key: call.canary, ok: call.ok }, policy, now);
  if ('forget' in call) return forgetCanary(state, call.forget, policy, now);
  return tickGuard(state, policy, now);
}

function run(steps: Step[], state = initialGuardState()): GuardState {
  steps.forEach((step, i) => {
    const { next, actions } = apply(state, step.call);
    expect(
      actions.map((a) => a.type),
      `step ${i + 1}`,
    ).toEqual(step.expectActions ?? []);
    expect(isHeld(next), `step ${i + 1}`).toBe(step.expectHeld);
    state = next;
  });
  return state;
}

describe('guard: networks', () => {
  it('IPv4 /24 and IPv6 /48', () => {
    expect(networkOf('203.0.113.9')).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:7:1::5')).toBe('2001:db8:7::/48');
    expect(networkOf('2001:db8::1')).toBe('2001:db8::/48');
  });
});

describe('guard: the mass rule judges distinct hosts, networks and customers', () => {
  it('needs minHosts distinct hosts in the window before it can trip', () => {
    run([
      { call: { at: 0, hosts: spread(9), ok: false }, expectHeld: false },
      // the same nine hosts again: still nine distinct hosts, however many checks
      { call: { at: 5, hosts: spread(9), ok: false }, expectHeld: false },
      { call: { at: 6, hosts: spread(1, 9), ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
    ]);
  });

  it('one host with any number of ports and checks never trips it', () => {
    const steps: Step[] = [{ call: { at: 0, hosts: spread(30), ok: true }, expectHeld: false }];
    for (let i = 1; i <= 50; i++)
      steps.push({ call: { at: i, hosts: Array(20).fill('10.9.9.9'), ok: false }, expectHeld: false });
    run(steps);
  });

  it('one customer never trips it, whatever its share', () => {
    run([
      { call: { at: 0, hosts: spread(5), ok: true }, expectHeld: false },
      { call: { at: 1, hosts: spread(40, 5), account: () => 'big-customer', ok: false }, expectHeld: false },
      { call: { at: 30, tick: true }, expectHeld: false },
    ]);
  });

  it('one network never trips it: failing hosts must span several networks, as a share of the networks seen', () => {
    const oneNet = Array.from({ length: 30 }, (_, i) => `192.0.2.${i + 1}`);
    const others = spread(8);
    run([
      { call: { at: 0, hosts: others, ok: true }, expectHeld: false },
      // 30 of 38 hosts fail, from five customers, but in one /24 of nine networks
      {
        call: { at: 1, hosts: oneNet, account: (h) => `c${Number(h.split('.')[3]) % 5}`, ok: false },
        expectHeld: false,
      },
    ]);
  });

  it('a host that answered once in the window is not failing', () => {
    const hosts = spread(12);
    run([
      { call: { at: 0, hosts, ok: true }, expectHeld: false },
      { call: { at: 1, hosts, ok: false }, expectHeld: false },
      // the successes leave the window after 60 s: now every host failed all its regular checks
      { call: { at: 60, tick: true }, expectHeld: true, expectActions: ['DEGRADED'] },
    ]);
  });

  it('trips once, waits below the clear share for clearAfterMs, then RECOVERED', () => {
    const hosts = spread(40);
    run([
      { call: { at: 0, hosts, ok: true }, expectHeld: false },
      { call: { at: 61, hosts: hosts.slice(0, 25), ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
      { call: { at: 70, hosts: hosts.slice(25), ok: false }, expectHeld: true },
      // 65 s later the failures have left the window; healthy checks start the clear countdown
      { call: { at: 135, hosts, ok: true }, expectHeld: true },
      { call: { at: 254, tick: true }, expectHeld: true },
      { call: { at: 255, tick: true }, expectHeld: false, expectActions: ['RECOVERED'] },
      { call: { at: 260, tick: true }, expectHeld: false },
    ]);
  });

  it('hysteresis: a share between the clear and the trip thresholds neither clears nor re-trips', () => {
    const hosts = spread(100);
    const steps: Step[] = [{ call: { at: 0, hosts, ok: false }, expectHeld: true, expectActions: ['DEGRADED'] }];
    // 30 % of the hosts failing for eight minutes (the window is 60 s): one degradation, no RECOVERED
    for (let i = 1; i <= 8; i++) {
      steps.push({ call: { at: 61 * i, hosts: hosts.slice(0, 30), ok: false }, expectHeld: true });
      steps.push({ call: { at: 61 * i, hosts: hosts.slice(30), ok: true }, expectHeld: true });
    }
    const state = run(steps);
    expect(guardSnapshot(state, policy, T0 + 488 * SECOND)).toMatchObject({ hosts: 100, failingHosts: 30 });
  });
});

describe('guard: the hold has a limit', () => {
  it('after maxHoldMs customer alerts flow again; the degradation goes on until the prober is back', () => {
    const hosts = spread(20);
    const state = run([
      { call: { at: 0, hosts, ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
      { call: { at: 599, hosts, ok: false }, expectHeld: true },
      { call: { at: 600, tick: true }, expectHeld: false, expectActions: ['HOLD_EXPIRED'] },
      { call: { at: 660, hosts, ok: false }, expectHeld: false },
      { call: { at: 700, hosts, ok: true }, expectHeld: false },
      { call: { at: 819, tick: true }, expectHeld: false },
      { call: { at: 820, tick: true }, expectHeld: false, expectActions: ['RECOVERED'] },
      // a new degradation holds again, with a fresh limit
      { call: { at: 900, hosts, ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
    ]);
    expect(state.degradedSince).toBe(T0 + 900 * SECOND);
  });

  it('RECOVERED says whether the hold had already expired (so held alerts are released once)', () => {
    const hosts = spread(20);
    let state = run([{ call: { at: 0, hosts, ok: false }, expectHeld: true, expectActions: ['DEGRADED'] }]);
    state = run([{ call: { at: 61, hosts, ok: true }, expectHeld: true }], state);
    const recovered = tickGuard(state, policy, T0 + 181 * SECOND);
    expect(recovered.actions).toMatchObject([{ type: 'RECOVERED', holdExpired: false, degradedSince: T0 }]);
  });
});

describe('guard: canaries are preferred', () => {
  it('a quorum of failing canaries trips; one dead canary of three does not', () => {
    const state = run([
      { call: { at: 0, canary: 'gw', ok: true }, expectHeld: false },
      { call: { at: 0, canary: 'dns', ok: true }, expectHeld: false },
      { call: { at: 0, canary: 'dc2', ok: true }, expectHeld: false },
      { call: { at: 10, canary: 'dns', ok: false }, expectHeld: false },
      { call: { at: 20, canary: 'dns', ok: false }, expectHeld: false },
      { call: { at: 40, canary: 'dc2', ok: false }, expectHeld: false },
      { call: { at: 50, canary: 'dc2', ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
      { call: { at: 100, canary: 'dc2', ok: true }, expectHeld: true },
      // one canary still failing: not clear
      { call: { at: 300, tick: true }, expectHeld: true },
      { call: { at: 301, canary: 'dns', ok: true }, expectHeld: true },
      { call: { at: 420, tick: true }, expectHeld: true },
      { call: { at: 421, tick: true }, expectHeld: false, expectActions: ['RECOVERED'] },
    ]);
    expect(guardSnapshot(state, policy, T0 + 421 * SECOND).failingCanaries).toEqual([]);
  });

  it('with canaries answering, a mass failure of customer hosts is a customer outage: nothing is held', () => {
    run([
      { call: { at: 0, canary: 'gw', ok: true }, expectHeld: false },
      { call: { at: 1, hosts: spread(200), ok: false }, expectHeld: false },
      { call: { at: 30, tick: true }, expectHeld: false },
    ]);
  });

  it('canaries hold even a tiny installation, which the mass rule never would', () => {
    run([
      { call: { at: 0, hosts: spread(1), ok: false }, expectHeld: false },
      { call: { at: 0, canary: 'gw', ok: false }, expectHeld: false },
      { call: { at: 10, canary: 'gw', ok: false }, expectHeld: true, expectActions: ['DEGRADED'] },
    ]);
  });

  it('reports the reason and figures in DEGRADED, and forgetting a canary counts', () => {
    let state = initialGuardState();
    state = recordCanary(state, { key: 'a', ok: false }, policy, T0).next;
    const tripped = recordCanary(state, { key: 'a', ok: false }, policy, T0 + SECOND);
    expect(tripped.actions).toEqual([
      {
        type: 'DEGRADED',
        reason: 'CANARY',
        snapshot: {
          hosts: 0,
          failingHosts: 0,
          networks: 0,
          failingNetworks: 0,
          failingAccounts: 0,
          knownCanaries: 1,
          failingCanaries: ['a'],
        },
      },
    ]);
    const forgotten = forgetCanary(tripped.next, 'b', policy, T0 + 2 * SECOND);
    expect(forgotten.next.clearSince).toBeNull();
    const back = recordCanary(forgotten.next, { key: 'a', ok: true }, policy, T0 + 2 * SECOND);
    expect(back.next.clearSince).toBe(T0 + 2 * SECOND);
    const cleared = forgetCanary(back.next, 'a', policy, T0 + 122 * SECOND);
    expect(cleared.actions).toEqual([
      {
        type: 'RECOVERED',
        degradedSince: T0 + SECOND,
        holdExpired: false,
        snapshot: {
          hosts: 0,
          failingHosts: 0,
          networks: 0,
          failingNetworks: 0,
          failingAccounts: 0,
          knownCanaries: 0,
          failingCanaries: [],
        },
      },
    ]);
  });
});
