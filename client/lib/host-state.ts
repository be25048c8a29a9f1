// The host's state beside the seed's status line (which only says whether the prober is
// checking): the same rule as the server's MonitorStatus.host (server/services/monitor-status.ts
// hostState), applied to the live port views so it changes the moment a port does.
import { dateOnly, timeOnly } from './format';
import type { HostPhase, PortStatus } from './port-status';

export interface HostStateView {
  phase: HostPhase;
  since: string | null;
  ports: readonly number[];
}

type PortLike = Pick<PortStatus, 'port' | 'phase' | 'since' | 'flapping' | 'flap'>;

/** DOWN (DOWN or RECOVERING ports) before FLAPPING before SUSPECT before MAINTENANCE; UP when every port answered. */
export function hostStateOf(ports: readonly PortLike[], m: { paused: boolean; deleted: boolean }): HostStateView {
  if (m.deleted) return { phase: 'DELETED', since: null, ports: [] };
  if (m.paused) return { phase: 'PAUSED', since: null, ports: [] };
  const pick = (
    phase: HostPhase,
    match: (p: PortLike) => boolean,
    since: (p: PortLike) => string | null | undefined = (p) => p.since,
  ): HostStateView | null => {
    const hit = ports.filter(match);
    if (!hit.length) return null;
    let first: string | null = null;
    for (const p of hit) {
      const at = since(p) ?? null;
      if (at && (!first || Date.parse(at) < Date.parse(first))) first = at;
    }
    return { phase, since: first, ports: hit.map((p) => p.port).sort((a, b) => a - b) };
  };
  return (
    pick('DOWN', (p) => p.phase === 'DOWN' || p.phase === 'RECOVERING') ??
    pick(
      'FLAPPING',
      (p) => p.flapping === true,
      (p) => p.flap?.since ?? p.since,
    ) ??
    pick('SUSPECT', (p) => p.phase === 'SUSPECT') ??
    pick('MAINTENANCE', (p) => p.phase === 'MAINTENANCE') ??
    (ports.length > 0 && ports.every((p) => p.phase === 'UP')
      ? { phase: 'UP', since: null, ports: ports.map((p) => p.port) }
      : { phase: 'UNKNOWN', since: null, ports: [] })
  );
}

/** "12:33" today, "2026-11-24 12:33" another day (the viewer's time zone). */
export function sinceText(at: string, nowMs: number): string {
  const hm = timeOnly(at).slice(0, 5);
  return dateOnly(at) === dateOnly(new Date(nowMs)) ? hm : `${dateOnly(at)} ${hm}`;
}
