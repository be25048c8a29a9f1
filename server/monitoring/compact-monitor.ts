// A LiveMonitor whose alert state lives in the port columns (port-columns.ts) while it is quiet:
// no open incident, nothing held, every port fits a column row. `state` is then built on demand
// (a fresh object each read: the alerting core never mutates a state, so nothing aliases) and
// setting a quiet state writes it back and keeps no object; any other state is kept as it is.
// Engine and continuity code read `m.state` exactly as for a plain object.
import type { CheckSpec } from '../probe/index.ts';
import type { FlapMonitorPolicy, HostState, MonitorAlertState, PortState } from '../alerting/index.ts';
import { initialHostState, portRecord, steadyFlap } from '../alerting/index.ts';
import type { IncidentFlap } from '../services/flapping.ts';
import type { Contact } from '../services/notifications/rows.ts';
import { portColumns } from './port-columns.ts';
import type { LiveMonitor } from './model.ts';

const NO_PORTS: number[] = Object.freeze([]) as unknown as number[];
/**
 * What almost every monitor holds: no open incident, no port down or held. One shared, frozen
 * object (the alerting core never mutates a state: a step returns a new one), instead of an
 * object and two empty arrays per monitor.
 */
export const QUIET_HOST: HostState = Object.freeze({ ...initialHostState(), downPorts: NO_PORTS, heldPorts: NO_PORTS });

export const isQuietHost = (h: HostState): boolean =>
  !h.incidentOpen && !h.held && h.downPorts.length === 0 && h.heldPorts.length === 0;

/** Everything of a live monitor but its alert state (which the columns hold). */
export type CompactFields = Omit<LiveMonitor, 'state'>;

export class CompactMonitor {
  id: string;
  accountId: string;
  host: string;
  ports: number[];
  intervalMs: number;
  retryIntervalMs: number;
  timeoutMs: number;
  policy: FlapMonitorPolicy;
  contact: Contact;
  openIncidentId: string | null;
  incidentPorts: number[];
  incidentFlap: IncidentFlap[];
  declare checks?: Map<number, CheckSpec>;
  allowPrivate?: boolean;
  refusal?: string | null;
  shard?: number;
  slot?: number;
  /** The state as an object (not quiet), or null: it is in the columns. */
  private st: MonitorAlertState | null = null;
  private paused = false;
  /** The first of its column slots (-1: none, -2: disposed, never in columns again) and how many. */
  private base = -1;
  private n = 0;

  constructor(f: CompactFields, state: MonitorAlertState) {
    this.id = f.id;
    this.accountId = f.accountId;
    this.host = f.host;
    this.ports = f.ports;
    this.intervalMs = f.intervalMs;
    this.retryIntervalMs = f.retryIntervalMs;
    this.timeoutMs = f.timeoutMs;
    this.policy = f.policy;
    this.contact = f.contact;
    this.openIncidentId = f.openIncidentId;
    this.incidentPorts = f.incidentPorts;
    this.incidentFlap = f.incidentFlap;
    if (f.checks) this.checks = f.checks;
    this.allowPrivate = f.allowPrivate;
    this.refusal = f.refusal;
    this.shard = f.shard;
    this.slot = f.slot;
    this.state = state;
  }

  get state(): MonitorAlertState {
    if (this.st) return this.st;
    const ports: Record<number, PortState> = portRecord();
    for (let i = this.base; i < this.base + this.n; i++) ports[portColumns.portAt(i)] = portColumns.read(i);
    return { paused: this.paused, ports, host: QUIET_HOST };
  }

  set state(s: MonitorAlertState) {
    if (!this.store(s)) this.st = s;
  }

  /** The host state without building the ports (a quiet one when in columns). */
  get hostState(): HostState {
    return this.st ? this.st.host : QUIET_HOST;
  }

  /**
   * The column slot of `port` when a successful check of it now is steady for the alerting core
   * (steadyFlap: no action, only the port's counters change, as steadyPort says), else -1 (not
   * steady, or the state is not in the columns: the caller runs the full step).
   */
  steadySlot(port: number, now: number): number {
    if (this.st !== null || this.paused) return -1;
    for (let i = this.base; i < this.base + this.n; i++) {
      if (portColumns.portAt(i) !== port) continue;
      return steadyFlap(portColumns.phaseAt(i), portColumns.flapAt(i), true, this.policy, now) ? i : -1;
    }
    return -1;
  }

  /**
   * Applies a steady check found by steadySlot in place (the columns are written, no state object
   * is built), after checking again that it still is one. False, and nothing changed, otherwise.
   */
  applySteady(slot: number, port: number, latencyMs: number, now: number): boolean {
    if (this.st !== null || this.paused || slot < this.base || slot >= this.base + this.n) return false;
    if (portColumns.portAt(slot) !== port) return false;
    // the same window as steadyPort's (the core's): one more success, at most a full window
    const next = steadyFlap(portColumns.phaseAt(slot), portColumns.flapAt(slot), true, this.policy, now);
    return next !== null && portColumns.recordSteady(slot, latencyMs, now, next.history.length);
  }

  /** True while the state is in the columns (no object). */
  get compact(): boolean {
    return this.st === null;
  }

  /** Frees the column slots (the monitor is dropped); the state stays readable as an object. */
  dispose(): void {
    if (this.base === -2) return;
    this.st ??= this.state;
    portColumns.release(this.base, this.n);
    this.base = -2;
    this.n = 0;
  }

  private store(s: MonitorAlertState): boolean {
    if (this.base === -2 || !isQuietHost(s.host)) return false;
    let k = 0;
    for (const key in s.ports) {
      const ps = s.ports[key as unknown as number];
      if (!ps || Number(key) > 65_535 || !portColumns.fits(ps)) return false;
      k += 1;
    }
    if (k !== this.n || this.base < 0) {
      if (this.base >= 0) portColumns.release(this.base, this.n);
      this.base = k > 0 ? portColumns.alloc(k) : -1;
      this.n = k;
    }
    let i = this.base;
    for (const key in s.ports) portColumns.write(i++, Number(key), s.ports[key as unknown as number] as PortState);
    this.paused = s.paused;
    this.st = null;
    return true;
  }
}
