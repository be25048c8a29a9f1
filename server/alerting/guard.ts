/**
 * Prober self-outage guard (pure). Decides when the prober itself is probably broken,
 * so that customer alerts are held and the admin gets one "probe degraded" incident.
 *
 * Two rules trip it:
 *  - CANARY: canary targets (known-good endpoints the prober checks like ports). A canary
 *    is failing after `canaryFailuresToTrip` failures in a row (one success resets it). The
 *    rule trips when at least `canaryQuorum` of the known canaries are failing (use ≥ 3
 *    canaries on independent paths: with quorum 0.5 and 2 canaries, one dead canary trips).
 *  - MASS_FAILURE: "a share of all ports failing in one round". Ports are spread over the
 *    check interval, so a round is a SLIDING WINDOW of the last `windowMs`, kept as ten
 *    count buckets (a window needs no per-port memory). It trips when the window holds at
 *    least `minPortsForMassRule` checks and failed/checked ≥ `massFailureShare`.
 *
 *  state     | input (recordChecks / recordCanary / tickGuard) | next                | actions
 *  ----------+-------------------------------------------------+---------------------+-------------------------
 *  healthy   | a rule trips (CANARY checked first)              | degraded, reason    | DEGRADED {reason, snapshot}
 *  healthy   | no rule trips                                    | healthy             | none
 *  degraded  | canary failing, or mass share ≥ massClearShare   | degraded, clearSince=null | none (no second DEGRADED)
 *  degraded  | all clear, for < clearAfterMs                    | degraded, clearSince set  | none
 *  degraded  | all clear, for ≥ clearAfterMs                    | healthy             | RECOVERED {degradedSince, snapshot}
 *
 * Hysteresis (no flapping): trips at massFailureShare but only counts as clear below the
 * lower massClearShare, and must stay clear for clearAfterMs before RECOVERED. With too
 * few checks in the window the mass rule neither trips nor blocks the clear.
 *
 * Tuning (integrator): the guard must trip before a port's T-th failure, i.e. roughly
 * windowMs × massFailureShare < (T − 1) × fast-retry interval, and canaries must be checked
 * often; `clearAfterMs` ≥ recoveryThreshold × check interval lets ports that failed only
 * because of the prober re-qualify UP before held alerts are re-evaluated.
 * Record only customer port checks in recordChecks (not canaries). `now` should not go back.
 */
import type { CanaryState, GuardAction, GuardBucket, GuardPolicy, GuardSnapshot, GuardState, Transition } from './types.ts';
import { effectiveThreshold } from './port.ts';

type GuardStep = Transition<GuardState, GuardAction>;

export const DEFAULT_GUARD_POLICY: Readonly<GuardPolicy> = Object.freeze({
  massFailureShare: 0.5,
  massClearShare: 0.2,
  minPortsForMassRule: 20,
  windowMs: 60_000,
  canaryFailuresToTrip: 2,
  canaryQuorum: 0.5,
  clearAfterMs: 360_000,
});

const BUCKETS_PER_WINDOW = 10;

export function initialGuardState(): GuardState {
  return { degraded: false, degradedSince: null, reason: null, clearSince: null, buckets: [], canaries: {} };
}

/** Customer alerts must be held (admin alerted instead). */
export function isHeld(state: GuardState): boolean {
  return state.degraded;
}

function bucketLength(policy: GuardPolicy): number {
  return Math.max(1, Math.floor(policy.windowMs / BUCKETS_PER_WINDOW));
}

/** Keeps the buckets that overlap the window (now − windowMs, now]. */
function prune(buckets: readonly GuardBucket[], policy: GuardPolicy, now: number): GuardBucket[] {
  const length = bucketLength(policy);
  return buckets.filter((b) => b.start + length > now - policy.windowMs);
}

function failingCanaries(canaries: Readonly<Record<string, CanaryState>>, policy: GuardPolicy): string[] {
  const limit = effectiveThreshold(policy.canaryFailuresToTrip);
  return Object.entries(canaries)
    .filter(([, c]) => c.consecutiveFailures >= limit)
    .map(([key]) => key)
    .sort();
}

function snapshotOf(
  buckets: readonly GuardBucket[],
  canaries: Readonly<Record<string, CanaryState>>,
  policy: GuardPolicy,
): GuardSnapshot {
  let checked = 0;
  let failed = 0;
  for (const b of buckets) {
    checked += b.checked;
    failed += b.failed;
  }
  return {
    checked,
    failed,
    share: checked > 0 ? failed / checked : 0,
    knownCanaries: Object.keys(canaries).length,
    failingCanaries: failingCanaries(canaries, policy),
  };
}

/** The guard's figures at `now` (for the admin incident text or a dashboard). */
export function guardSnapshot(state: GuardState, policy: GuardPolicy, now: number): GuardSnapshot {
  return snapshotOf(prune(state.buckets, policy, now), state.canaries, policy);
}

/** Re-assesses the rules over the given (already updated) buckets and canaries. */
function step(
  state: GuardState,
  buckets: GuardBucket[],
  canaries: Record<string, CanaryState>,
  policy: GuardPolicy,
  now: number,
): GuardStep {
  const pruned = prune(buckets, policy, now);
  const snap = snapshotOf(pruned, canaries, policy);
  const enough = snap.checked >= policy.minPortsForMassRule && snap.checked > 0;
  const massTrips = enough && snap.share >= policy.massFailureShare;
  const massClear = !enough || snap.share < policy.massClearShare;
  const failing = snap.failingCanaries.length;
  const canaryTrips = failing > 0 && failing / snap.knownCanaries >= policy.canaryQuorum;
  const base: GuardState = { ...state, buckets: pruned, canaries };

  if (!state.degraded) {
    const reason = canaryTrips ? 'CANARY' : massTrips ? 'MASS_FAILURE' : null;
    if (reason === null) return { next: base, actions: [] };
    return {
      next: { ...base, degraded: true, degradedSince: now, reason, clearSince: null },
      actions: [{ type: 'DEGRADED', reason, snapshot: snap }],
    };
  }

  if (canaryTrips || !massClear) return { next: { ...base, clearSince: null }, actions: [] };
  const clearSince = state.clearSince ?? now;
  if (now - clearSince < policy.clearAfterMs) return { next: { ...base, clearSince }, actions: [] };
  return {
    next: { ...base, degraded: false, degradedSince: null, reason: null, clearSince: null },
    actions: [{ type: 'RECOVERED', degradedSince: state.degradedSince ?? clearSince, snapshot: snap }],
  };
}

/**
 * Adds customer port check outcomes (one check, or a batch since the last call) to the
 * sliding window and re-assesses. `failed` is capped to `checked`.
 */
export function recordChecks(
  state: GuardState,
  counts: { checked: number; failed: number },
  policy: GuardPolicy,
  now: number,
): GuardStep {
  const checked = Math.max(0, Math.floor(counts.checked) || 0);
  const failed = Math.min(checked, Math.max(0, Math.floor(counts.failed) || 0));
  const length = bucketLength(policy);
  const start = Math.floor(now / length) * length;
  const current = state.buckets.find((b) => b.start === start);
  const buckets = current
    ? state.buckets.map((b) => (b === current ? { start, checked: b.checked + checked, failed: b.failed + failed } : b))
    : [...state.buckets, { start, checked, failed }];
  return step(state, buckets, state.canaries, policy, now);
}

/** Records one canary check and re-assesses. */
export function recordCanary(
  state: GuardState,
  canary: { key: string; ok: boolean },
  policy: GuardPolicy,
  now: number,
): GuardStep {
  const previous = state.canaries[canary.key];
  const entry: CanaryState = {
    consecutiveFailures: canary.ok ? 0 : (previous?.consecutiveFailures ?? 0) + 1,
    lastOk: canary.ok,
    lastAt: now,
  };
  return step(state, state.buckets, { ...state.canaries, [canary.key]: entry }, policy, now);
}

/** A canary was removed from the configuration: it no longer counts. */
export function forgetCanary(state: GuardState, key: string, policy: GuardPolicy, now: number): GuardStep {
  const canaries = Object.fromEntries(Object.entries(state.canaries).filter(([k]) => k !== key));
  return step(state, state.buckets, canaries, policy, now);
}

/**
 * Re-assesses with no new data: call it from a periodic timer (e.g. every few seconds)
 * so that the window slides and the clear countdown ends even when few checks arrive.
 */
export function tickGuard(state: GuardState, policy: GuardPolicy, now: number): GuardStep {
  return step(state, state.buckets, state.canaries, policy, now);
}
