// The seed's status line ("Monitoring your server normally (check time: …)") and the
// per-port status list, computed from the persisted port states. Pure: `now` is an argument.
import type { PortFlapStatus } from '../events/events.ts';

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
    fmt = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'UTC',
      dateStyle: 'short',
      timeStyle: 'medium',
      hourCycle: 'h23',
    });
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
  if (m.deletedAt)
    return {
      state: 'DELETED',
      lastCheckAt: last,
      delayedSince: null,
      text: `Monitoring was stopped on ${formatLocal(m.deletedAt, timeZone)} (server deleted from monitoring)`,
    };
  if (m.pausedAt)
    return {
      state: 'PAUSED',
      lastCheckAt: last,
      delayedSince: null,
      text: `Monitoring is paused since ${formatLocal(m.pausedAt, timeZone)}`,
    };
  const reference = Math.max(last?.getTime() ?? m.createdAt.getTime(), m.updatedAt.getTime());
  const overdueAfter = 2 * m.intervalSec * 1000 + m.timeoutMs;
  if (now.getTime() - reference > overdueAfter) {
    const since = new Date(reference + m.intervalSec * 1000);
    return {
      state: 'DELAYED',
      lastCheckAt: last,
      delayedSince: since,
      text: `Check delayed since ${formatLocal(since, timeZone)}${last ? ` (last check ${formatLocal(last, timeZone)})` : ''}`,
    };
  }
  if (!last) return { state: 'WAITING', lastCheckAt: null, delayedSince: null, text: 'Waiting for the first check' };
  return {
    state: 'NORMAL',
    lastCheckAt: last,
    delayedSince: null,
    text: `Monitoring your server normally (last check ${formatLocal(last, timeZone)})`,
  };
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
      byPort.get(port) ?? {
        port,
        phase: 'UNKNOWN',
        since: createdAt,
        lastCheckAt: null,
        lastOk: null,
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      },
  );
}

export function latestCheck(states: { lastCheckAt: Date | null }[]): Date | null {
  let best: Date | null = null;
  for (const s of states) if (s.lastCheckAt && (!best || s.lastCheckAt > best)) best = s.lastCheckAt;
  return best;
}

/**
 * The host's state beside the seed's line, which only says whether the prober is checking:
 * DOWN (a port DOWN or RECOVERING: an incident is open) since the earliest such port's phase
 * change, FLAPPING, SUSPECT (failing, not yet DOWN), MAINTENANCE, PAUSED, DELETED; UP when every
 * port answered; UNKNOWN before the first check. `ports`: the ports in that state.
 */
export type HostPhase = 'UP' | 'SUSPECT' | 'DOWN' | 'FLAPPING' | 'MAINTENANCE' | 'PAUSED' | 'DELETED' | 'UNKNOWN';

export interface HostState {
  phase: HostPhase;
  since: Date | null;
  ports: number[];
}

export function hostState(m: { pausedAt: Date | null; deletedAt: Date | null }, states: PortStateRow[]): HostState {
  if (m.deletedAt) return { phase: 'DELETED', since: m.deletedAt, ports: [] };
  if (m.pausedAt) return { phase: 'PAUSED', since: m.pausedAt, ports: [] };
  const pick = (
    phase: HostPhase,
    match: (s: PortStateRow) => boolean,
    since: (s: PortStateRow) => Date | null | undefined = (s) => s.since,
  ): HostState | null => {
    const hit = states.filter(match);
    if (!hit.length) return null;
    let first: Date | null = null;
    for (const s of hit) {
      const at = since(s) ?? null;
      if (at && (!first || at < first)) first = at;
    }
    return { phase, since: first, ports: hit.map((s) => s.port).sort((a, b) => a - b) };
  };
  return (
    pick('DOWN', (s) => s.phase === 'DOWN' || s.phase === 'RECOVERING') ??
    pick(
      'FLAPPING',
      (s) => s.flapping === true,
      (s) => s.flappingSince ?? s.since,
    ) ??
    pick('SUSPECT', (s) => s.phase === 'SUSPECT') ??
    pick('MAINTENANCE', (s) => s.phase === 'MAINTENANCE') ??
    (states.length > 0 && states.every((s) => s.phase === 'UP')
      ? { phase: 'UP', since: null, ports: states.map((s) => s.port) }
      : { phase: 'UNKNOWN', since: null, ports: [] })
  );
}

/** "DOWN since 2026-11-24 12:33:00 (ports 22, 80)" for the API's English status text. */
export function hostStateText(h: HostState, timeZone: string): string | null {
  if (h.phase === 'UP' || h.phase === 'UNKNOWN' || h.phase === 'PAUSED' || h.phase === 'DELETED') return null;
  const since = h.since ? ` since ${formatLocal(h.since, timeZone)}` : '';
  return `${h.phase}${since} (port${h.ports.length === 1 ? '' : 's'} ${h.ports.join(', ')})`;
}
