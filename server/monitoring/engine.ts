// The in-memory heart of the probe runtime: takes check results, runs the pure alerting
// machines, and turns their actions into a pending write batch and live events. It never
// awaits the database: the runtime flushes the batch on its own timer.
import { randomUUID } from 'node:crypto';
import {
  deleteMonitor,
  effectiveThreshold,
  evaluateWithFlapping,
  flapAwarePhases,
  initialGuardState,
  initialPortState,
  isFlapping,
  isHeld,
  isIncidentPhase,
  isInMaintenance,
  pauseMonitor,
  reconcileWithFlapping,
  recordCanary,
  recordCheck,
  releaseHeld,
  resumeMonitor,
  setMonitorPorts,
  tickGuard,
  type FlapMonitorAction,
  type GuardAction,
  type GuardPolicy,
  type GuardSnapshot,
  type GuardState,
  type PortState,
  withPort,
} from '../alerting/index.ts';
import type { CheckCause, ProbeResult } from '../probe/index.ts';
import type { Events, PortStatusEvent } from '../events/events.ts';
import { ADDRESS_REFUSED_CODE } from '../services/ip-policy.ts';
import { flapColumns, flapEntriesOf, flapEntry, flapStatus, mergeFlap, openingKind } from '../services/flapping.ts';
import { ledgerRows, type AdminRecipientInfo } from '../services/notifications/rows.ts';
import { applySteadyOf, disposeMonitor, hostStateOf, shareQuiet, steadySlotOf, type LiveMonitor } from './model.ts';
import { RollupBuffer } from './rollups.ts';
import { runKey, RunTracker, snapshotRun } from './runs.ts';
import { emptyBatch, type Batch, type PortStateRow } from './store.ts';

export interface EngineDeps {
  events: Events;
  guardPolicy: GuardPolicy;
  /** Admin alert recipients (refreshed by the runtime). */
  admins: () => AdminRecipientInfo[];
  /**
   * The longest a DOWN message waits for the host's undecided ports (SUSPECT, or an extra check
   * in flight) to join its incident; null: (threshold − 1) × retry interval + 2 × timeout of the
   * monitor. It is sent at once when no port is undecided, and as soon as the last one decides.
   */
  groupingWaitMaxMs: number | null;
  /** Scheduler controls for retry pacing and sibling re-checks (the port of a monitor). */
  setRetryMode(m: LiveMonitor, port: number, fast: boolean): void;
  runNow(m: LiveMonitor, port: number): void;
  nodeId: string;
  log?: (level: 'info' | 'warn', msg: string, fields: Record<string, unknown>) => void;
}

const never = (x: never): never => {
  throw new Error(`unhandled alerting action ${JSON.stringify(x)}`);
};

const NONE: ReadonlySet<number> = new Set();

export const targetKey = (monitorId: string, port: number) => `${monitorId}:${port}`;

export function toPortStateRow(monitorId: string, port: number, s: PortState): PortStateRow {
  return {
    monitorId,
    port,
    phase: s.phase,
    consecutiveFailures: s.consecutiveFailures,
    consecutiveSuccesses: s.consecutiveSuccesses,
    since: new Date(s.since),
    lastCheckAt: s.lastCheckAt === null ? null : new Date(s.lastCheckAt),
    lastOk: s.lastOk,
    lastLatencyMs: s.lastLatencyMs,
    lastErrorCode: s.lastErrorCode,
    lastErrorMessage: s.lastErrorMessage,
    ...flapColumns(s),
  };
}

export class Engine {
  readonly monitors = new Map<string, LiveMonitor>();
  batch: Batch = emptyBatch();
  /** Events to publish once the batch that carries their facts has committed. */
  afterCommit: (() => void)[] = [];
  readonly rollups = new RollupBuffer();
  /** The open failure run of each failing port (a restart starts new runs). */
  readonly runs = new RunTracker();
  guard = initialGuardState();
  probeIncidentId: string | null = null;
  /** Monitors whose DOWN messages wait for undecided ports: monitor id → the waiting incident. */
  private readonly grouping = new Map<string, string>();
  /** Ports asked for an extra check (runNow) whose result has not come back, per monitor id. */
  private readonly extraPending = new Map<string, Set<number>>();
  /** Monitors with port counters changed since the last periodic state batch (their ports are written then). */
  private readonly dirty = new Set<LiveMonitor>();

  constructor(private readonly deps: EngineDeps) {}

  statusEvent(m: LiveMonitor, port: number): PortStatusEvent | null {
    const state = m.state;
    const s = state.ports[port];
    if (!s) return null;
    return {
      monitorId: m.id,
      accountId: m.accountId,
      host: m.host,
      port,
      phase: s.phase,
      since: new Date(s.since),
      lastCheckAt: s.lastCheckAt === null ? null : new Date(s.lastCheckAt),
      lastOk: s.lastOk,
      lastLatencyMs: s.lastLatencyMs,
      lastErrorCode: s.lastErrorCode,
      lastErrorMessage: s.lastErrorMessage,
      flap: flapStatus(s, m.policy.flapping),
      alertsHeld: state.host.heldPorts.includes(port),
    };
  }

  /** The monitor has ports that went DOWN while customer alerts are held (the guard). */
  alertsHeld(m: LiveMonitor): boolean {
    return hostStateOf(m).held;
  }

  /** Queues the port's state for the next batch and its live event for after the commit. */
  private persistPort(m: LiveMonitor, port: number): void {
    const s = m.state.ports[port];
    if (!s) return;
    this.batch.portStates.set(targetKey(m.id, port), toPortStateRow(m.id, port, s));
    const ev = this.statusEvent(m, port);
    if (ev) this.afterCommit.push(() => this.deps.events.portStatus(ev));
  }

  /**
   * One finished check. `kind` says why it ran: only `regular` checks (the interval grid) feed
   * the guard, so retries and sibling re-checks that follow a failure never weigh on it.
   */
  onResult(m: LiveMonitor, port: number, r: ProbeResult, kind: CheckCause): void {
    if (this.extraPending.size > 0) this.extraPending.get(m.id)?.delete(port);
    const now = r.at;
    // the common case: a success of a steady UP port changes only its counters (the alerting core
    // says when: steadyFlap) and is written in place, without building the monitor's state; the
    // guard hears it first, as in the full step below
    const steady = r.ok ? steadySlotOf(m, port, now) : -1;
    if (steady >= 0) {
      if (kind === 'regular') this.recordGuard(m, true, now);
      if (applySteadyOf(m, steady, port, r.latencyMs, now)) {
        this.rollups.add(m.id, port, now, true, r.latencyMs, 0, 0);
        this.runs.end(m.id, port);
        this.sendWhenDecided(m, now);
        this.dirty.add(m);
        this.publishCheck(m, port, r);
        return;
      }
    }
    // `m.state` may be built on each read (compact-monitor.ts): read once, and use the step's result after
    const state = m.state;
    const before = state.ports[port];
    if (!before || state.paused) return;
    if (!r.ok && r.code === ADDRESS_REFUSED_CODE) return this.onRefused(m, port, r.message, now);
    if (kind === 'regular' && steady < 0) this.recordGuard(m, r.ok, now);

    const result = r.ok
      ? { ok: true as const, latencyMs: r.latencyMs }
      : { ok: false as const, latencyMs: r.latencyMs, code: r.code, message: r.message };
    const step = evaluateWithFlapping(state, { port, result, alertsHeld: isHeld(this.guard) }, m.policy, now);
    m.state = step.next;
    const after = step.next.ports[port];
    const downMs = isIncidentPhase(before.phase) && before.lastCheckAt !== null ? now - before.lastCheckAt : 0;
    const flapMs = isFlapping(before) && before.lastCheckAt !== null ? now - before.lastCheckAt : 0;
    this.rollups.add(m.id, port, now, r.ok, r.latencyMs, downMs, flapMs);
    // a success ends the port's failure run, except while the port is FLAPPING: then the run
    // counts the flapping period's failed checks (marked flapping), not one run per failure
    if (r.ok && !isFlapping(after ?? before)) this.runs.end(m.id, port);
    // most checks change nothing: no action, no Set built for them
    const persisted = step.actions.length > 0 ? this.apply(m, step.actions, now) : NONE;
    this.sendWhenDecided(m, now);

    // failures and anything but a steady UP are written (they scale with failures, not checks);
    // a phase change was already written and published by its PHASE_CHANGED action (once)
    if (persisted.has(port)) {
      // written and published with its phase change
    } else if (
      after &&
      (!r.ok || after.phase !== 'UP' || before.phase !== 'UP' || isFlapping(after) || isFlapping(before))
    )
      this.persistPort(m, port);
    else this.dirty.add(m);
    this.publishCheck(m, port, r);
  }

  /** A regular check of a customer port, for the guard (retries and extra checks are not). */
  private recordGuard(m: LiveMonitor, ok: boolean, now: number): void {
    this.onGuardStep(
      recordCheck(this.guard, { host: m.host, account: m.accountId, ok }, this.deps.guardPolicy, now),
      now,
    );
  }

  /** The check's live event, when anyone listens (events.ts, wantsCheckResult). */
  private publishCheck(m: LiveMonitor, port: number, r: ProbeResult): void {
    if (!this.deps.events.wantsCheckResult(m.id)) return;
    this.deps.events.checkResult({
      monitorId: m.id,
      port,
      at: new Date(r.at),
      ok: r.ok,
      latencyMs: r.latencyMs,
      errorCode: r.ok ? null : r.code,
      errorMessage: r.ok ? null : r.message,
    });
  }

  /**
   * The address policy refused the check (no packet was sent): not a failure of the customer's
   * server, so nothing is alerted and the guard hears nothing. The port says why it is not
   * checked (phase UNKNOWN, unless it is part of an open incident: that keeps its last known
   * phase), written and published when the refusal starts; the owner and the log are told once.
   */
  private onRefused(m: LiveMonitor, port: number, message: string, now: number): void {
    const s = m.state.ports[port];
    if (!s) return;
    const first = s.lastErrorCode !== ADDRESS_REFUSED_CODE;
    const keepPhase = isIncidentPhase(s.phase);
    m.state = {
      ...m.state,
      ports: withPort<PortState>(m.state.ports, port, {
        ...s,
        ...(keepPhase || s.phase === 'UNKNOWN'
          ? {}
          : { phase: 'UNKNOWN' as const, since: now, consecutiveFailures: 0, consecutiveSuccesses: 0 }),
        lastCheckAt: now,
        lastOk: null,
        lastLatencyMs: null,
        lastErrorCode: ADDRESS_REFUSED_CODE,
        lastErrorMessage: message,
      }),
    };
    this.deps.setRetryMode(m, port, false);
    this.runs.end(m.id, port); // not a failed check: a failure after it starts a new run
    if (!first) {
      this.dirty.add(m);
      return;
    }
    this.persistPort(m, port);
    this.deps.log?.('warn', 'probe refused by the address policy', {
      nodeId: this.deps.nodeId,
      monitorId: m.id,
      host: m.host,
      port,
      reason: message,
    });
  }

  /** Ports of the host other than `except` that are undecided: SUSPECT, or an extra check in flight. */
  private undecided(m: LiveMonitor, except: readonly number[]): number[] {
    const pending = this.extraPending.get(m.id);
    return m.ports.filter(
      (p) => !except.includes(p) && (m.state.ports[p]?.phase === 'SUSPECT' || pending?.has(p) === true),
    );
  }

  /** How long a new incident's DOWN messages wait for the host's undecided ports (0: send now). */
  private groupingWait(m: LiveMonitor, incidentPorts: readonly number[]): number {
    if (this.undecided(m, incidentPorts).length === 0) return 0;
    return (
      this.deps.groupingWaitMaxMs ??
      (effectiveThreshold(m.policy.failureThreshold) - 1) * m.retryIntervalMs + 2 * m.timeoutMs
    );
  }

  /** A waiting DOWN message goes out as soon as no port of its host is undecided. */
  private sendWhenDecided(m: LiveMonitor, now: number): void {
    if (this.grouping.size === 0) return;
    const incidentId = this.grouping.get(m.id);
    if (incidentId === undefined) return;
    if (incidentId === m.openIncidentId && this.undecided(m, m.incidentPorts).length > 0) return;
    this.grouping.delete(m.id);
    this.batch.dueNow.push({ incidentId, at: new Date(now) });
  }

  /** A port of `m` left the healthy side: check the host's other healthy ports now, so ports failing together are reported together. */
  private recheckSiblings(m: LiveMonitor, port: number): void {
    let pending = this.extraPending.get(m.id);
    for (const p of m.ports) {
      if (p === port || m.state.ports[p]?.phase !== 'UP' || pending?.has(p)) continue;
      if (!pending) this.extraPending.set(m.id, (pending = new Set()));
      pending.add(p);
      this.deps.runNow(m, p);
    }
  }

  /**
   * Applies a monitor's actions: host actions first, so failure rows carry the incident id.
   * Returns the ports whose state it wrote and published (a phase change), so the caller does
   * not publish the same state again.
   */
  apply(m: LiveMonitor, actions: FlapMonitorAction[], now: number): Set<number> {
    const persisted = new Set<number>();
    for (const a of actions) {
      switch (a.type) {
        case 'PHASE_CHANGED':
          this.persistPort(m, a.port);
          persisted.add(a.port);
          // the first step out of UP (SUSPECT, or straight to DOWN with a threshold of 1)
          if (a.to === 'SUSPECT' || (a.to === 'DOWN' && !isIncidentPhase(a.from) && a.from !== 'SUSPECT'))
            this.recheckSiblings(m, a.port);
          break;
        case 'FAST_RETRY':
          this.deps.setRetryMode(m, a.port, a.on);
          break;
        case 'OPEN_INCIDENT': {
          const id = randomUUID();
          m.openIncidentId = id;
          m.incidentPorts = [...a.ports];
          const trigger = a.ports.map((p) => m.state.ports[p]).find((s) => s?.lastErrorMessage);
          m.incidentFlap = flapEntriesOf(a.ports, m.state.ports, now);
          this.batch.opened.push({
            id,
            kind: 'HOST_DOWN',
            monitorId: m.id,
            accountId: m.accountId,
            host: m.host,
            ports: [...a.ports],
            reason: trigger?.lastErrorMessage ?? null,
            openedAt: new Date(now),
            flapFigures: m.incidentFlap,
          });
          const wait = this.groupingWait(m, a.ports);
          if (wait > 0) this.grouping.set(m.id, id);
          this.batch.ledger.push(
            ...ledgerRows({
              incidentId: id,
              kind: openingKind(a.ports, m.state.ports),
              accountId: m.accountId,
              contact: m.contact,
              admins: this.deps.admins(),
              sendAfter: new Date(now + wait),
            }),
          );
          this.afterCommit.push(() =>
            this.deps.events.incident({ incidentId: id, accountId: m.accountId, change: 'OPENED' }),
          );
          break;
        }
        case 'ADD_PORT': {
          if (!m.openIncidentId) break;
          const id = m.openIncidentId;
          if (!m.incidentPorts.includes(a.port)) m.incidentPorts = [...m.incidentPorts, a.port].sort((x, y) => x - y);
          this.batch.portsChanged.set(id, [...m.incidentPorts]);
          this.afterCommit.push(() =>
            this.deps.events.incident({ incidentId: id, accountId: m.accountId, change: 'UPDATED' }),
          );
          break;
        }
        case 'RESOLVE_INCIDENT': {
          if (!m.openIncidentId) break;
          const id = m.openIncidentId;
          // a DOWN still waiting for the host's ports goes out now, before its RECOVERED
          if (this.grouping.get(m.id) === id) {
            this.grouping.delete(m.id);
            this.batch.dueNow.push({ incidentId: id, at: new Date(now) });
          }
          this.batch.resolved.push({ id, at: new Date(now), reason: a.reason });
          // closed for another reason (ports edited, paused, deleted): the recipients who heard
          // DOWN hear the end too, and it never says "recovered" (the reason is on the incident)
          this.batch.ledger.push(
            ...ledgerRows({
              incidentId: id,
              kind: a.reason === 'RECOVERED' || a.reason === 'STABLE' ? a.reason : 'CLOSED',
              accountId: m.accountId,
              contact: m.contact,
              admins: this.deps.admins(),
              sendAfter: new Date(now),
            }),
          );
          m.openIncidentId = null;
          m.incidentPorts = [];
          m.incidentFlap = [];
          this.afterCommit.push(() =>
            this.deps.events.incident({ incidentId: id, accountId: m.accountId, change: 'RESOLVED' }),
          );
          break;
        }
        case 'LOG_FAILURE': // below, once the incident id is known
        case 'FLAP_START': // below: it marks the incident its own host action may just have opened
        case 'FLAP_END': // informational: the host machine has it (RESOLVE_INCIDENT / REMOVE_PORT {STABLE})
        case 'PORT_DOWN': // informational: already fed to the host machine by evaluate
        case 'PORT_UP':
        case 'REMOVE_PORT': // the incident keeps every port it involved (its messages name them)
          break;
        default:
          never(a);
      }
    }
    for (const a of actions) {
      switch (a.type) {
        case 'LOG_FAILURE': {
          const run = this.runs.fail({
            monitorId: m.id,
            port: a.port,
            at: now,
            code: a.code,
            message: a.message,
            latencyMs: m.state.ports[a.port]?.lastLatencyMs ?? 0,
            incidentId: m.openIncidentId,
            flapping: isFlapping(m.state.ports[a.port] ?? initialPortState(now)),
            maintenance: isInMaintenance(m.policy.maintenance, now),
          });
          this.batch.runs.set(runKey(run), snapshotRun(run));
          break;
        }
        case 'FLAP_START': {
          // a port of the open incident began to flap (or joined it flapping): the incident is marked
          if (!m.openIncidentId || m.incidentFlap.some((e) => e.port === a.port)) break;
          m.incidentFlap = mergeFlap(m.incidentFlap, flapEntry(a.port, a.figures, now));
          this.batch.flapChanged.set(m.openIncidentId, [...m.incidentFlap]);
          break;
        }
        default:
          break; // the first pass handled the others
      }
    }
    return persisted;
  }

  /** Canary checks feed only the guard. */
  onCanary(key: string, r: ProbeResult): void {
    this.onGuardStep(recordCanary(this.guard, { key, ok: r.ok }, this.deps.guardPolicy, r.at), r.at);
  }

  tick(now: number): void {
    this.onGuardStep(tickGuard(this.guard, this.deps.guardPolicy, now), now);
  }

  /** A PROBE_DEGRADED incident left open by an earlier run is resolved once the guard is clear. */
  resolveStaleProbeIncident(now: number): void {
    if (!this.guard.degraded) this.resolveProbeIncident(now);
  }

  private onGuardStep(step: { next: GuardState; actions: GuardAction[] }, now: number): void {
    this.guard = step.next;
    for (const a of step.actions) {
      switch (a.type) {
        case 'DEGRADED':
          this.openProbeIncident(a.reason, a.snapshot, now);
          break;
        case 'HOLD_EXPIRED':
          this.deps.log?.('warn', 'customer alerts held too long: held incidents are raised anyway', {
            nodeId: this.deps.nodeId,
            heldForMs: now - a.degradedSince,
          });
          this.releaseAllHeld(now);
          break;
        case 'RECOVERED':
          this.resolveProbeIncident(now);
          this.deps.log?.('info', 'prober connectivity is back: customer alerts flow again', {
            nodeId: this.deps.nodeId,
            degradedForMs: now - a.degradedSince,
          });
          if (!a.holdExpired) this.releaseAllHeld(now);
          break;
        default:
          never(a);
      }
    }
  }

  private openProbeIncident(reason: 'CANARY' | 'MASS_FAILURE', s: GuardSnapshot, now: number): void {
    const maxMin = Math.round(this.deps.guardPolicy.maxHoldMs / 60_000);
    const what =
      reason === 'CANARY'
        ? `canary targets failing (${s.failingCanaries.join(', ')})`
        : `${s.failingHosts} of ${s.hosts} hosts (${s.failingNetworks} of ${s.networks} networks, ${s.failingAccounts} customers) answered none of their regular checks in ${Math.round(this.deps.guardPolicy.windowMs / 1000)} s`;
    const text = `probe ${this.deps.nodeId}: ${what}; customer alerts held for at most ${maxMin} min while the prober checks its own connectivity`;
    this.deps.log?.('warn', 'customer alerts held: the prober is checking its own connectivity', {
      nodeId: this.deps.nodeId,
      reason,
      ...s,
    });
    if (this.probeIncidentId) return;
    const id = randomUUID();
    this.probeIncidentId = id;
    this.batch.opened.push({
      id,
      kind: 'PROBE_DEGRADED',
      monitorId: null,
      accountId: null,
      host: null,
      ports: [],
      reason: text,
      openedAt: new Date(now),
    });
    this.batch.ledger.push(
      ...ledgerRows({
        incidentId: id,
        kind: 'PROBE_DEGRADED',
        accountId: null,
        contact: null,
        admins: this.deps.admins(),
        sendAfter: new Date(now),
      }),
    );
    this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: null, change: 'OPENED' }));
  }

  private resolveProbeIncident(now: number): void {
    const id = this.probeIncidentId;
    if (!id) return;
    this.probeIncidentId = null;
    this.batch.resolved.push({ id, at: new Date(now), reason: 'RECOVERED' });
    this.batch.ledger.push(
      ...ledgerRows({
        incidentId: id,
        kind: 'PROBE_RECOVERED',
        accountId: null,
        contact: null,
        admins: this.deps.admins(),
        sendAfter: new Date(now),
      }),
    );
    this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: null, change: 'RESOLVED' }));
  }

  /** The hold ended (guard clear, or its limit): held ports still down are announced (releaseHeld). */
  private releaseAllHeld(now: number): void {
    let raised = 0;
    for (const m of this.monitors.values()) {
      if (!hostStateOf(m).held) continue;
      const step = releaseHeld(m.state, now, isHeld(this.guard), flapAwarePhases(m.state));
      m.state = step.next;
      if (step.actions.some((a) => a.type === 'OPEN_INCIDENT' || a.type === 'ADD_PORT')) raised++;
      const changed = this.apply(m, step.actions, now);
      for (const p of m.ports) if (!changed.has(p)) this.persistPort(m, p); // the "alerts held" mark goes away live
    }
    this.deps.log?.('info', 'held customer alerts released', { nodeId: this.deps.nodeId, monitorsRaised: raised });
  }

  /** Adds a monitor loaded from the database; repairs host vs port state after a restore. */
  adopt(m: LiveMonitor, now: number): void {
    this.monitors.set(m.id, m);
    const state = m.state;
    const step = reconcileWithFlapping(state, now, isHeld(this.guard));
    // the step builds a host state per monitor: a quiet one is the shared object (model.ts)
    m.state = step.next.host === state.host ? step.next : { ...step.next, host: shareQuiet(step.next.host) };
    this.apply(m, step.actions, now);
  }

  /** Applies an edit of an already-running monitor (ports, pause, contact, policy). */
  /** Returns the ports that were added (the caller schedules them and checks them now). */
  update(cur: LiveMonitor, fresh: LiveMonitor, now: number): number[] {
    let actions: FlapMonitorAction[] = [];
    if (fresh.state.paused && !cur.state.paused) ({ next: cur.state, actions } = pauseMonitor(cur.state, now));
    else if (!fresh.state.paused && cur.state.paused) ({ next: cur.state, actions } = resumeMonitor(cur.state, now));
    const persisted = this.apply(cur, actions, now);
    if (fresh.ports.join(',') !== cur.ports.join(',')) {
      const step = setMonitorPorts(cur.state, fresh.ports, now);
      cur.state = step.next;
      for (const p of this.apply(cur, step.actions, now)) persisted.add(p);
    }
    // a new port is checked at once (after the caller scheduled it), not a whole interval later
    const added = fresh.ports.filter((p) => !cur.ports.includes(p));
    for (const p of cur.ports) if (!fresh.ports.includes(p) || fresh.state.paused) this.runs.end(cur.id, p);
    for (const p of added) if (!persisted.has(p)) this.persistPort(cur, p);
    Object.assign(cur, {
      host: fresh.host,
      ports: fresh.ports,
      intervalMs: fresh.intervalMs,
      retryIntervalMs: fresh.retryIntervalMs,
      timeoutMs: fresh.timeoutMs,
      policy: fresh.policy,
      contact: fresh.contact,
      checks: fresh.checks,
      allowPrivate: fresh.allowPrivate,
      refusal: fresh.refusal,
    });
    this.sendWhenDecided(cur, now);
    return added;
  }

  /** The shard moved to another process: flush-ready, dropped without any state change. */
  release(m: LiveMonitor, now: number): void {
    if (this.dirty.has(m)) this.writePorts(m);
    this.forget(m, now);
  }

  /** The monitor was deleted: its open incident closes without a RECOVERED message. */
  remove(m: LiveMonitor, now: number): void {
    const step = deleteMonitor(m.state, now);
    m.state = step.next;
    this.apply(m, step.actions, now);
    this.forget(m, now);
  }

  private forget(m: LiveMonitor, now: number): void {
    this.monitors.delete(m.id);
    disposeMonitor(m);
    this.dirty.delete(m);
    this.runs.forget(m.id);
    this.extraPending.delete(m.id);
    const waiting = this.grouping.get(m.id);
    if (waiting === undefined) return;
    // whoever takes the monitor over does not know this wait: the message goes out now
    this.grouping.delete(m.id);
    this.batch.dueNow.push({ incidentId: waiting, at: new Date(now) });
  }

  /**
   * Port states whose counters changed since the last periodic batch, into the batch: every
   * one, or at most `limit` monitors (the oldest first: a paged write, so the periodic refresh
   * of a million steady ports never builds a million rows at once). Returns how many monitors
   * it took.
   */
  collectDirty(limit = Infinity): number {
    let n = 0;
    for (const m of this.dirty) {
      if (n >= limit) break;
      this.dirty.delete(m);
      n += 1;
      if (this.monitors.get(m.id) === m) this.writePorts(m);
    }
    return n;
  }

  /** Monitors waiting for the periodic state write. */
  dirtyCount(): number {
    return this.dirty.size;
  }

  /** Every port's state of `m` into the batch (a port that did not change writes the same row again). */
  private writePorts(m: LiveMonitor): void {
    const state = m.state;
    for (const p of m.ports) {
      const s = state.ports[p];
      if (s) this.batch.portStates.set(targetKey(m.id, p), toPortStateRow(m.id, p, s));
    }
  }

  takeBatch(): { batch: Batch; afterCommit: (() => void)[] } {
    const out = { batch: this.batch, afterCommit: this.afterCommit };
    this.batch = emptyBatch();
    this.afterCommit = [];
    return out;
  }
}
