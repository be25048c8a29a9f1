// The in-memory heart of the probe runtime: takes check results, runs the pure alerting
// machines, and turns their actions into a pending write batch and live events. It never
// awaits the database: the runtime flushes the batch on its own timer.
import { randomUUID } from 'node:crypto';
import {
  deleteMonitor, evaluateWithFlapping, initialGuardState, initialPortState, isFlapping, isHeld, isIncidentPhase, pauseMonitor,
  reconcileWithFlapping, recordCanary, recordChecks, resumeMonitor, setMonitorPorts, tickGuard,
  type FlapMonitorAction, type GuardAction, type GuardPolicy, type PortState,
} from '../../alerting/index.ts';
import type { ProbeResult } from '../../probe/index.ts';
import type { Events, PortStatusEvent } from '../events.ts';
import { flapColumns, flapEntriesOf, flapEntry, flapStatus, mergeFlap, openingKind } from './flapping.ts';
import { ledgerRows, type AdminRecipientInfo } from './ledger.ts';
import type { LiveMonitor } from './model.ts';
import { RollupBuffer } from './rollups.ts';
import { emptyBatch, type Batch, type PortStateRow } from './store.ts';

export interface EngineDeps {
  events: Events;
  guardPolicy: GuardPolicy;
  /** Admin alert recipients (refreshed by the runtime). */
  admins: () => AdminRecipientInfo[];
  /** DOWN messages wait this long so other failing ports of the host can join the incident. */
  groupingDelayMs: number;
  /** Scheduler controls for retry pacing and sibling re-checks. */
  setRetryMode(key: string, fast: boolean): void;
  runNow(key: string): void;
  nodeId: string;
}

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
  guard = initialGuardState();
  probeIncidentId: string | null = null;

  constructor(private readonly deps: EngineDeps) {}

  statusEvent(m: LiveMonitor, port: number): PortStatusEvent | null {
    const s = m.state.ports[port];
    if (!s) return null;
    return {
      monitorId: m.id, accountId: m.accountId, host: m.host, port, phase: s.phase, since: new Date(s.since),
      lastCheckAt: s.lastCheckAt === null ? null : new Date(s.lastCheckAt), lastOk: s.lastOk, lastLatencyMs: s.lastLatencyMs,
      lastErrorCode: s.lastErrorCode, lastErrorMessage: s.lastErrorMessage, flap: flapStatus(s, m.policy.flapping),
    };
  }

  /** Queues the port's state for the next batch and its live event for after the commit. */
  private persistPort(m: LiveMonitor, port: number): void {
    const s = m.state.ports[port];
    if (!s) return;
    this.batch.portStates.set(targetKey(m.id, port), toPortStateRow(m.id, port, s));
    m.dirtyPorts.delete(port);
    const ev = this.statusEvent(m, port);
    if (ev) this.afterCommit.push(() => this.deps.events.portStatus(ev));
  }

  onResult(m: LiveMonitor, port: number, r: ProbeResult): void {
    const before = m.state.ports[port];
    if (!before || m.state.paused) return;
    const now = r.at;
    const guardStep = recordChecks(this.guard, { checked: 1, failed: r.ok ? 0 : 1 }, this.deps.guardPolicy, now);
    this.guard = guardStep.next;
    this.onGuardActions(guardStep.actions, now);

    const result = r.ok ? { ok: true as const, latencyMs: r.latencyMs } : { ok: false as const, latencyMs: r.latencyMs, code: r.code, message: r.message };
    const step = evaluateWithFlapping(m.state, { port, result, alertsHeld: isHeld(this.guard) }, m.policy, now);
    m.state = step.next;
    const downMs = isIncidentPhase(before.phase) && before.lastCheckAt !== null ? now - before.lastCheckAt : 0;
    const flapMs = isFlapping(before) && before.lastCheckAt !== null ? now - before.lastCheckAt : 0;
    this.rollups.add(m.id, port, now, r.ok, r.latencyMs, downMs, flapMs);
    this.apply(m, step.actions, now);

    const after = m.state.ports[port];
    // failures and anything but a steady UP are written (they scale with failures, not checks)
    if (after && (!r.ok || after.phase !== 'UP' || before.phase !== 'UP' || isFlapping(after) || isFlapping(before))) this.persistPort(m, port);
    else m.dirtyPorts.add(port);
    this.deps.events.checkResult({
      monitorId: m.id, port, at: new Date(now), ok: r.ok, latencyMs: r.latencyMs,
      errorCode: r.ok ? null : r.code, errorMessage: r.ok ? null : r.message,
    });
  }

  /** Applies a monitor's actions: host actions first, so failure rows carry the incident id. */
  apply(m: LiveMonitor, actions: FlapMonitorAction[], now: number): void {
    for (const a of actions) {
      switch (a.type) {
        case 'OPEN_INCIDENT': {
          const id = randomUUID();
          m.openIncidentId = id;
          m.incidentPorts = [...a.ports];
          const trigger = a.ports.map((p) => m.state.ports[p]).find((s) => s?.lastErrorMessage);
          m.incidentFlap = flapEntriesOf(a.ports, m.state.ports, now);
          this.batch.opened.push({
            id, kind: 'HOST_DOWN', monitorId: m.id, accountId: m.accountId, host: m.host, ports: [...a.ports],
            reason: trigger?.lastErrorMessage ?? null, openedAt: new Date(now), flapFigures: m.incidentFlap,
          });
          this.batch.ledger.push(...ledgerRows({
            incidentId: id, kind: openingKind(a.ports, m.state.ports), accountId: m.accountId, contact: m.contact, admins: this.deps.admins(),
            sendAfter: new Date(now + this.deps.groupingDelayMs),
          }));
          this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: m.accountId, change: 'OPENED' }));
          break;
        }
        case 'ADD_PORT': {
          if (!m.openIncidentId) break;
          const id = m.openIncidentId;
          if (!m.incidentPorts.includes(a.port)) m.incidentPorts = [...m.incidentPorts, a.port].sort((x, y) => x - y);
          this.batch.portsChanged.set(id, [...m.incidentPorts]);
          this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: m.accountId, change: 'UPDATED' }));
          break;
        }
        case 'RESOLVE_INCIDENT': {
          if (!m.openIncidentId) break;
          const id = m.openIncidentId;
          this.batch.resolved.push({ id, at: new Date(now), reason: a.reason });
          // closed for another reason (ports edited, paused, deleted): the recipients who heard
          // DOWN hear the end too, and it never says "recovered" (the reason is on the incident)
          this.batch.ledger.push(...ledgerRows({
            incidentId: id, kind: a.reason === 'RECOVERED' || a.reason === 'STABLE' ? a.reason : 'CLOSED', accountId: m.accountId, contact: m.contact, admins: this.deps.admins(), sendAfter: new Date(now),
          }));
          m.openIncidentId = null;
          m.incidentPorts = [];
          m.incidentFlap = [];
          this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: m.accountId, change: 'RESOLVED' }));
          break;
        }
        default:
          break;
      }
    }
    for (const a of actions) {
      switch (a.type) {
        case 'LOG_FAILURE':
          this.batch.failures.push({
            monitorId: m.id, port: a.port, at: new Date(now), code: a.code, message: a.message,
            latencyMs: m.state.ports[a.port]?.lastLatencyMs ?? 0, incidentId: m.openIncidentId,
            flapping: isFlapping(m.state.ports[a.port] ?? initialPortState(now)),
          });
          break;
        case 'FLAP_START': {
          // a port of the open incident began to flap (or joined it flapping): the incident is marked
          if (!m.openIncidentId || m.incidentFlap.some((e) => e.port === a.port)) break;
          m.incidentFlap = mergeFlap(m.incidentFlap, flapEntry(a.port, a.figures, now));
          this.batch.flapChanged.set(m.openIncidentId, [...m.incidentFlap]);
          break;
        }
        case 'FAST_RETRY':
          this.deps.setRetryMode(targetKey(m.id, a.port), a.on);
          // a port turned SUSPECT: look at the host's other ports now, so that ports failing
          // together reach the threshold together and one message names them all
          if (a.on) for (const p of m.ports) if (p !== a.port && m.state.ports[p]?.phase === 'UP') this.deps.runNow(targetKey(m.id, p));
          break;
        case 'PHASE_CHANGED':
          this.persistPort(m, a.port);
          break;
        default:
          break;
      }
    }
  }

  /** Canary checks feed only the guard. */
  onCanary(key: string, r: ProbeResult): void {
    const step = recordCanary(this.guard, { key, ok: r.ok }, this.deps.guardPolicy, r.at);
    this.guard = step.next;
    this.onGuardActions(step.actions, r.at);
  }

  tick(now: number): void {
    const step = tickGuard(this.guard, this.deps.guardPolicy, now);
    this.guard = step.next;
    this.onGuardActions(step.actions, now);
  }

  /** A PROBE_DEGRADED incident left open by an earlier run is resolved once the guard is clear. */
  resolveStaleProbeIncident(now: number): void {
    if (this.probeIncidentId && !this.guard.degraded) this.onGuardActions([{ type: 'RECOVERED', degradedSince: now, snapshot: { checked: 0, failed: 0, share: 0, knownCanaries: 0, failingCanaries: [] } }], now);
  }

  private onGuardActions(actions: GuardAction[], now: number): void {
    for (const a of actions) {
      if (a.type === 'DEGRADED') {
        if (this.probeIncidentId) continue;
        const id = randomUUID();
        this.probeIncidentId = id;
        const s = a.snapshot;
        const reason = a.reason === 'CANARY'
          ? `probe ${this.deps.nodeId}: canary targets failing (${s.failingCanaries.join(', ')}); customer alerts held`
          : `probe ${this.deps.nodeId}: ${s.failed} of ${s.checked} checks failed in one round; customer alerts held`;
        this.batch.opened.push({ id, kind: 'PROBE_DEGRADED', monitorId: null, accountId: null, host: null, ports: [], reason, openedAt: new Date(now) });
        this.batch.ledger.push(...ledgerRows({ incidentId: id, kind: 'PROBE_DEGRADED', accountId: null, contact: null, admins: this.deps.admins(), sendAfter: new Date(now) }));
        this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: null, change: 'OPENED' }));
      } else {
        const id = this.probeIncidentId;
        if (id) {
          this.probeIncidentId = null;
          this.batch.resolved.push({ id, at: new Date(now), reason: 'RECOVERED' });
          this.batch.ledger.push(...ledgerRows({ incidentId: id, kind: 'PROBE_RECOVERED', accountId: null, contact: null, admins: this.deps.admins(), sendAfter: new Date(now) }));
          this.afterCommit.push(() => this.deps.events.incident({ incidentId: id, accountId: null, change: 'RESOLVED' }));
        }
        // Held alerts are re-evaluated, not released: what a port did while the prober itself
        // was failing is no evidence, so each held port starts counting afresh and is checked
        // now; one that is really down reaches its threshold again and opens its incident.
        for (const m of this.monitors.values()) {
          if (!m.state.host.held) continue;
          const ports = { ...m.state.ports };
          for (const p of m.state.host.heldPorts) ports[p] = initialPortState(now);
          m.state = { ...m.state, ports, host: { ...m.state.host, held: false, heldPorts: [] } };
          for (const p of Object.keys(ports).map(Number)) {
            if (ports[p]?.phase !== 'UNKNOWN') continue;
            this.persistPort(m, p);
            this.deps.setRetryMode(targetKey(m.id, p), false);
            this.deps.runNow(targetKey(m.id, p));
          }
        }
      }
    }
  }

  /** Adds a monitor loaded from the database; repairs host vs port state after a restore. */
  adopt(m: LiveMonitor, now: number): void {
    this.monitors.set(m.id, m);
    const step = reconcileWithFlapping(m.state, now, isHeld(this.guard));
    m.state = step.next;
    this.apply(m, step.actions, now);
  }

  /** Applies an edit of an already-running monitor (ports, pause, contact, policy). */
  /** Returns the ports that were added (the caller schedules them and checks them now). */
  update(cur: LiveMonitor, fresh: LiveMonitor, now: number): number[] {
    let actions: FlapMonitorAction[] = [];
    if (fresh.state.paused && !cur.state.paused) ({ next: cur.state, actions } = pauseMonitor(cur.state, now));
    else if (!fresh.state.paused && cur.state.paused) ({ next: cur.state, actions } = resumeMonitor(cur.state, now));
    this.apply(cur, actions, now);
    if (fresh.ports.join(',') !== cur.ports.join(',')) {
      const step = setMonitorPorts(cur.state, fresh.ports, now);
      cur.state = step.next;
      this.apply(cur, step.actions, now);
    }
    // a new port is checked at once (after the caller scheduled it), not a whole interval later
    const added = fresh.ports.filter((p) => !cur.ports.includes(p));
    for (const p of added) this.persistPort(cur, p);
    Object.assign(cur, {
      host: fresh.host, ports: fresh.ports, intervalMs: fresh.intervalMs, retryIntervalMs: fresh.retryIntervalMs,
      timeoutMs: fresh.timeoutMs, policy: fresh.policy, contact: fresh.contact, checks: fresh.checks,
    });
    return added;
  }

  /** The shard moved to another process: flush-ready, dropped without any state change. */
  release(m: LiveMonitor): void {
    for (const p of m.dirtyPorts) {
      const s = m.state.ports[p];
      if (s) this.batch.portStates.set(targetKey(m.id, p), toPortStateRow(m.id, p, s));
    }
    m.dirtyPorts.clear();
    this.monitors.delete(m.id);
  }

  /** The monitor was deleted: its open incident closes without a RECOVERED message. */
  remove(m: LiveMonitor, now: number): void {
    const step = deleteMonitor(m.state, now);
    m.state = step.next;
    this.apply(m, step.actions, now);
    this.monitors.delete(m.id);
  }

  /** Port states whose counters changed since the last periodic batch. */
  collectDirty(): void {
    for (const m of this.monitors.values()) {
      for (const p of m.dirtyPorts) {
        const s = m.state.ports[p];
        if (s) this.batch.portStates.set(targetKey(m.id, p), toPortStateRow(m.id, p, s));
      }
      m.dirtyPorts.clear();
    }
  }

  takeBatch(): { batch: Batch; afterCommit: (() => void)[] } {
    const out = { batch: this.batch, afterCommit: this.afterCommit };
    this.batch = emptyBatch();
    this.afterCommit = [];
    return out;
  }
}
