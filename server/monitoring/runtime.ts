// The probe runtime: scheduler + engine + batched persistence + shard leases + resync.
// The probe path (scheduler → engine) never waits on the database or on sending anything;
// writes go out in batches on a timer and are retried when the database is away.
import { adminRecipientInfo } from '../services/incident-close.ts';
import { randomUUID } from 'node:crypto';
import { DEFAULT_GUARD_POLICY, wantsFastRetry, isCheckable, type GuardPolicy } from '../alerting/index.ts';
import type { PrismaClient } from '../db/index.ts';
import type { Logger } from '../log.ts';
import {
  createScheduler,
  runCheck,
  type AdaptiveTick,
  type CheckSpec,
  type Clock,
  type ProbeResult,
  phaseOf,
  type ScheduledTarget,
  type SchedulerCheck,
  type TargetKey,
} from '../probe/index.ts';
import type { Events, PortStatusEvent, SettingsChangedEvent } from '../events/events.ts';
import { getMonitorDefaults, type MonitorDefaults } from '../services/settings.ts';
import { ADDRESS_REFUSED_CODE, probeRefusal } from '../services/ip-policy.ts';
import { Engine, targetKey } from './engine.ts';
import type { AdminRecipientInfo } from '../services/notifications/rows.ts';
import { CertTracker } from './certs.ts';
import { createLeaseManager, type LeaseManager } from './leases.ts';
import type { NodeRegistry } from '../cluster/nodes.ts';
import type { ClusterWake } from '../cluster/signal.ts';
import { catchUp, loadOpenIncidents, reconcileIncidents } from './continuity.ts';
import { buildLiveMonitor, disposeMonitor, type LiveMonitor } from './model.ts';
import {
  batchSize,
  loadMonitors,
  mergeBatch,
  monitorPages,
  oldestOpenWriteMs,
  writeBatch,
  writeRollups,
  type LoadedMonitor,
} from './store.ts';
import type { RollupRow } from '../services/types.ts';
import { PACK_AFTER_MS, packRollupDays } from '../services/rollups/packing.ts';
import type { Signals } from '../events/signals.ts';

interface Target extends ScheduledTarget<TargetKey> {
  monitorId: string | null; // null: a canary
  check?: CheckSpec | undefined; // absent: a TCP connect
}

/** Ports per monitor number in a scheduler key: a port's key is slot × 65,536 + port (no string per port). */
const PORT_SPACE = 65_536;
/** The scheduler key of a monitor's port: derived from the monitor's number, never stored. */
const keyOf = (m: LiveMonitor, port: number): number => (m.slot ?? 0) * PORT_SPACE + port;

/**
 * Checks due within one tick start together (one wake-up per tick, at most one tick late). The
 * tick follows the planned rate: ~50 checks a wake-up, between 20 and 100 ms. At 100,000 ports
 * on 180 s (556 checks/s) it is 90 ms; at 1,000,000 (5,556/s) and above, 20 ms.
 */
export const DEFAULT_TICK: AdaptiveTick = Object.freeze({ minMs: 20, maxMs: 100, checksPerTick: 50 });

/** Monitors per page of the periodic state write. */
const STATE_PAGE = 2_000;

/** How far back a resync may look for a write transaction still open (windowStart). */
const RESYNC_LOOKBACK_MAX_MS = 10 * 60_000;

export interface ProbeRuntimeOptions {
  prisma: PrismaClient;
  events: Events;
  log?: Logger;
  nodeId?: string;
  canaries?: { host: string; port: number }[];
  guardPolicy?: Partial<GuardPolicy>;
  concurrency?: number;
  localAddress?: string;
  /** Scheduler wake-up granularity (default DEFAULT_TICK on the system clock, 0 on an injected one). */
  tickMs?: number | AdaptiveTick;
  clock?: Clock;
  check?: SchedulerCheck<Target>;
  flushMs?: number;
  rollupFlushMs?: number;
  stateRefreshMs?: number;
  resyncMs?: number;
  /** Cap of the wait of DOWN messages for the host's undecided ports (default: per monitor, see EngineDeps). */
  groupingDelayMs?: number;
  leaseTtlMs?: number;
  leaseRenewMs?: number;
  /** The process registry shared with the dispatcher (main.ts); the lease manager makes one otherwise. */
  node?: NodeRegistry;
  /** Wake-ups when shards change hands elsewhere (LISTEN/NOTIFY). */
  wake?: ClusterWake;
  /** In-process signals: monitor edits reach the probe at once, queued alerts wake the dispatcher. */
  signals?: Signals;
}

export interface ProbeRuntimeStats {
  monitors: number;
  targets: number;
  ownedShards: number;
  checksDone: number;
  /** The scheduler's tick now (ms; adaptive: at the planned rate, retries included). */
  tickMs: number;
  inFlight: number;
  queued: number;
  lateness: { count: number; p50: number; p99: number; max: number };
  /** Rows written for failures, state changes, incidents and ledger (the per-event writes). */
  dbRowsWritten: number;
  /** Hourly rollup rows upserted (one per active port and hour per flush). */
  rollupRowsWritten: number;
  dbStatements: number;
  pendingWrites: number;
  lastFlushOkAt: number;
  degraded: boolean;
}

export interface ProbeRuntime {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A monitor was created/changed/deleted: re-read it now (if this process probes it). */
  monitorChanged(monitorId: string): void;
  /** The live status of a monitor's ports, when this process probes it. */
  status(monitorId: string): PortStatusEvent[] | null;
  /** Hourly rollup rows of these monitors still in memory (not yet flushed to the database). */
  pendingRollups(monitorIds: readonly string[]): RollupRow[];
  /** Writes everything pending now (tests, shutdown). */
  flush(): Promise<void>;
  stats(): ProbeRuntimeStats;
  /** True while the lease loop and the write loop are healthy (readiness). */
  healthy(): boolean;
}

export function createProbeRuntime(opts: ProbeRuntimeOptions): ProbeRuntime {
  const { prisma, events } = opts;
  const log = opts.log ?? (() => {});
  const nodeId = opts.nodeId ?? `probe-${randomUUID().slice(0, 8)}`;
  const clock = opts.clock;
  const now = () => (clock ? clock.now() : Date.now());
  const flushMs = opts.flushMs ?? 500;
  let defaults: MonitorDefaults | undefined;
  let admins: AdminRecipientInfo[] = [];
  /** The next monitor number (LiveMonitor.slot); 0 is never used. */
  let nextSlot = 1;
  let dbRowsWritten = 0;
  let rollupRowsWritten = 0;
  let dbStatements = 0;
  let lastFlushOkAt = now();
  let flushFailures = 0;

  // The address policy is re-checked before every connect (an admin may have withdrawn the
  // permission for a private address since the monitor was registered): a refused check sends
  // no packet and comes back as ADDRESS_REFUSED_CODE, which the engine records without alerting.
  const connect: SchedulerCheck<Target> = opts.check ?? ((t, o) => runCheck(t, o));
  const check: SchedulerCheck<Target> = (t, o) => {
    const m = t.monitorId === null ? undefined : engine.monitors.get(t.monitorId);
    const refusal = !m ? null : m.refusal !== undefined ? m.refusal : probeRefusal(t.host, m.allowPrivate ?? false);
    if (refusal)
      return Promise.resolve({ ok: false, code: ADDRESS_REFUSED_CODE, message: refusal, latencyMs: 0, at: now() });
    return connect(t, o);
  };

  const certs = new CertTracker({
    prisma,
    log,
    ...(clock ? { now: () => clock.now() } : {}),
    ...(opts.signals ? { signals: opts.signals } : {}),
  });
  const scheduler = createScheduler<Target>({
    ...(clock ? { clock } : {}),
    check,
    ...(opts.concurrency ? { concurrency: opts.concurrency } : {}),
    ...(opts.localAddress ? { localAddress: opts.localAddress } : {}),
    // checks due within one tick start together (one wake-up per tick, not per check); on an
    // injected clock (tests) the planned times are kept exactly
    tickMs: opts.tickMs ?? (clock ? 0 : DEFAULT_TICK),
    onResult: (t, r: ProbeResult, info) => {
      if (t.monitorId === null) return engine.onCanary(String(t.key), r);
      const m = engine.monitors.get(t.monitorId);
      if (m) engine.onResult(m, t.port, r, info.cause);
      if (m && r.tls) certs.observe(m, t.port, r.tls);
    },
    onError: (err, ctx) => log('error', 'probe callback failed', { err, key: ctx.key, source: ctx.source }),
  });

  const engine = new Engine({
    events,
    guardPolicy: { ...DEFAULT_GUARD_POLICY, ...opts.guardPolicy },
    admins: () => admins,
    groupingWaitMaxMs: opts.groupingDelayMs ?? null,
    setRetryMode: (m, port, fast) => scheduler.setRetryMode(keyOf(m, port), fast),
    runNow: (m, port) => scheduler.runNow(keyOf(m, port)),
    nodeId,
    log,
  });

  function schedule(m: LiveMonitor) {
    const state = m.state; // built on each read when compact: once here
    for (const port of m.ports) {
      const s = state.ports[port];
      const key = keyOf(m, port);
      if (!s || !isCheckable(s) || state.paused) {
        scheduler.remove(key);
        continue;
      }
      scheduler.upsert({
        key,
        // the phase of the port's stable name, as before keys were numbers (and as continuity.ts works it out)
        phase: phaseOf(targetKey(m.id, port), m.intervalMs),
        monitorId: m.id,
        host: m.host,
        port,
        intervalMs: m.intervalMs,
        retryIntervalMs: m.retryIntervalMs,
        timeoutMs: m.timeoutMs,
        check: m.checks?.get(port),
      });
      if (wantsFastRetry(s)) scheduler.setRetryMode(key, true);
    }
  }

  function unschedule(m: LiveMonitor, ports = m.ports) {
    for (const port of ports) scheduler.remove(keyOf(m, port));
  }

  async function refreshReferenceData() {
    defaults = await getMonitorDefaults(prisma);
    admins = await adminRecipientInfo(prisma);
  }

  /** Applies fresh rows (a load, a change, a resync) to the running state. */
  function applyRows(rows: readonly LoadedMonitor[], checkNewNow = false) {
    const t = now();
    for (const { row, shard } of rows) {
      const cur = engine.monitors.get(row.id);
      if (row.deleted) {
        if (cur) {
          unschedule(cur);
          engine.remove(cur, t);
        }
        continue;
      }
      const fresh = buildLiveMonitor(row, defaults!, t);
      if (!cur) {
        fresh.shard = shard;
        fresh.slot = nextSlot++;
        engine.adopt(fresh, t);
        schedule(fresh);
        // a monitor just registered shows a status at once instead of waiting for its phase
        // (not on bulk loads: a restart or a taken-over shard must not turn into a burst)
        if (checkNewNow) {
          const state = fresh.state;
          for (const p of fresh.ports) if (state.ports[p]?.lastCheckAt === null) scheduler.runNow(keyOf(fresh, p));
        }
        continue;
      }
      cur.shard = shard;
      const removed = cur.ports.filter((p) => !fresh.ports.includes(p));
      const added = engine.update(cur, fresh, t);
      disposeMonitor(fresh); // only its fields were taken
      unschedule(cur, removed);
      schedule(cur);
      if (!cur.state.paused) for (const p of added) scheduler.runNow(keyOf(cur, p));
    }
  }

  const leases: LeaseManager = createLeaseManager({
    prisma,
    nodeId,
    ...(opts.leaseTtlMs ? { ttlMs: opts.leaseTtlMs } : {}),
    ...(opts.leaseRenewMs ? { renewMs: opts.leaseRenewMs } : {}),
    log,
    ...(opts.node ? { node: opts.node } : {}),
    ...(opts.wake ? { wake: opts.wake } : {}),
    onGain: async (shards) => {
      // rebuilt from state that includes our own pending writes (they land first, or we wait)
      await flushNow();
      // page by page: the loop checks the ports of the first pages while the next ones load
      let checkedAtOnce = 0;
      for await (const rows of monitorPages(prisma, shards)) {
        applyRows(rows);
        // every port whose slot passed since its last recorded check is checked now
        checkedAtOnce += catchUp(
          rows.flatMap(({ row }) => engine.monitors.get(row.id) ?? []),
          now(),
          (m, port) => scheduler.runNow(keyOf(m, port)),
        );
      }
      log('info', 'probe shards taken', {
        nodeId,
        shards: shards.length,
        monitors: engine.monitors.size,
        checkedAtOnce,
      });
    },
    onLose: async (shards) => {
      const lost = new Set(shards);
      for (const m of [...engine.monitors.values()]) {
        if (!lost.has(m.shard ?? -1)) continue;
        unschedule(m);
        engine.release(m, now());
      }
      await flushNow(); // the leases are freed only once this landed
      log('info', 'probe shards released', { nodeId, shards: shards.length });
    },
  });

  let flushing: Promise<void> | undefined;
  function flush(): Promise<void> {
    flushing ??= (async () => {
      const { batch, afterCommit } = engine.takeBatch();
      if (batchSize(batch) === 0) {
        for (const f of afterCommit) f();
        lastFlushOkAt = now();
        flushFailures = 0;
        return;
      }
      try {
        dbRowsWritten += await writeBatch(prisma, batch);
        dbStatements += 1;
        lastFlushOkAt = now();
        flushFailures = 0;
        for (const f of afterCommit) f();
        if (batch.dueNow.length > 0 || batch.ledger.some((l) => l.status === 'QUEUED'))
          opts.signals?.notificationsQueued.emit();
      } catch (err) {
        flushFailures += 1;
        if (flushFailures === 1 || flushFailures % 20 === 0)
          log('warn', 'probe writes failed; kept for retry', {
            err,
            pending: batchSize(batch),
            attempts: flushFailures,
          });
        engine.batch = mergeBatch(batch, engine.batch);
        engine.afterCommit = [...afterCommit, ...engine.afterCommit];
        const excess = engine.batch.runs.size - 500_000;
        if (excess > 0) {
          for (const key of [...engine.batch.runs.keys()].slice(0, excess)) engine.batch.runs.delete(key);
          log('error', 'probe write backlog over 500k failure runs: the oldest were dropped', { dropped: excess });
        }
      }
    })().finally(() => {
      flushing = undefined;
    });
    return flushing;
  }

  /** Writes everything pending now; throws when it did not land (kept for retry). */
  async function flushNow(): Promise<void> {
    await flushing;
    await flush();
    if (flushFailures > 0)
      throw new Error(`probe writes pending (${batchSize(engine.batch)} rows): the database did not take them`);
  }

  /**
   * The periodic state write of steady ports (their counters and last check time), in pages of
   * STATE_PAGE monitors, each page written before the next is built: the rows of a million ports
   * are never in memory at once. Only the monitors dirty when it starts are written (those that
   * become dirty meanwhile wait for the next round), so it always ends.
   */
  let refreshing: Promise<void> | undefined;
  function writeDirtyPaged(): Promise<void> {
    refreshing ??= (async () => {
      let left = engine.dirtyCount();
      while (left > 0) {
        const n = engine.collectDirty(Math.min(STATE_PAGE, left));
        if (n === 0) break;
        left -= n;
        await flushing;
        await flush();
        if (flushFailures > 0) break; // the database is away: the rest waits in the dirty set
      }
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  /** Days before this (UTC midnight, ms) are packed (docs/storage.md "Rollups"); 0: look at the first flush. */
  let packedBefore = 0;
  async function flushRollups() {
    const rows = engine.rollups.drain();
    if (rows.length) {
      try {
        rollupRowsWritten += await writeRollups(prisma, rows);
        engine.rollups.landed(rows);
        dbStatements += Math.ceil(rows.length / 1000);
      } catch (err) {
        engine.rollups.restore(rows);
        log('warn', 'rollup flush failed; kept for retry', { err, rows: rows.length });
        return;
      }
    }
    // once a UTC day is over, its hourly rows are packed into one row per port and day
    const t = now();
    const before = Math.floor((t - PACK_AFTER_MS) / 86_400_000) * 86_400_000;
    if (before <= packedBefore) return;
    try {
      await packRollupDays(prisma, t, { pause: () => new Promise<void>((r) => setImmediate(r)) });
      packedBefore = before;
    } catch (err) {
      log('warn', 'packing the hourly rollups of past days failed; retried at the next flush', { err });
    }
  }

  let lastResync = new Date(0);
  let heldBack = false;
  /**
   * Where the next look at changed monitors starts: 2 s before now (clocks of other processes),
   * or before the oldest write still open (a long transaction commits rows stamped long ago: a
   * bulk import), but never more than RESYNC_LOOKBACK_MAX_MS back (a session left idle in a
   * transaction would otherwise make every resync re-read everything changed since; logged once).
   */
  async function windowStart(): Promise<Date> {
    const t = now();
    const open = await oldestOpenWriteMs(prisma);
    const from = Math.min(t, open ?? Number.POSITIVE_INFINITY) - 2_000;
    const capped = from < t - RESYNC_LOOKBACK_MAX_MS;
    if (capped && !heldBack)
      log(
        'warn',
        'a write transaction has been open for over 10 minutes; monitors it commits wait for the next restart or edit',
        {
          openSince: open === null ? null : new Date(open).toISOString(),
        },
      );
    heldBack = capped;
    return new Date(Math.max(from, t - RESYNC_LOOKBACK_MAX_MS));
  }
  async function resync() {
    const started = await windowStart();
    await refreshReferenceData();
    // a bulk import arrives in pages too: the loop runs between them
    for await (const rows of monitorPages(prisma, leases.owned(), { changedSince: lastResync, includeDeleted: true }))
      applyRows(rows);
    lastResync = started;
    const fixed = reconcileIncidents(engine, await loadOpenIncidents(prisma), { events, admins, now: now() });
    if (fixed.resolved.length || fixed.adopted.length)
      log('warn', "incidents reconciled with the ports' state", { nodeId, ...fixed });
  }

  // admin recipients and defaults take effect at once: changes made in this process are applied
  // before the saving mutation answers, those of other processes arrive through the fan-out
  let stopSettings: (() => void) | undefined;
  let stopChanges: (() => void) | undefined;
  async function onSettingsChanged(e: SettingsChangedEvent) {
    await refreshReferenceData();
    if (e.what === 'monitorDefaults') for await (const rows of monitorPages(prisma, leases.owned())) applyRows(rows);
  }

  const timers: NodeJS.Timeout[] = [];
  const every = (ms: number, fn: () => Promise<void> | void) => {
    const t = setInterval(() => {
      Promise.resolve()
        .then(fn)
        .catch((err: unknown) => log('warn', 'probe background task failed', { err }));
    }, ms);
    t.unref();
    timers.push(t);
  };

  const startedAt = now();
  const runtime: ProbeRuntime = {
    async start() {
      // an edit before the first lease round reloads nothing; the resync picks it up
      stopChanges = opts.signals?.monitorChanged.on((id) => runtime.monitorChanged(id));
      stopSettings = events.onSettingsChanged((e) =>
        onSettingsChanged(e).catch((err: unknown) =>
          log('warn', 'settings reload failed (the resync loop will retry)', { err, what: e.what }),
        ),
      );
      await refreshReferenceData();
      const open = await prisma.incident.findFirst({
        where: { kind: 'PROBE_DEGRADED', resolvedAt: null },
        select: { id: true },
      });
      engine.probeIncidentId = open?.id ?? null;
      // a write still open while the shards load commits rows this load did not see
      lastResync = await windowStart();
      for (const c of opts.canaries ?? []) {
        scheduler.upsert({
          key: `canary:${c.host}:${c.port}`,
          monitorId: null,
          host: c.host,
          port: c.port,
          intervalMs: 10_000,
          retryIntervalMs: 10_000,
          timeoutMs: 3_000,
        });
      }
      // running before the first shards arrive, so their catch-up checks are not re-planned away
      scheduler.start();
      await leases.start();
      every(flushMs, flush);
      every(flushMs, () => certs.flush());
      every(opts.stateRefreshMs ?? 600_000, writeDirtyPaged);
      every(opts.rollupFlushMs ?? 300_000, flushRollups);
      every(opts.resyncMs ?? 10_000, resync);
      every(5_000, () => {
        engine.tick(now());
        const clearAfter = opts.guardPolicy?.clearAfterMs ?? DEFAULT_GUARD_POLICY.clearAfterMs;
        if (!engine.guard.degraded && now() - startedAt > clearAfter) engine.resolveStaleProbeIncident(now());
      });
    },
    async stop() {
      stopChanges?.();
      stopSettings?.();
      for (const t of timers) clearInterval(t);
      await scheduler.stop();
      await leases.stop();
      await writeDirtyPaged();
      await flush();
      await flushRollups();
      await certs.flushAll();
      await flushing;
    },
    monitorChanged(monitorId) {
      void (async () => {
        defaults ??= await getMonitorDefaults(prisma);
        applyRows(await loadMonitors(prisma, leases.owned(), { ids: [monitorId], includeDeleted: true }), true);
      })().catch((err: unknown) =>
        log('warn', 'monitor reload failed (the resync loop will retry)', { err, monitorId }),
      );
    },
    pendingRollups(monitorIds) {
      return engine.rollups.pending(new Set(monitorIds));
    },
    status(monitorId) {
      const m = engine.monitors.get(monitorId);
      if (!m) return null;
      return m.ports.flatMap((p) => engine.statusEvent(m, p) ?? []);
    },
    flush: async () => {
      await flush();
      await flushRollups();
      await certs.flushAll();
    },
    stats() {
      const s = scheduler.stats();
      return {
        monitors: engine.monitors.size,
        targets: s.targets,
        ownedShards: leases.owned().length,
        checksDone: s.checksDone,
        tickMs: s.tickMs,
        inFlight: s.inFlight,
        queued: s.queued,
        lateness: s.lateness,
        dbRowsWritten,
        rollupRowsWritten,
        dbStatements,
        pendingWrites: batchSize(engine.batch),
        lastFlushOkAt,
        degraded: engine.guard.degraded,
      };
    },
    healthy() {
      const leaseOk = Date.now() - leases.lastOkAt() < 30_000; // the lease manager keeps wall-clock time
      return leaseOk && now() - lastFlushOkAt < 60_000 + flushMs;
    },
  };
  return runtime;
}
