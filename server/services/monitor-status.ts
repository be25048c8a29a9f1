// The seed's status line ("Monitoring your server normally (check time: …)") and the
// per-port status list, computed from the persisted port states. Pure: `now` is an argument.
import type { PortFlapStatus } from './events.ts';

export type MonitorHealth = 'NORMAL' | 'DELAYED' | 'WAITING' | 'PAUSED' | 'DELETED';

export interface StatusInput {
  createdAt: Date;
  updatedAt: Date;
  pausedAt: Date | null;
  deletedAt: Date | null;
  /** The latest check of any port, or null before the first check. */
  lastCheckAt: Date | null;
  intervalSec: number;
  timeoutMs: number;
}

export interface StatusLine {
  state: MonitorHealth;
  lastCheckAt: Date | null;
  /** When the overdue check was due (state DELAYED). */
  delayedSince: Date | null;
  text: string;
}

/** "2026-11-24 15:35:04" in the given IANA time zone (UTC when unknown). */
export function formatLocal(at: Date, timeZone: string): string {
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
  } catch {
    fmt = new Intl.DateTimeFormat('sv-SE', { timeZone: 'UTC', dateStyle: 'short', timeStyle: 'medium', hourCycle: 'h23' });
  }
  return fmt.format(at);
}

/**
 * NORMAL while checks arrive on time; DELAYED when nothing was checked for longer than
 * 2 × interval + timeout (since the last check, or since the monitor was created, changed or
 * resumed, whichever is later); WAITING before the first check.
 */
export function describeMonitorStatus(m: StatusInput, now: Date, timeZone: string): StatusLine {
  const last = m.lastCheckAt;
  if (m.deletedAt) return { state: 'DELETED', lastCheckAt: last, delayedSince: null, text: `Monitoring was stopped on ${formatLocal(m.deletedAt, timeZone)} (server deleted from monitoring)` };
  if (m.pausedAt) return { state: 'PAUSED', lastCheckAt: last, delayedSince: null, text: `Monitoring is paused since ${formatLocal(m.pausedAt, timeZone)}` };
  const reference = Math.max(last?.getTime() ?? m.createdAt.getTime(), m.updatedAt.getTime());
  const overdueAfter = 2 * m.intervalSec * 1000 + m.timeoutMs;
  if (now.getTime() - reference > overdueAfter) {
    const since = new Date(reference + m.intervalSec * 1000);
    return { state: 'DELAYED', lastCheckAt: last, delayedSince: since, text: `Check delayed since ${formatLocal(since, timeZone)}${last ? ` (last check ${formatLocal(last, timeZone)})` : ''}` };
  }
  if (!last) return { state: 'WAITING', lastCheckAt: null, delayedSince: null, text: 'Waiting for the first check' };
  return { state: 'NORMAL', lastCheckAt: last, delayedSince: null, text: `Monitoring your server normally (last check ${formatLocal(last, timeZone)})` };
}

export interface PortStateRow {
  /** The flapping rule's view (live from the probe; else rebuilt from the persisted window). */
  flap?: PortFlapStatus;
  flapHistory?: string;
  flapping?: boolean;
  flappingSince?: Date | null;
  port: number;
  phase: string;
  since: Date;
  lastCheckAt: Date | null;
  lastOk: boolean | null;
  lastLatencyMs: number | null;
  lastErrorCode: string | null;
  lastErrorMessage: string | null;
}

/** One entry per configured port, in order; ports the probe has not seen yet are UNKNOWN. */
export function portStatuses(ports: number[], states: PortStateRow[], createdAt: Date): PortStateRow[] {
  const byPort = new Map(states.map((s) => [s.port, s]));
  return ports.map(
    (port) =>
      byPort.get(port) ?? { port, phase: 'UNKNOWN', since: createdAt, lastCheckAt: null, lastOk: null, lastLatencyMs: null, lastErrorCode: null, lastErrorMessage: null },
  );
}

export function latestCheck(states: { lastCheckAt: Date | null }[]): Date | null {
  let best: Date | null = null;
  for (const s of states) if (s.lastCheckAt && (!best || s.lastCheckAt > best)) best = s.lastCheckAt;
  return best;
}
