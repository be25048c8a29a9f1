/**
 * Types of the pure alerting core (server/alerting/).
 *
 * Nothing here does I/O or reads the clock: every function takes `now` (epoch ms)
 * from the caller. All states are plain JSON-serialisable objects (numbers, strings,
 * booleans, arrays, records) so that they can be persisted as-is and restored after
 * a restart. Functions never mutate their inputs; they return `{ next, actions }`.
 */

import type { FlapState } from './flapping.ts';

/** One pure step of a machine: the state to keep and what the caller must do. */
export interface Transition<S, A> {
  next: S;
  actions: A[];
}

// ───────────────────────────── port ─────────────────────────────

export type PortPhase = 'UNKNOWN' | 'UP' | 'SUSPECT' | 'DOWN' | 'RECOVERING' | 'PAUSED' | 'MAINTENANCE';

export interface PortState {
  phase: PortPhase;
  /** Failed checks in a row, this one included (0 after a success). Keeps counting while DOWN. */
  consecutiveFailures: number;
  /** Successful checks in a row, this one included (0 after a failure). */
  consecutiveSuccesses: number;
  /** When `phase` last changed (epoch ms). SUSPECT(1) → SUSPECT(2) is not a change. */
  since: number;
  lastCheckAt: number | null;
  lastOk: boolean | null;
  lastLatencyMs: number | null;
  /** The last failure's OS code (ECONNREFUSED, ETIMEDOUT…); kept after a success. */
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
  /** The flapping detector's window (flapping.ts); absent until the first check with it. */
  flap?: FlapState;
}

/** What the probe reports. `code` is the OS reason (ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH…). */
export type CheckResult =
  | { ok: true; latencyMs: number }
  | { ok: false; latencyMs: number; code: string; message: string };

export interface AlertPolicy {
  /** The k-th consecutive failure makes the port DOWN (default 3; values < 1 count as 1). */
  failureThreshold: number;
  /** Consecutive successes that end an outage (default 2; values < 1 count as 1). */
  recoveryThreshold: number;
}

export interface PortContext {
  now: number;
  /** The monitor has an active maintenance window at `now` (see isInMaintenance). */
  inMaintenance: boolean;
}

export type PortAction =
  /** Switch this port to the faster retry interval (on) or back to the normal one (off). */
  | { type: 'FAST_RETRY'; on: boolean }
  /** The port entered an outage: feed to the host machine (evaluateHost). */
  | { type: 'PORT_DOWN' }
  /** The port's outage ended (recovery threshold reached): feed to evaluateHost. */
  | { type: 'PORT_UP' }
  /** Every failed check, also in maintenance and while DOWN: write a failure row. */
  | { type: 'LOG_FAILURE'; code: string; message: string }
  /** Persist the port state now (it is otherwise only flushed in periodic batches). */
  | { type: 'PHASE_CHANGED'; from: PortPhase; to: PortPhase };

// ───────────────────────────── host ─────────────────────────────

/**
 * Incident aggregation for one host (one monitor: an IP and its ports).
 * Invariants: `incidentOpen === downPorts.length > 0`, `held === heldPorts.length > 0`,
 * both lists sorted ascending and disjoint.
 */
export interface HostState {
  incidentOpen: boolean;
  /** Ports announced in the open incident that are still down (DOWN or RECOVERING). */
  downPorts: number[];
  /** True while some port went DOWN during a hold and was not announced yet. */
  held: boolean;
  /** Those ports: pending until the hold clears (reevaluateHeld). */
  heldPorts: number[];
}

export interface HostEvent {
  port: number;
  action: 'PORT_DOWN' | 'PORT_UP';
}

export interface HostContext {
  now: number;
  /** The prober self-outage guard holds customer alerts (isHeld(guardState)). */
  alertsHeld: boolean;
}

/** STABLE: the last port stopped flapping (flap-monitor.ts): not a "recovered" message. */
export type ResolveReason = 'RECOVERED' | 'STABLE' | 'PORTS_REMOVED' | 'MONITOR_PAUSED' | 'MONITOR_DELETED';

export type HostAction =
  /** Open the host's incident; `ports` are all the ports it starts with (sorted). */
  | { type: 'OPEN_INCIDENT'; ports: number[] }
  /** Another port of the host joined the open incident. */
  | { type: 'ADD_PORT'; port: number }
  /** A port left the open incident (recovered, or removed from the monitor); others stay down. */
  | { type: 'REMOVE_PORT'; port: number; reason: 'RECOVERED' | 'REMOVED' | 'STABLE' }
  /** The incident is over. Only `RECOVERED` is a customer-facing "recovered" message. */
  | { type: 'RESOLVE_INCIDENT'; reason: ResolveReason };

// ───────────────────────────── guard ────────────────────────────

export interface GuardPolicy {
  /** Trip when failed/checked over the sliding window is ≥ this share (e.g. 0.5). */
  massFailureShare: number;
  /** While degraded, the mass rule counts as clear only below this share (hysteresis, e.g. 0.2). */
  massClearShare: number;
  /** The mass rule applies only when the window holds at least this many checks (e.g. 20). */
  minPortsForMassRule: number;
  /** Length of the sliding window that stands for "one round" (ms, e.g. 60 000). */
  windowMs: number;
  /** Consecutive failures after which one canary counts as failing. */
  canaryFailuresToTrip: number;
  /** Trip when at least this share of the known canaries is failing (e.g. 0.5). */
  canaryQuorum: number;
  /** Once degraded, stay degraded until every rule has been clear for this long (ms). */
  clearAfterMs: number;
}

export interface GuardBucket {
  /** Bucket start (epoch ms, a multiple of the bucket length). */
  start: number;
  checked: number;
  failed: number;
}

export interface CanaryState {
  consecutiveFailures: number;
  lastOk: boolean;
  lastAt: number;
}

export type DegradedReason = 'CANARY' | 'MASS_FAILURE';

export interface GuardState {
  degraded: boolean;
  degradedSince: number | null;
  /** The first rule that tripped this degradation. */
  reason: DegradedReason | null;
  /** While degraded: since when every rule has been clear (null: some rule still trips). */
  clearSince: number | null;
  buckets: GuardBucket[];
  canaries: Record<string, CanaryState>;
}

/** Figures of the guard at one instant (for the admin's incident text and the dashboard). */
export interface GuardSnapshot {
  checked: number;
  failed: number;
  /** failed / checked over the window (0 when nothing was checked). */
  share: number;
  knownCanaries: number;
  failingCanaries: string[];
}

export type GuardAction =
  /** Open the admin's single "probe degraded" incident; customer alerts are now held. */
  | { type: 'DEGRADED'; reason: DegradedReason; snapshot: GuardSnapshot }
  /** Resolve it; then re-evaluate every held host (reevaluateHeld / releaseHeld). */
  | { type: 'RECOVERED'; degradedSince: number; snapshot: GuardSnapshot };

// ─────────────────────────── maintenance ────────────────────────

export type MaintenanceWindow =
  /** One-off window, half-open [startsAt, endsAt) in epoch ms. */
  | { kind: 'once'; startsAt: number; endsAt: number }
  /**
   * Weekly window in the wall-clock time of `timeZone` (IANA name, e.g. 'Asia/Seoul').
   * `days`: 0 = Sunday … 6 = Saturday; `startMinute`: minutes after local midnight
   * (0…1439); the window may run past midnight and into the next day.
   */
  | {
      kind: 'weekly';
      days: readonly number[];
      startMinute: number;
      durationMinutes: number;
      timeZone: string;
    };
