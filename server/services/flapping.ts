// The probe runtime's side of the flapping rule (server/alerting/flapping.ts): the monitor's
// flap policy, the persisted flap window of a port, and what an incident records about its
// flapping ports (the figures its messages quote: "port 22 failed 9 of the last 21 checks").
import {
  currentFlap,
  effectiveFlapPolicy,
  flapFigures,
  isFlapping,
  isIncidentPhase,
  type FlapFigures,
  type FlapPolicy,
  type FlapState,
  type PortState,
} from '../alerting/index.ts';
import type { PortFlapStatus } from '../events/events.ts';
import type { MonitorDefaults } from './settings.ts';

/** One flapping port of an incident, with its window figures when it began to flap. */
export interface IncidentFlap {
  port: number;
  checks: number;
  failed: number;
  changes: number;
  /** ISO time it began to flap. */
  at: string;
}

export interface FlapPolicyColumns {
  flapEnabled: boolean | null;
  flapWindow: number | null;
  flapChanges: number | null;
  flapFailedPercent: number | null;
}

/** The monitor's flap policy: its own values, else the admin's defaults. */
export function flapPolicyOf(row: FlapPolicyColumns, d: MonitorDefaults): FlapPolicy {
  return {
    enabled: row.flapEnabled ?? d.flapEnabled,
    window: row.flapWindow ?? d.flapWindow,
    changes: row.flapChanges ?? d.flapChanges,
    failedShare: (row.flapFailedPercent ?? d.flapFailedPercent) / 100,
  };
}

export interface FlapColumns {
  flapHistory: string;
  flapping: boolean;
  flappingSince: Date | null;
}

/** The port's flap window as PortState columns. */
export function flapColumns(s: PortState): FlapColumns {
  const f = currentFlap(s);
  return { flapHistory: f.history, flapping: f.flapping, flappingSince: f.since === null ? null : new Date(f.since) };
}

/** A persisted flap window back into the core's state (nothing when it was never used). */
export function restoreFlap(row: FlapColumns): { flap?: FlapState } {
  if (row.flapHistory === '' && !row.flapping) return {};
  const history = /^[01]*$/.test(row.flapHistory) ? row.flapHistory : '';
  return {
    flap: { history, flapping: row.flapping, since: row.flapping ? (row.flappingSince?.getTime() ?? null) : null },
  };
}

function isEntry(v: unknown): v is IncidentFlap {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return ['port', 'checks', 'failed', 'changes'].every((k) => typeof o[k] === 'number') && typeof o.at === 'string';
}

/** Incident.flapFigures (JSON) → entries; anything malformed is dropped. */
export function restoreIncidentFlap(json: unknown): IncidentFlap[] {
  return Array.isArray(json) ? json.filter(isEntry) : [];
}

export function flapEntry(port: number, figures: FlapFigures, at: number): IncidentFlap {
  return {
    port,
    checks: figures.checks,
    failed: figures.failed,
    changes: figures.changes,
    at: new Date(at).toISOString(),
  };
}

/** Adds (or keeps the first) entry per port, sorted by port. */
export function mergeFlap(list: readonly IncidentFlap[], entry: IncidentFlap): IncidentFlap[] {
  if (list.some((e) => e.port === entry.port)) return [...list];
  return [...list, entry].sort((a, b) => a.port - b.port);
}

/** Entries for the ports of a new incident that are flapping now. */
export function flapEntriesOf(
  ports: readonly number[],
  states: Readonly<Record<number, PortState>>,
  at: number,
): IncidentFlap[] {
  const out: IncidentFlap[] = [];
  for (const p of ports) {
    const s = states[p];
    if (s && isFlapping(s)) out.push(flapEntry(p, flapFigures(currentFlap(s).history), at));
  }
  return out;
}

/** The message an opening incident sends: FLAPPING when every port only flaps, else DOWN. */
export function openingKind(
  ports: readonly number[],
  states: Readonly<Record<number, PortState>>,
): 'FLAPPING' | 'DOWN' {
  const allFlapOnly =
    ports.length > 0 &&
    ports.every((p) => {
      const s = states[p];
      return s !== undefined && isFlapping(s) && !isIncidentPhase(s.phase);
    });
  return allFlapOnly ? 'FLAPPING' : 'DOWN';
}

/** The live/API view of a port's flap window (figures over the checks so far, ≤ window). */
export function flapStatus(s: PortState, policy: FlapPolicy): PortFlapStatus {
  const f = currentFlap(s);
  const figures = flapFigures(f.history);
  return {
    flapping: f.flapping,
    flappingSince: f.since === null ? null : new Date(f.since),
    checks: figures.checks,
    failed: figures.failed,
    changes: figures.changes,
    window: effectiveFlapPolicy(policy).window,
  };
}

/**
 * A persisted window as the API shows it when the probe's memory is not at hand: figures over
 * the saved history (window = the history's length, at most the policy's window).
 */
export function flapStatusFromRow(row: FlapColumns): PortFlapStatus {
  const figures = flapFigures(/^[01]*$/.test(row.flapHistory) ? row.flapHistory : '');
  return {
    flapping: row.flapping,
    flappingSince: row.flapping ? row.flappingSince : null,
    checks: figures.checks,
    failed: figures.failed,
    changes: figures.changes,
    window: figures.checks,
  };
}
