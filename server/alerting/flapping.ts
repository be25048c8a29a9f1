/**
 * Flapping detector for one port (pure: no I/O, no clock; `ctx.now` is given). It runs beside
 * the consecutive-failure machine of port.ts: that rule never alerts a port that fails, fails,
 * answers, fails, fails, answers…; this one does, once.
 *
 * W = window (default 21 checks), C = changes threshold (default 6), S = failed share (0.3).
 * The history is the port's last W check outcomes outside maintenance ('1' failed, '0' ok).
 * changes = adjacent outcomes that differ in the history; runs = separate runs of failures.
 *
 *  from         | check | condition                                         | to           | actions
 *  -------------+-------+---------------------------------------------------+--------------+----------------------
 *  any          | any   | maint                                             | unchanged    | none: the history is frozen
 *  any          | any   | !enabled                                          | STABLE, []   | FLAP_END if it was FLAPPING
 *  STABLE       | any   | changes ≥ C, or failed/checks ≥ S and runs ≥ 3    | FLAPPING     | FLAP_START {figures}
 *  STABLE       | any   | otherwise                                         | STABLE       | none
 *  FLAPPING     | any   | history full (W), no change in it, and: all ok,   | STABLE       | FLAP_END {figures}
 *               |       |   or all failed while the port is DOWN            |              |
 *  FLAPPING     | any   | otherwise                                         | FLAPPING     | none
 *
 * Decisions:
 *  - A clean outage (one run of failures, however long) has at most 2 changes and 1 run: it is
 *    never flapping, so it alerts exactly as before through the consecutive rule.
 *  - A single failed check is 1 run and at most 2 changes; the policy limits (C ≥ 4) keep it
 *    below every allowed threshold, so it can never trigger anything.
 *  - The share rule needs 3 separate failure runs: a long outage followed by one blip is not
 *    flapping; a slow flap (4 failed, 4 ok, …) that the change count misses is.
 *  - Leaving needs the whole window stable (hysteresis): a port alternating forever stays
 *    FLAPPING and is announced once. All failures for W checks ends flapping only while the
 *    port is DOWN: the outage then carries the incident, and its recovery closes it.
 *  - Maintenance freezes the history: flaps inside a window are neither announced then nor
 *    afterwards (a restart during maintenance is expected to flap).
 */
import type { Transition } from './types.ts';

export interface FlapPolicy {
  /** Detect flapping at all (off: the port only alerts by the consecutive-failure rule). */
  enabled: boolean;
  /** Checks in the window (default 21: 20 changes possible, as in Nagios). */
  window: number;
  /** State changes in the window that mean flapping (default 6 = 30 % of the 20 possible). */
  changes: number;
  /** Share of failed checks in the window that means flapping, with ≥ 3 failure runs (0.3). */
  failedShare: number;
}

export const DEFAULT_FLAP_POLICY: Readonly<FlapPolicy> = Object.freeze({
  enabled: true,
  window: 21,
  changes: 6,
  failedShare: 0.3,
});

/** What the policy may be set to (admin default and customer override alike). */
export const FLAP_LIMITS = Object.freeze({
  window: { min: 6, max: 100 },
  /** ≥ 4: a single failed check (2 changes) can never reach it. */
  changes: { min: 4 },
  failedShare: { min: 0.1, max: 1 },
});

/** Failure runs the share rule needs. */
export const SHARE_RULE_MIN_RUNS = 3;

export interface FlapState {
  /** Outcomes of the port's last checks outside maintenance, oldest first: '1' failed, '0' ok. */
  history: string;
  flapping: boolean;
  /** When flapping began (epoch ms); null while stable. */
  since: number | null;
}

export interface FlapFigures {
  /** Checks in the window so far (≤ window). */
  checks: number;
  failed: number;
  changes: number;
  runs: number;
}

export interface FlapContext {
  now: number;
  inMaintenance: boolean;
  /** The port is DOWN or RECOVERING after this check (port.ts). */
  portInIncident: boolean;
}

export type FlapAction = { type: 'FLAP_START'; figures: FlapFigures } | { type: 'FLAP_END'; figures: FlapFigures };

export function initialFlapState(): FlapState {
  return { history: '', flapping: false, since: null };
}

/** The policy as the detector uses it: integers, inside FLAP_LIMITS. */
export function effectiveFlapPolicy(p: FlapPolicy): FlapPolicy {
  const int = (v: number, min: number, max: number) =>
    Number.isFinite(v) ? Math.min(max, Math.max(min, Math.floor(v))) : min;
  const window = int(p.window, FLAP_LIMITS.window.min, FLAP_LIMITS.window.max);
  const share = Number.isFinite(p.failedShare) ? p.failedShare : DEFAULT_FLAP_POLICY.failedShare;
  return {
    enabled: p.enabled,
    window,
    changes: int(p.changes, FLAP_LIMITS.changes.min, Math.max(FLAP_LIMITS.changes.min, window - 1)),
    failedShare: Math.min(FLAP_LIMITS.failedShare.max, Math.max(FLAP_LIMITS.failedShare.min, share)),
  };
}

/** effectiveFlapPolicy per policy object (a monitor keeps its policy object until it is edited). */
const effective = new WeakMap<FlapPolicy, FlapPolicy>();

function effectiveOf(policy: FlapPolicy): FlapPolicy {
  let p = effective.get(policy);
  if (!p) {
    p = effectiveFlapPolicy(policy);
    effective.set(policy, p);
  }
  return p;
}

export function flapFigures(history: string): FlapFigures {
  let failed = 0;
  let changes = 0;
  let runs = 0;
  for (let i = 0; i < history.length; i++) {
    const failedNow = history[i] === '1';
    if (failedNow) failed++;
    if (i > 0 && history[i] !== history[i - 1]) changes++;
    if (failedNow && (i === 0 || history[i - 1] !== '1')) runs++;
  }
  return { checks: history.length, failed, changes, runs };
}

/** Whether the figures pass a threshold of the (effective) policy. */
export function passesFlapThreshold(f: FlapFigures, p: FlapPolicy): boolean {
  if (f.changes >= p.changes) return true;
  return f.checks > 0 && f.failed / f.checks >= p.failedShare && f.runs >= SHARE_RULE_MIN_RUNS;
}

/**
 * The flap window after a success that cannot change anything: flapping enabled, the port not
 * flapping, no failure in its window. It is the window with one more success (a full window stays
 * as it is, the same object); null when the check is not such a success. The probe's fast path
 * uses it (flap-monitor.ts, steadyFlap); a property test holds it to evaluateFlap.
 */
export function quietFlapNext(state: FlapState | undefined, ok: boolean, policy: FlapPolicy): FlapState | null {
  if (!ok) return null;
  const p = effectiveOf(policy);
  if (!p.enabled) return null;
  const s = state ?? initialFlapState();
  if (s.flapping || s.since !== null || s.history.length > p.window || s.history.includes('1')) return null;
  if (s.history.length === p.window) return s;
  return { history: `${s.history}0`, flapping: false, since: null };
}

export function evaluateFlap(
  state: FlapState,
  ok: boolean,
  policy: FlapPolicy,
  ctx: FlapContext,
): Transition<FlapState, FlapAction> {
  if (ctx.inMaintenance) return { next: state, actions: [] };
  const p = effectiveOf(policy);
  if (!p.enabled) {
    const next = initialFlapState();
    return { next, actions: state.flapping ? [{ type: 'FLAP_END', figures: flapFigures(state.history) }] : [] };
  }
  // steady state (the common case): a full window of successes and one more changes nothing
  if (ok && !state.flapping && state.history.length === p.window && !state.history.includes('1'))
    return { next: state, actions: [] };
  const history = (state.history + (ok ? '0' : '1')).slice(-p.window);
  const figures = flapFigures(history);
  if (!state.flapping) {
    if (!passesFlapThreshold(figures, p)) return { next: { history, flapping: false, since: null }, actions: [] };
    return { next: { history, flapping: true, since: ctx.now }, actions: [{ type: 'FLAP_START', figures }] };
  }
  const stable = history.length >= p.window && figures.changes === 0 && (figures.failed === 0 || ctx.portInIncident);
  if (!stable) return { next: { ...state, history }, actions: [] };
  return { next: { history, flapping: false, since: null }, actions: [{ type: 'FLAP_END', figures }] };
}
