// What the probe runtime keeps in memory per monitor, and how it is built from database rows.
import type {
  FlapMonitorPolicy,
  HostState,
  MaintenanceWindow,
  MonitorAlertState,
  PortState as AlertPortState,
} from '../alerting/index.ts';
import { countsAsDown, initialHostState, portRecord } from '../alerting/index.ts';
import { flapPolicyOf, restoreFlap, restoreIncidentFlap, type IncidentFlap } from '../services/flapping.ts';
import type { Prisma } from '../generated/prisma/client.ts';
import type { CheckSpec } from '../probe/index.ts';
import { readChecks } from '../services/check-input.ts';
import { probeRefusal } from '../services/ip-policy.ts';
import type { MonitorDefaults } from '../services/settings.ts';
import { endpointInfoSelect, toEndpointInfo } from '../services/notify-endpoints/info.ts';
import type { Contact } from '../services/notifications/rows.ts';
import type { MaintenanceLoadRow, MonitorLoadRow, PortLoadRow } from './load.ts';
import { CompactMonitor, isQuietHost, QUIET_HOST, type CompactFields } from './compact-monitor.ts';

/** Probe work is split into this many shards; a process holds leases on some of them. */
export const SHARDS = 64;

/** SQL for a monitor's shard; computed by PostgreSQL so every process agrees. */
export const SHARD_SQL = `((hashtext("id")::bigint % ${SHARDS}) + ${SHARDS}) % ${SHARDS}`;

/** Rows the runtime loads for one monitor. */
export const monitorInclude = {
  maintenance: true,
  portStates: true,
  server: { select: { allowPrivate: true } },
  account: { select: { language: true, timeZone: true, name: true, notifyEndpoints: { select: endpointInfoSelect } } },
  incidents: { where: { resolvedAt: null, kind: 'HOST_DOWN' }, select: { id: true, ports: true, flapFigures: true } },
} satisfies Prisma.MonitorInclude;

export type MonitorRow = Prisma.MonitorGetPayload<{ include: typeof monitorInclude }>;

export interface LiveMonitor {
  id: string;
  accountId: string;
  host: string;
  ports: number[];
  intervalMs: number;
  retryIntervalMs: number;
  timeoutMs: number;
  policy: FlapMonitorPolicy;
  contact: Contact;
  state: MonitorAlertState;
  /** The open HOST_DOWN incident's id (client-generated, written in the next batch). */
  openIncidentId: string | null;
  /** Every port the open incident has involved (what its messages name). */
  incidentPorts: number[];
  /** The open incident's flapping ports and their figures when each began to flap (Incident.flapFigures). */
  incidentFlap: IncidentFlap[];
  /** Check kind per port (absent: every port is a TCP connect). */
  checks?: Map<number, CheckSpec>;
  /** An admin allowed its server's private or reserved address (re-checked before every connect). */
  allowPrivate?: boolean;
  /** probeRefusal(host, allowPrivate), worked out once per load (absent: worked out per check). */
  refusal?: string | null;
  /** The probe shard it belongs to (set by the runtime's load). */
  shard?: number;
  /** The runtime's number for this monitor: its ports' scheduler keys derive from it (no key string per port). */
  slot?: number;
}

const NO_PORTS: number[] = Object.freeze([]) as unknown as number[];
const NO_FLAP: IncidentFlap[] = Object.freeze([]) as unknown as IncidentFlap[];

/** The shared quiet host state when `h` is one (same values), else `h`. */
export const shareQuiet = (h: HostState): HostState => (isQuietHost(h) ? QUIET_HOST : h);

/** The monitor's host state, without building its port states (compact-monitor.ts). */
export const hostStateOf = (m: LiveMonitor): HostState => (m instanceof CompactMonitor ? m.hostState : m.state.host);

/** The column slot of a steady successful check of `port` now, else -1 (compact-monitor.ts, steadySlot). */
export const steadySlotOf = (m: LiveMonitor, port: number, now: number): number =>
  m instanceof CompactMonitor ? m.steadySlot(port, now) : -1;

/** Applies the steady check steadySlotOf found, if it still is one (compact-monitor.ts, applySteady). */
export const applySteadyOf = (m: LiveMonitor, slot: number, port: number, latencyMs: number, now: number): boolean =>
  m instanceof CompactMonitor && m.applySteady(slot, port, latencyMs, now);

/** The monitor is dropped: its port columns are freed (its state stays readable). */
export function disposeMonitor(m: LiveMonitor): void {
  if (m instanceof CompactMonitor) m.dispose();
}

/**
 * Values many monitors share (an account's contact and endpoints, the default policy, the host
 * text, a port list) are kept once: a million monitors of a few thousand accounts hold a few
 * thousand contact and policy objects, not a million copies. Shared values are never mutated
 * (an edit replaces the monitor's reference). Bounded: the table starts over when it is full.
 */
class Interner {
  private readonly table = new Map<string, unknown>();
  constructor(private readonly max: number) {}
  get<T>(key: string, value: T): T {
    const hit = this.table.get(key);
    if (hit !== undefined) return hit as T;
    if (this.table.size >= this.max) this.table.clear();
    this.table.set(key, value);
    return value;
  }
}
const shared = new Interner(50_000);
const intern = (s: string): string => shared.get(`s\u0000${s}`, s);
const internJson = <T>(kind: string, value: T): T => shared.get(`${kind}\u0000${JSON.stringify(value)}`, value);

export function toMaintenance(rows: readonly MaintenanceLoadRow[]): MaintenanceWindow[] {
  const out: MaintenanceWindow[] = [];
  for (const w of rows) {
    if (w.kind === 'ONE_OFF' && w.startsAt !== null && w.endsAt !== null) {
      out.push({ kind: 'once', startsAt: w.startsAt, endsAt: w.endsAt });
    } else if (w.kind === 'WEEKLY' && w.weekday != null && w.startMinute != null && w.durationMin != null) {
      out.push({
        kind: 'weekly',
        days: [w.weekday],
        startMinute: w.startMinute,
        durationMinutes: w.durationMin,
        timeZone: w.timeZone,
      });
    }
  }
  return out;
}

function restorePort(row: PortLoadRow): AlertPortState {
  return {
    phase: row.phase,
    consecutiveFailures: row.consecutiveFailures,
    consecutiveSuccesses: row.consecutiveSuccesses,
    since: row.since,
    lastCheckAt: row.lastCheckAt,
    lastOk: row.lastOk,
    lastLatencyMs: row.lastLatencyMs,
    lastErrorCode: row.lastErrorCode,
    lastErrorMessage: row.lastErrorMessage,
    ...restoreFlap({
      flapHistory: row.flapHistory,
      flapping: row.flapping,
      flappingSince: row.flappingSince === null ? null : new Date(row.flappingSince),
    }),
  };
}

const time = (d: Date | null): number | null => (d === null ? null : d.getTime());

/** A Prisma row with monitorInclude as the loader's flat row (tests and one-off reads). */
export function fromMonitorRow(row: MonitorRow): MonitorLoadRow {
  const open = row.incidents[0];
  return {
    id: row.id,
    accountId: row.accountId,
    host: row.host,
    ports: row.ports,
    paused: row.pausedAt !== null,
    deleted: row.deletedAt !== null,
    intervalSec: row.intervalSec,
    retryIntervalSec: row.retryIntervalSec,
    timeoutMs: row.timeoutMs,
    failureThreshold: row.failureThreshold,
    recoveryThreshold: row.recoveryThreshold,
    flapEnabled: row.flapEnabled,
    flapWindow: row.flapWindow,
    flapChanges: row.flapChanges,
    flapFailedPercent: row.flapFailedPercent,
    contactName: row.contactName,
    contactEmail: row.contactEmail,
    contactPhone: row.contactPhone,
    mailEnabled: row.mailEnabled,
    smsEnabled: row.smsEnabled,
    alimtalkEnabled: row.alimtalkEnabled,
    checks: row.checks,
    allowPrivate: row.server.allowPrivate,
    language: row.account.language,
    endpoints: row.account.notifyEndpoints.map(toEndpointInfo),
    portStates: row.portStates.map((p) => ({
      ...p,
      since: p.since.getTime(),
      lastCheckAt: time(p.lastCheckAt),
      flappingSince: time(p.flappingSince),
    })),
    maintenance: row.maintenance.map((w) => ({ ...w, startsAt: time(w.startsAt), endsAt: time(w.endsAt) })),
    incident: open ? { id: open.id, ports: open.ports, flapFigures: open.flapFigures } : null,
  };
}

/** Builds the in-memory monitor from its Prisma row (monitorInclude). */
export function toLiveMonitor(row: MonitorRow, defaults: MonitorDefaults, now: number): LiveMonitor {
  return buildLiveMonitor(fromMonitorRow(row), defaults, now);
}

/** Builds the in-memory monitor from its rows: port states and the open incident are restored. */
export function buildLiveMonitor(row: MonitorLoadRow, defaults: MonitorDefaults, now: number): LiveMonitor {
  const paused = row.paused;
  const ports: Record<number, AlertPortState> = portRecord();
  for (const port of row.ports) {
    const s = row.portStates.find((p) => p.port === port);
    if (s) ports[port] = restorePort(s);
    else
      ports[port] = {
        phase: paused ? 'PAUSED' : 'UNKNOWN',
        consecutiveFailures: 0,
        consecutiveSuccesses: 0,
        since: now,
        lastCheckAt: null,
        lastOk: null,
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      };
  }
  const open = row.incident;
  const host = open
    ? {
        ...initialHostState(),
        incidentOpen: true,
        downPorts: row.ports.filter((p) => ports[p] && countsAsDown(ports[p])).sort((a, b) => a - b),
      }
    : QUIET_HOST;
  const intervalSec = row.intervalSec ?? defaults.intervalSec;
  const checks = readChecks(row.checks);
  const allowPrivate = row.allowPrivate;
  const fields: CompactFields = {
    id: row.id,
    accountId: intern(row.accountId),
    host: intern(row.host),
    ports: internJson('ports', [...row.ports]),
    intervalMs: intervalSec * 1000,
    retryIntervalMs: Math.min(row.retryIntervalSec ?? defaults.retryIntervalSec, intervalSec) * 1000,
    timeoutMs: Math.min(row.timeoutMs ?? defaults.timeoutMs, intervalSec * 1000 - 1),
    policy: internJson('policy', {
      failureThreshold: row.failureThreshold ?? defaults.failureThreshold,
      recoveryThreshold: row.recoveryThreshold ?? defaults.recoveryThreshold,
      maintenance: toMaintenance(row.maintenance),
      flapping: flapPolicyOf(row, defaults),
    }),
    contact: internJson('contact', {
      name: row.contactName,
      email: row.contactEmail,
      phone: row.contactPhone,
      mailEnabled: row.mailEnabled,
      smsEnabled: row.smsEnabled,
      alimtalkEnabled: row.alimtalkEnabled,
      endpoints: row.endpoints,
      language: row.language,
    }),
    openIncidentId: open?.id ?? null,
    incidentPorts: open ? [...open.ports] : NO_PORTS,
    incidentFlap: open ? restoreIncidentFlap(open.flapFigures) : NO_FLAP,
    ...(checks.size > 0 ? { checks } : {}),
    allowPrivate,
    refusal: probeRefusal(row.host, allowPrivate),
    shard: 0,
    slot: 0,
  };
  // the port states go into the columns at once when quiet (no object per healthy port)
  return new CompactMonitor(fields, { paused, ports, host });
}
