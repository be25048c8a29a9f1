import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARD_POLICY,
  evaluate,
  guardSnapshot,
  initialGuardState,
  initialMonitorState,
  isHeld,
  isIncidentPhase,
  pauseMonitor,
  recordCanary,
  recordCheck,
  releaseHeld,
  resumeMonitor,
  setMonitorPorts,
  tickGuard,
  type GuardAction,
  type GuardPolicy,
  type MaintenanceWindow,
  type MonitorAction,
  type MonitorAlertState,
  type MonitorPolicy,
} from '../../server/alerting/index.ts';
import { FAIL, OK, T0, persisted } from './fixtures.ts';

const PORTS = [22, 80, 443] as const;
const ALWAYS: MaintenanceWindow = { kind: 'once', startsAt: 0, endsAt: Number.MAX_SAFE_INTEGER };

type Command =
  | { kind: 'check'; port: number; ok: boolean; maint: boolean; held: boolean }
  | { kind: 'release'; held: boolean }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'restart' }
  | { kind: 'ports'; ports: number[] };

const command: fc.Arbitrary<Command> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('check' as const),
      port: fc.constantFrom(...PORTS),
      ok: fc.boolean(),
      maint: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
      held: fc.boolean(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('release' as const), held: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'pause' as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'resume' as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'restart' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('ports' as const), ports: fc.subarray([...PORTS], { minLength: 1 }) }),
  },
);

/** Results of each port since its counters last reset (new port, pause). */
type History = Map<number, boolean[]>;
const trailing = (results: readonly boolean[], value: boolean): number => {
  let n = 0;
  for (let i = results.length - 1; i >= 0 && results[i] === value; i--) n++;
  return n;
};

describe('alerting properties (fast-check)', () => {
  it('incidents alternate, alerts respect thresholds, maintenance and holds, host agrees with ports', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(command, { maxLength: 120 }),
        (failureThreshold, recoveryThreshold, commands) => {
          let state: MonitorAlertState = initialMonitorState(PORTS, T0);
          let open = false;
          const history: History = new Map(PORTS.map((p) => [p, []]));
          const down = new Set<number>();
          let now = T0;

          const observe = (actions: MonitorAction[], ctx: { maint: boolean; held: boolean }): void => {
            for (const a of actions) {
              if (a.type === 'OPEN_INCIDENT') {
                expect(open, 'OPEN_INCIDENT twice without RESOLVE').toBe(false);
                expect(ctx.held, 'OPEN_INCIDENT while held').toBe(false);
                open = true;
              } else if (a.type === 'RESOLVE_INCIDENT') {
                expect(open, 'RESOLVE without OPEN').toBe(true);
                open = false;
              } else if (a.type === 'ADD_PORT' || a.type === 'REMOVE_PORT') {
                expect(open, `${a.type} with no incident`).toBe(true);
                if (a.type === 'ADD_PORT') expect(ctx.held, 'ADD_PORT while held').toBe(false);
              } else if (a.type === 'PORT_DOWN') {
                expect(ctx.maint, 'PORT_DOWN in maintenance').toBe(false);
                expect(trailing(history.get(a.port) ?? [], false)).toBeGreaterThanOrEqual(failureThreshold);
                expect(down.has(a.port), 'PORT_DOWN twice').toBe(false);
                down.add(a.port);
              } else if (a.type === 'PORT_UP') {
                expect(ctx.maint, 'PORT_UP in maintenance').toBe(false);
                expect(trailing(history.get(a.port) ?? [], true)).toBeGreaterThanOrEqual(recoveryThreshold);
                expect(down.delete(a.port), 'PORT_UP without PORT_DOWN').toBe(true);
              }
            }
          };

          for (const cmd of commands) {
            now += 10_000;
            if (cmd.kind === 'check') {
              const policy: MonitorPolicy = {
                failureThreshold,
                recoveryThreshold,
                maintenance: cmd.maint ? [ALWAYS] : [],
              };
              const live = !state.paused && state.ports[cmd.port] !== undefined;
              if (live) history.get(cmd.port)?.push(cmd.ok);
              const step = evaluate(
                state,
                { port: cmd.port, result: cmd.ok ? OK : FAIL, alertsHeld: cmd.held },
                policy,
                now,
              );
              observe(step.actions, cmd);
              state = step.next;
              const ps = state.ports[cmd.port];
              if (live && ps) {
                const h = history.get(cmd.port) ?? [];
                expect(ps.consecutiveFailures).toBe(trailing(h, false));
                expect(ps.consecutiveSuccesses).toBe(trailing(h, true));
              }
            } else if (cmd.kind === 'release') {
              const step = releaseHeld(state, now, cmd.held);
              observe(step.actions, { maint: false, held: cmd.held });
              state = step.next;
            } else if (cmd.kind === 'pause' || cmd.kind === 'resume') {
              const step = cmd.kind === 'pause' ? pauseMonitor(state, now) : resumeMonitor(state, now);
              observe(step.actions, { maint: false, held: false });
              state = step.next;
              if (cmd.kind === 'pause') {
                for (const p of PORTS) history.set(p, []);
                down.clear();
              }
            } else if (cmd.kind === 'restart') {
              state = persisted(state);
            } else {
              const step = setMonitorPorts(state, cmd.ports, now);
              observe(step.actions, { maint: false, held: false });
              state = step.next;
              for (const p of PORTS) {
                if (!cmd.ports.includes(p)) {
                  history.set(p, []);
                  down.delete(p);
                }
              }
            }

            // The host agrees with its ports: down ∪ held = ports in DOWN/RECOVERING.
            const { host } = state;
            const inIncident = Object.entries(state.ports)
              .filter(([, ps]) => isIncidentPhase(ps.phase))
              .map(([p]) => Number(p))
              .sort((a, b) => a - b);
            expect([...host.downPorts, ...host.heldPorts].sort((a, b) => a - b)).toEqual(inIncident);
            expect([...down].sort((a, b) => a - b)).toEqual(inIncident);
            expect(host.incidentOpen).toBe(host.downPorts.length > 0);
            expect(host.incidentOpen).toBe(open);
            expect(host.held).toBe(host.heldPorts.length > 0);
            expect(host.downPorts).toEqual([...host.downPorts].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('guard: DEGRADED, HOLD_EXPIRED and RECOVERED keep their order; the hold never exceeds maxHoldMs', () => {
    const policy: GuardPolicy = {
      massFailureShare: 0.5,
      massClearShare: 0.2,
      minHosts: 5,
      minNetworks: 2,
      minAccounts: 2,
      windowMs: 60_000,
      canaryFailuresToTrip: 2,
      canaryQuorum: 0.5,
      clearAfterMs: 90_000,
      maxHoldMs: 300_000,
    };
    const hosts = Array.from({ length: 12 }, (_, i) => ({ host: `10.0.${i % 4}.${i + 1}`, account: `c${i % 3}` }));
    const step = fc.oneof(
      fc.record({ kind: fc.constant('check' as const), host: fc.nat(11), ok: fc.boolean() }),
      fc.record({ kind: fc.constant('canary' as const), key: fc.constantFrom('a', 'b', 'c'), ok: fc.boolean() }),
      fc.record({ kind: fc.constant('tick' as const) }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(30_000), step), { maxLength: 300 }), (steps) => {
        let state = initialGuardState();
        let now = T0;
        let degradedAt: number | null = null;
        let expired = false;
        const samples: { at: number; host: number; ok: boolean }[] = [];
        for (const [dt, s] of steps) {
          now += dt;
          let actions: GuardAction[];
          if (s.kind === 'check') {
            samples.push({ at: now, host: s.host, ok: s.ok });
            ({ next: state, actions } = recordCheck(state, { ...hosts[s.host]!, ok: s.ok }, policy, now));
          } else if (s.kind === 'canary') {
            ({ next: state, actions } = recordCanary(state, { key: s.key, ok: s.ok }, policy, now));
          } else {
            ({ next: state, actions } = tickGuard(state, policy, now));
          }
          for (const a of actions) {
            if (a.type === 'DEGRADED') {
              expect(degradedAt).toBeNull();
              degradedAt = now;
              expired = false;
            } else if (a.type === 'HOLD_EXPIRED') {
              expect(degradedAt).not.toBeNull();
              expect(expired).toBe(false);
              expect(now - (degradedAt ?? now)).toBeGreaterThanOrEqual(policy.maxHoldMs);
              expired = true;
            } else {
              expect(degradedAt).not.toBeNull();
              expect(a.holdExpired).toBe(expired);
              expect(now - (degradedAt ?? now)).toBeGreaterThanOrEqual(policy.clearAfterMs);
              degradedAt = null;
            }
          }
          expect(isHeld(state)).toBe(degradedAt !== null && !expired);
          // the running counters agree with a recount of the raw samples in the window
          const inWindow = samples.filter((x) => x.at > now - policy.windowMs);
          const seen = new Set(inWindow.map((x) => x.host));
          const failing = [...seen].filter((h) => !inWindow.some((x) => x.host === h && x.ok));
          const snap = guardSnapshot(state, policy, now);
          expect(snap.hosts).toBe(seen.size);
          expect(snap.failingHosts).toBe(failing.length);
          expect(snap.failingAccounts).toBe(new Set(failing.map((h) => hosts[h]!.account)).size);
          const nets = new Set([...seen].map((h) => h % 4));
          const failingNets = [...nets].filter((n) =>
            [...seen].filter((h) => h % 4 === n).every((h) => failing.includes(h)),
          );
          expect(snap.networks).toBe(nets.size);
          expect(snap.failingNetworks).toBe(failingNets.length);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('guard: evidence from one customer never trips it', () => {
    const policy: GuardPolicy = { ...DEFAULT_GUARD_POLICY, minHosts: 2 };
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(20_000), fc.nat(30), fc.boolean()), { maxLength: 200 }), (steps) => {
        let state = initialGuardState();
        let now = T0;
        for (const [dt, n, ok] of steps) {
          now += dt;
          // hosts 0–14 (in 15 networks) are customer "one"'s; failures only ever come from them
          const host = ok ? n : n % 15;
          const account = host < 15 ? 'one' : `c${host % 3}`;
          const step = recordCheck(state, { host: `10.${host}.0.1`, account, ok }, policy, now);
          state = step.next;
          expect(step.actions).toEqual([]);
        }
      }),
      { numRuns: 200 },
    );
  });
});
