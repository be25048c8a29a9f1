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
  /** Those ports: pending until the hold ends (releaseHeld in monitor.ts). */
  heldPorts: number[];
}

export interface HostEvent {
  port: number;
  action: 'PORT_DOWN' | 'PORT_UP';
}

export interface HostContext {
  now: number;
  /** The prober self-outage guard holds customer alerts (isHeld(guardState), guard.ts). */
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
