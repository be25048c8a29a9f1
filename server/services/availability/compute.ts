// The one definition of availability, as pure arithmetic over one monitor's history (no clock,
// no database; load.ts builds the history):
//
//   observed = the window ∩ the monitor's life (created → deleted / paused / now), less excluded
//   excluded = maintenance windows ∪ the prober's own outages (held time: PROBE_DEGRADED open)
//   down     = (host) incidents from open to resolve; (port) the port's part of them; less excluded
//   ratio    = (observed − down) / observed; null when nothing was observed
import { clip, type Span, subtract, total, union } from './spans.ts';

/** One port's part of an incident: from its first failed check in it to its recovery (or the end). */
export interface PortSpan extends Span {
  port: number;
}

export interface IncidentSpan extends Span {
  id: string;
  /** The incident's open time and its resolve time (null: still open; `to` is then the load's now). */
  openedAt: Date;
  resolvedAt: Date | null;
  cause: string;
  ports: PortSpan[];
}

export interface MonitorHistory {
  monitorId: string;
  ports: readonly number[];
  /** When the monitor was watched: its creation to its deletion, pause or the load's now. */
  life: Span;
  incidents: IncidentSpan[];
  /** Unions (sorted, non-overlapping). */
  maintenance: Span[];
  held: Span[];
}

export interface Availability {
  monitorId: string;
  /** null = the host (any port down counts). */
  port: number | null;
  observedSeconds: number;
  downSeconds: number;
  /** Maintenance ∪ held time inside the monitor's life in the window (not observed, not down). */
  excludedSeconds: number;
  /** Of the excluded time: maintenance, and held time outside maintenance. */
  maintenanceSeconds: number;
  heldSeconds: number;
  /** (observed − down) / observed; null when nothing was observed. */
  ratio: number | null;
}

const seconds = (ms: number): number => Math.round(ms / 1000);

function measure(
  monitorId: string,
  port: number | null,
  watched: Span[],
  excluded: Span[],
  maintenance: Span[],
  downSpans: readonly Span[],
): Availability {
  const observed = subtract(watched, excluded);
  const down = subtract(union(downSpans.flatMap((s) => watched.flatMap((w) => clip([s], w)))), excluded);
  const observedMs = total(observed);
  const downMs = total(down);
  const excludedMs = total(watched.flatMap((w) => clip(excluded, w)));
  const maintenanceMs = total(watched.flatMap((w) => clip(maintenance, w)));
  return {
    monitorId,
    port,
    observedSeconds: seconds(observedMs),
    downSeconds: seconds(downMs),
    excludedSeconds: seconds(excludedMs),
    maintenanceSeconds: seconds(maintenanceMs),
    heldSeconds: seconds(excludedMs - maintenanceMs),
    ratio: observedMs > 0 ? (observedMs - downMs) / observedMs : null,
  };
}

// The union of a history's excluded time, made once per history (a strip asks for 90 windows).
const excludedOf = new WeakMap<MonitorHistory, Span[]>();

function excludedIn(h: MonitorHistory): Span[] {
  let e = excludedOf.get(h);
  if (!e) excludedOf.set(h, (e = union([...h.maintenance, ...h.held])));
  return e;
}

/** Whether `s` overlaps `window` (only what overlaps a window can count in it). */
function overlaps(s: Span, window: Span): boolean {
  return s.from < window.to && s.to > window.from;
}

interface WindowParts {
  watched: Span[];
  excluded: Span[];
  maintenance: Span[];
  incidents: IncidentSpan[];
}

function partsIn(h: MonitorHistory, window: Span): WindowParts {
  const excluded: Span[] = [];
  for (const s of excludedIn(h)) if (overlaps(s, window)) excluded.push(s);
  const maintenance: Span[] = [];
  for (const s of h.maintenance) if (overlaps(s, window)) maintenance.push(s);
  const incidents: IncidentSpan[] = [];
  for (const i of h.incidents) if (overlaps(i, window)) incidents.push(i);
  return { watched: clip([h.life], window), excluded, maintenance, incidents };
}

function portMeasure(h: MonitorHistory, w: WindowParts, port: number): Availability {
  const spans: PortSpan[] = [];
  for (const i of w.incidents) for (const p of i.ports) if (p.port === port) spans.push(p);
  return measure(h.monitorId, port, w.watched, w.excluded, w.maintenance, spans);
}

/** The host's availability in `window` (and each configured port's when `perPort`). */
export function computeAvailability(h: MonitorHistory, window: Span, perPort: boolean): Availability[] {
  const w = partsIn(h, window);
  const out = [measure(h.monitorId, null, w.watched, w.excluded, w.maintenance, w.incidents)];
  if (perPort) for (const port of h.ports) out.push(portMeasure(h, w, port));
  return out;
}

/** The availability of some of the monitor's ports in `window` (the ports it has, in its order; no host figure). */
export function portsAvailability(h: MonitorHistory, window: Span, ports: readonly number[]): Availability[] {
  const w = partsIn(h, window);
  const out: Availability[] = [];
  for (const port of h.ports) if (ports.includes(port)) out.push(portMeasure(h, w, port));
  return out;
}

/** The incidents that overlap `window`, oldest first. */
export function incidentsIn(h: MonitorHistory, window: Span): IncidentSpan[] {
  return h.incidents.filter((i) => i.from < window.to && i.to > window.from).sort((a, b) => a.from - b.from);
}
