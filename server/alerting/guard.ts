/**
 * Prober self-outage guard (pure: no I/O, no clock; `now` is given). Decides when the prober
 * itself is probably cut off, so that customer alerts are held for a bounded time and the
 * admins get one "probe degraded" incident. It judges the prober, not the customers.
 *
 * Evidence:
 *  - CANARY (preferred): known-good endpoints checked like ports. A canary is failing after
 *    `canaryFailuresToTrip` failures in a row; the rule trips when at least `canaryQuorum` of
 *    them fail. When canaries are configured they alone decide: canaries that answer prove the
 *    prober can reach the outside, so customer failures are then always customer outages.
 *  - MASS_FAILURE (without canaries): distinct HOSTS at their REGULAR checks (the interval
 *    grid; never retries or sibling re-checks, which follow failures and would let one failing
 *    host fill the window) over a sliding window of `windowMs`. A host fails in the window when
 *    it has regular checks there and none answered; a network (IPv4 /24, IPv6 /48) fails when
 *    every host of it seen in the window failed. It trips only when all of these hold:
 *      hosts seen ≥ minHosts, failing hosts ≥ massFailureShare of hosts seen,
 *      failing networks ≥ massFailureShare of networks seen, failing networks ≥ minNetworks,
 *      failing hosts belong to ≥ minAccounts customers.
 *    So one host (however many ports), one network or one customer never trips it, and an
 *    installation with fewer than `minHosts` hosts checked per window never holds an alert
 *    without canaries (a false alert is better than a silenced real one).
 *
 *  state               | input (recordCheck / recordCanary / tickGuard)   | next                 | actions
 *  --------------------+--------------------------------------------------+----------------------+---------------------------
 *  healthy             | a rule trips                                      | degraded, holding    | DEGRADED {reason, snapshot}
 *  healthy             | no rule trips                                     | healthy              | none
 *  degraded, holding   | held for ≥ maxHoldMs                              | degraded, not holding| HOLD_EXPIRED {degradedSince}
 *  degraded            | a rule still trips or is not yet clear            | degraded, clearSince=null | none
 *  degraded            | all clear for < clearAfterMs                      | degraded, clearSince | none
 *  degraded            | all clear for ≥ clearAfterMs                      | healthy              | RECOVERED {degradedSince, snapshot}
 *
 * isHeld(state) = degraded and the hold has not expired. On HOLD_EXPIRED and on RECOVERED the
 * caller releases every monitor's held alerts with `releaseHeld` (monitor.ts): ports still DOWN
 * or RECOVERING are announced, the others are dropped. After HOLD_EXPIRED the admin incident
 * stays open until RECOVERED, but customer alerts flow again ("a late alert is better than none").
 *
 * Hysteresis: trips at massFailureShare, clear only below massClearShare with at least minHosts
 * hosts seen, for clearAfterMs (too few hosts to judge is no evidence: it neither trips, nor starts
 * or stops the countdown). Tuning: the mass rule needs about windowMs × massFailureShare to
 * trip after the prober loses its network, which must be shorter than (threshold − 1) × retry
 * interval to hold the first ports' alerts; ports that failed only because of the prober need
 * recoveryThreshold × interval to be UP again, so clearAfterMs should be at least that.
 *
 * The window is the one mutable part: a FIFO of regular-check samples with running counters, so
 * a check costs O(1) (this runs for every check of every port). It is never persisted: after a
 * restart it refills within windowMs. `GuardState` objects share it; treat them as linear values
 * (always continue from the `next` you were given).
 */
import type { Transition } from './types.ts';
import { effectiveThreshold } from './port.ts';

export interface GuardPolicy {
  /** Trip when at least this share of the hosts (and of their networks) seen in the window failed (0.5). */
  massFailureShare: number;
  /** While degraded, the mass rule counts as clear only below this share of failing hosts (0.2). */
  massClearShare: number;
  /** Distinct hosts with a regular check in the window before the mass rule may trip (10). */
  minHosts: number;
  /** Distinct failing networks needed to trip (2). */
  minNetworks: number;
  /** Distinct customers owning the failing hosts needed to trip (2). */
  minAccounts: number;
  /** The sliding window (ms, 60 000). */
  windowMs: number;
  /** Consecutive failures after which one canary counts as failing (2). */
  canaryFailuresToTrip: number;
  /** Trip when at least this share of the known canaries is failing (0.5). */
  canaryQuorum: number;
  /** Once degraded, stay degraded until every rule has been clear for this long (ms, 360 000). */
  clearAfterMs: number;
  /** Customer alerts are held at most this long per degradation (ms, 600 000); then raised anyway. */
  maxHoldMs: number;
}

export type DegradedReason = 'CANARY' | 'MASS_FAILURE';

export interface CanaryState {
  consecutiveFailures: number;
  lastOk: boolean;
  lastAt: number;
}

/** One regular check of a customer port, as the guard sees it. */
export interface GuardSample {
  /** The host (IP literal) checked. */
  host: string;
  /** The customer that owns the monitor. */
  account: string;
  ok: boolean;
}

/** Figures of the guard at one instant (for the admin's incident text and the dashboard). */
export interface GuardSnapshot {
  hosts: number;
  failingHosts: number;
  networks: number;
  failingNetworks: number;
  /** Customers owning failing hosts. */
  failingAccounts: number;
  knownCanaries: number;
  failingCanaries: string[];
}

export interface GuardState {
  degraded: boolean;
  degradedSince: number | null;
  /** The first rule that tripped this degradation. */
  reason: DegradedReason | null;
  /** While degraded: since when every rule has been clear (null: some rule still trips). */
  clearSince: number | null;
  /** The hold of this degradation ran out (maxHoldMs): customer alerts flow again. */
  holdExpired: boolean;
  canaries: Record<string, CanaryState>;
  window: GuardWindow;
}

export type GuardAction =
  /** Open the admin's single "probe degraded" incident; customer alerts are now held. */
  | { type: 'DEGRADED'; reason: DegradedReason; snapshot: GuardSnapshot }
  /** The hold lasted maxHoldMs: release held alerts (releaseHeld); the admin incident stays open. */
  | { type: 'HOLD_EXPIRED'; degradedSince: number }
  /** Resolve the admin incident; release held alerts (releaseHeld) if the hold had not expired. */
  | { type: 'RECOVERED'; degradedSince: number; holdExpired: boolean; snapshot: GuardSnapshot };

type GuardStep = Transition<GuardState, GuardAction>;

export const DEFAULT_GUARD_POLICY: Readonly<GuardPolicy> = Object.freeze({
  massFailureShare: 0.5,
  massClearShare: 0.2,
  minHosts: 10,
  minNetworks: 2,
  minAccounts: 2,
  windowMs: 60_000,
  canaryFailuresToTrip: 2,
  canaryQuorum: 0.5,
  clearAfterMs: 360_000,
  maxHoldMs: 600_000,
});

/** The network a host belongs to for the guard: IPv4 /24, IPv6 /48 (other strings: themselves). */
export function networkOf(host: string): string {
  if (host.includes(':')) {
    const [head = ''] = host.split('::');
    const groups = head.split(':').filter((g) => g !== '');
    return `${groups.slice(0, 3).join(':')}::/48`;
  }
  const parts = host.split('.');
  return parts.length === 4 ? `${parts.slice(0, 3).join('.')}.0/24` : host;
}

interface HostCounts {
  network: string;
  account: string;
  ok: number;
  fail: number;
}

/**
 * The window's samples in arrival order, as a ring of columns (time, host, outcome): no object per
 * sample, which would live for the whole window (a minute) and so be promoted and collected by
 * the heap's slow major GC (README, "The probe loop").
 */
class SampleRing {
  private at = new Float64Array(1024);
  private ok = new Uint8Array(1024);
  private hosts: string[] = new Array<string>(1024);
  private head = 0;
  size = 0;

  push(at: number, host: string, ok: boolean): void {
    if (this.size === this.at.length) this.grow();
    const i = (this.head + this.size) % this.at.length;
    this.at[i] = at;
    this.ok[i] = ok ? 1 : 0;
    this.hosts[i] = host;
    this.size++;
  }

  /** The oldest sample's time (NaN when empty). */
  oldestAt(): number {
    return this.size === 0 ? Number.NaN : (this.at[this.head] as number);
  }
  oldestHost(): string {
    return this.hosts[this.head] as string;
  }
  oldestOk(): boolean {
    return this.ok[this.head] === 1;
  }
  shift(): void {
    this.hosts[this.head] = '';
    this.head = (this.head + 1) % this.at.length;
    this.size--;
  }

  private grow(): void {
    const n = this.at.length;
    const at = new Float64Array(n * 2);
    const ok = new Uint8Array(n * 2);
    const hosts = new Array<string>(n * 2);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) % n;
      at[k] = this.at[i] as number;
      ok[k] = this.ok[i] as number;
      hosts[k] = this.hosts[i] as string;
    }
    this.at = at;
    this.ok = ok;
    this.hosts = hosts;
    this.head = 0;
  }
}

/** Sliding window of regular-check samples with running distinct-host counters (O(1) per sample). */
export class GuardWindow {
  private readonly samples = new SampleRing();
  private readonly hostCounts = new Map<string, HostCounts>();
  /** network → [hosts seen, failing hosts] */
  private readonly networkCounts = new Map<string, [number, number]>();
  /** account → failing hosts */
  private readonly accountFailing = new Map<string, number>();
  private failingHostCount = 0;
  private failingNetworkCount = 0;

  private static failing(c: HostCounts): boolean {
    return c.ok === 0 && c.fail > 0;
  }

  private change(host: string, c: HostCounts, ok: boolean, delta: 1 | -1): void {
    const wasSeen = c.ok + c.fail > 0;
    const wasFailing = GuardWindow.failing(c);
    if (ok) c.ok += delta;
    else c.fail += delta;
    const isSeen = c.ok + c.fail > 0;
    const isFailing = GuardWindow.failing(c);
    const net = this.networkCounts.get(c.network) ?? [0, 0];
    const netWasFailing = net[0] > 0 && net[0] === net[1];
    net[0] += Number(isSeen) - Number(wasSeen);
    net[1] += Number(isFailing) - Number(wasFailing);
    const netIsFailing = net[0] > 0 && net[0] === net[1];
    this.failingNetworkCount += Number(netIsFailing) - Number(netWasFailing);
    if (net[0] === 0) this.networkCounts.delete(c.network);
    else this.networkCounts.set(c.network, net);
    if (isFailing !== wasFailing) {
      this.failingHostCount += isFailing ? 1 : -1;
      const n = (this.accountFailing.get(c.account) ?? 0) + (isFailing ? 1 : -1);
      if (n === 0) this.accountFailing.delete(c.account);
      else this.accountFailing.set(c.account, n);
    }
    if (!isSeen) this.hostCounts.delete(host);
  }

  add(sample: GuardSample, now: number): void {
    let c = this.hostCounts.get(sample.host);
    if (!c) {
      c = { network: networkOf(sample.host), account: sample.account, ok: 0, fail: 0 };
      this.hostCounts.set(sample.host, c);
    }
    this.samples.push(now, sample.host, sample.ok);
    this.change(sample.host, c, sample.ok, 1);
  }

  /** Drops samples older than the window (at ≤ now − windowMs). */
  expire(now: number, windowMs: number): void {
    const limit = now - windowMs;
    const ring = this.samples;
    while (ring.size > 0 && ring.oldestAt() <= limit) {
      const host = ring.oldestHost();
      const ok = ring.oldestOk();
      ring.shift();
      const c = this.hostCounts.get(host);
      if (c) this.change(host, c, ok, -1);
    }
  }

  get hosts(): number {
    return this.hostCounts.size;
  }
  get failingHosts(): number {
    return this.failingHostCount;
  }
  get networks(): number {
    return this.networkCounts.size;
  }
  get failingNetworks(): number {
    return this.failingNetworkCount;
  }
  get failingAccounts(): number {
    return this.accountFailing.size;
  }

  figures(): Omit<GuardSnapshot, 'knownCanaries' | 'failingCanaries'> {
    return {
      hosts: this.hosts,
      failingHosts: this.failingHosts,
      networks: this.networks,
      failingNetworks: this.failingNetworks,
      failingAccounts: this.failingAccounts,
    };
  }
}

export function initialGuardState(): GuardState {
  return {
    degraded: false,
    degradedSince: null,
    reason: null,
    clearSince: null,
    holdExpired: false,
    canaries: {},
    window: new GuardWindow(),
  };
}

/** Customer alerts must be held now (admin alerted instead). */
export function isHeld(state: GuardState): boolean {
  return state.degraded && !state.holdExpired;
}

function failingCanaries(canaries: Readonly<Record<string, CanaryState>>, policy: GuardPolicy): string[] {
  const limit = effectiveThreshold(policy.canaryFailuresToTrip);
  return Object.entries(canaries)
    .filter(([, c]) => c.consecutiveFailures >= limit)
    .map(([key]) => key)
    .sort();
}

/** The guard's figures at `now`. */
export function guardSnapshot(state: GuardState, policy: GuardPolicy, now: number): GuardSnapshot {
  state.window.expire(now, policy.windowMs);
  return {
    ...state.window.figures(),
    knownCanaries: Object.keys(state.canaries).length,
    failingCanaries: failingCanaries(state.canaries, policy),
  };
}

/** No actions (shared: a step that changes nothing allocates no array; never written to). */
const NO_ACTIONS: GuardAction[] = [];

/** The failing canaries' count: the same rule as failingCanaries, without building the list. */
function failingCanaryCount(canaries: Readonly<Record<string, CanaryState>>, policy: GuardPolicy): number {
  const limit = effectiveThreshold(policy.canaryFailuresToTrip);
  let n = 0;
  for (const key in canaries) if ((canaries[key] as CanaryState).consecutiveFailures >= limit) n++;
  return n;
}

/**
 * Re-assesses the rules at `now`. It reads the window's counters directly: the snapshot object is
 * only built for an action that carries it (a check of a healthy prober allocates nothing here).
 */
function step(state: GuardState, policy: GuardPolicy, now: number): GuardStep {
  const w = state.window;
  w.expire(now, policy.windowMs);
  let knownCanaries = 0;
  for (const _ in state.canaries) knownCanaries++;
  let trips: DegradedReason | null = null;
  // clear: evidence that the prober is fine; null: no evidence either way (too few hosts)
  let clear: boolean | null;
  if (knownCanaries > 0) {
    const failing = failingCanaryCount(state.canaries, policy);
    if (failing > 0 && failing / knownCanaries >= policy.canaryQuorum) trips = 'CANARY';
    clear = failing === 0;
  } else {
    const enough = w.hosts >= Math.max(1, policy.minHosts);
    const massTrips =
      enough &&
      w.failingHosts >= policy.massFailureShare * w.hosts &&
      w.failingNetworks >= policy.massFailureShare * w.networks &&
      w.failingNetworks >= Math.max(1, policy.minNetworks) &&
      w.failingAccounts >= Math.max(1, policy.minAccounts);
    if (massTrips) trips = 'MASS_FAILURE';
    // too few hosts to judge is no evidence either way: it neither trips, nor starts or stops a clear countdown
    clear = enough ? w.failingHosts < policy.massClearShare * w.hosts : null;
  }

  if (!state.degraded) {
    if (trips === null) return { next: state, actions: NO_ACTIONS };
    return {
      next: { ...state, degraded: true, degradedSince: now, reason: trips, clearSince: null, holdExpired: false },
      actions: [{ type: 'DEGRADED', reason: trips, snapshot: guardSnapshot(state, policy, now) }],
    };
  }

  const since = state.degradedSince ?? now;
  const actions: GuardAction[] = [];
  let next = state;
  if (!state.holdExpired && now - since >= policy.maxHoldMs) {
    next = { ...next, holdExpired: true };
    actions.push({ type: 'HOLD_EXPIRED', degradedSince: since });
  }
  if (trips !== null || clear === false) return { next: { ...next, clearSince: null }, actions };
  if (clear === null && next.clearSince === null) return { next, actions };
  const clearSince = next.clearSince ?? now;
  if (now - clearSince < policy.clearAfterMs) return { next: { ...next, clearSince }, actions };
  actions.push({
    type: 'RECOVERED',
    degradedSince: since,
    holdExpired: next.holdExpired,
    snapshot: guardSnapshot(state, policy, now),
  });
  return {
    next: { ...next, degraded: false, degradedSince: null, reason: null, clearSince: null, holdExpired: false },
    actions,
  };
}

/** Adds one REGULAR check of a customer port (never a retry or an extra check) and re-assesses. */
export function recordCheck(state: GuardState, sample: GuardSample, policy: GuardPolicy, now: number): GuardStep {
  state.window.add(sample, now);
  return step(state, policy, now);
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
  return step({ ...state, canaries: { ...state.canaries, [canary.key]: entry } }, policy, now);
}

/** A canary was removed from the configuration: it no longer counts. */
export function forgetCanary(state: GuardState, key: string, policy: GuardPolicy, now: number): GuardStep {
  const canaries = Object.fromEntries(Object.entries(state.canaries).filter(([k]) => k !== key));
  return step({ ...state, canaries }, policy, now);
}

/**
 * Re-assesses with no new data: call it from a periodic timer (every few seconds) so that the
 * window slides, the hold limit is noticed and the clear countdown ends even when few checks arrive.
 */
export function tickGuard(state: GuardState, policy: GuardPolicy, now: number): GuardStep {
  return step(state, policy, now);
}
