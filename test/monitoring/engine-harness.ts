/**
 * The probe runtime without a database: the real scheduler and the real engine on a manual
 * clock, a synthetic world deciding what each check answers, and the write batch "committed"
 * every 0.5 s into plain arrays (then the after-commit events run). Not a test file itself.
 */
import {
  DEFAULT_FLAP_POLICY,
  DEFAULT_GUARD_POLICY,
  initialMonitorState,
  type GuardPolicy,
  type MaintenanceWindow,
} from '../../server/alerting/index.ts';
import { createScheduler, type ProbeResult, type ScheduledTarget } from '../../server/probe/index.ts';
import { manualClock } from '../helpers/manual-clock.ts';
import { createEvents, type Events, type IncidentEvent, type PortStatusEvent } from '../../server/events/events.ts';
import { Engine, targetKey } from '../../server/monitoring/engine.ts';
import type { AdminRecipientInfo, LedgerRow } from '../../server/services/notifications/rows.ts';
import type { LiveMonitor } from '../../server/monitoring/model.ts';
import type { FailedCheck, RunRow } from '../../server/monitoring/runs.ts';
import type { Batch, IncidentOpen } from '../../server/monitoring/store.ts';

export const T0 = Date.UTC(2026, 0, 5, 0, 0, 0);
export const S = 1000;

/** What a check of host:port started at `at` (ms after T0) finds; `null` = it answers. */
export type World = (host: string, port: number, at: number) => { code: string; durationMs: number } | null;

export interface MonitorSpec {
  id: string;
  accountId?: string;
  host: string;
  ports: number[];
  intervalMs?: number;
  retryIntervalMs?: number;
  timeoutMs?: number;
  failureThreshold?: number;
  recoveryThreshold?: number;
  mailEnabled?: boolean;
  smsEnabled?: boolean;
  maintenance?: MaintenanceWindow[];
}

interface Target extends ScheduledTarget {
  monitorId: string | null;
}

export interface Committed {
  at: number;
  batch: Batch;
}

export function engineHarness(opts: {
  world: World;
  guard?: Partial<GuardPolicy>;
  admins?: AdminRecipientInfo[];
  canaries?: string[];
}) {
  const clock = manualClock(T0);
  let admins: AdminRecipientInfo[] = opts.admins ?? [
    { email: 'noc@example.com', phone: '+821099990000', mailEnabled: true, smsEnabled: true, language: 'en' },
  ];
  const committed: Committed[] = [];
  const published: { at: number; kind: 'incident' | 'portStatus'; event: IncidentEvent | PortStatusEvent }[] = [];
  const logs: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const checks: { key: string; at: number; ok: boolean; kind: string }[] = [];
  /** Exceptions of the engine (reported by the scheduler): a test expects none. */
  const errors: unknown[] = [];
  const base = createEvents();
  const events: Events = {
    ...base,
    incident: (e) => published.push({ at: clock.now(), kind: 'incident', event: e }),
    portStatus: (e) => published.push({ at: clock.now(), kind: 'portStatus', event: e }),
    checkResult: () => {},
  };

  const check = (t: Target): Promise<ProbeResult> => {
    const at = clock.now();
    const failure = opts.world(t.monitorId === null ? 'canary' : t.host, t.port, at - T0);
    const durationMs = Math.min(failure?.durationMs ?? 1, t.timeoutMs);
    const result: ProbeResult = failure
      ? {
          ok: false,
          latencyMs: durationMs,
          at,
          code: failure.code,
          message: `connect ${failure.code} ${t.host}:${t.port}`,
        }
      : { ok: true, latencyMs: durationMs, at };
    return new Promise((resolve) => clock.setTimeout(() => resolve(result), durationMs));
  };

  const scheduler = createScheduler<Target>({
    clock,
    check,
    onResult: (t, r, info) => {
      checks.push({ key: t.key, at: r.at, ok: r.ok, kind: info.cause });
      if (t.monitorId === null) return engine.onCanary(t.key, r);
      const m = engine.monitors.get(t.monitorId);
      if (m) engine.onResult(m, t.port, r, info.cause);
    },
    onError: (err) => errors.push(err),
  });

  const engine = new Engine({
    events,
    guardPolicy: { ...DEFAULT_GUARD_POLICY, ...opts.guard },
    admins: () => admins,
    groupingWaitMaxMs: null,
    setRetryMode: (m, port, fast) => scheduler.setRetryMode(targetKey(m.id, port), fast),
    runNow: (m, port) => scheduler.runNow(targetKey(m.id, port)),
    nodeId: 'probe-test',
    log: (level, msg, fields) => logs.push({ level, msg, fields }),
  });
  // every failed check as it is counted into its run: the per-check view the runs compact
  const failedChecks: (Omit<FailedCheck, 'at'> & { at: Date })[] = [];
  const countIntoRun = engine.runs.fail.bind(engine.runs);
  engine.runs.fail = (f: FailedCheck): RunRow => {
    failedChecks.push({ ...f, at: new Date(f.at) });
    return countIntoRun(f);
  };

  // the runtime's timers, on the same clock: flush every 0.5 s, guard tick every 5 s
  const every = (ms: number, fn: () => void) => {
    const loop = () => {
      fn();
      clock.setTimeout(loop, ms);
    };
    clock.setTimeout(loop, ms);
  };
  const flush = () => {
    const { batch, afterCommit } = engine.takeBatch();
    committed.push({ at: clock.now(), batch });
    for (const f of afterCommit) f();
  };
  every(500, flush);
  every(5_000, () => engine.tick(clock.now()));

  for (const c of opts.canaries ?? []) {
    scheduler.upsert({
      key: `canary:${c}`,
      monitorId: null,
      host: c,
      port: 1,
      intervalMs: 10_000,
      retryIntervalMs: 10_000,
      timeoutMs: 3_000,
    });
  }

  function addMonitor(spec: MonitorSpec): LiveMonitor {
    const m: LiveMonitor = {
      id: spec.id,
      accountId: spec.accountId ?? `account-${spec.id}`,
      host: spec.host,
      ports: [...spec.ports].sort((a, b) => a - b),
      intervalMs: spec.intervalMs ?? 180 * S,
      retryIntervalMs: spec.retryIntervalMs ?? 30 * S,
      timeoutMs: spec.timeoutMs ?? 5 * S,
      policy: {
        failureThreshold: spec.failureThreshold ?? 3,
        recoveryThreshold: spec.recoveryThreshold ?? 2,
        maintenance: spec.maintenance ?? [],
        flapping: { ...DEFAULT_FLAP_POLICY },
      },
      contact: {
        name: 'Contact',
        email: `ops@${spec.id}.example`,
        phone: '+821012345678',
        mailEnabled: spec.mailEnabled ?? true,
        smsEnabled: spec.smsEnabled ?? false,
        language: 'ko',
      },
      state: initialMonitorState(spec.ports, clock.now()),
      openIncidentId: null,
      incidentPorts: [],
      incidentFlap: [],
    };
    engine.adopt(m, clock.now());
    for (const port of m.ports) {
      scheduler.upsert({
        key: targetKey(m.id, port),
        monitorId: m.id,
        host: m.host,
        port,
        intervalMs: m.intervalMs,
        retryIntervalMs: m.retryIntervalMs,
        timeoutMs: m.timeoutMs,
      });
    }
    return m;
  }

  const all = <K extends 'opened' | 'ledger' | 'resolved' | 'dueNow'>(k: K): Batch[K] => {
    const out: unknown[] = [];
    for (const c of committed) out.push(...c.batch[k]);
    return out as Batch[K];
  };

  return {
    clock,
    engine,
    scheduler,
    committed,
    published,
    logs,
    checks,
    errors,
    addMonitor,
    setAdmins: (next: AdminRecipientInfo[]) => {
      admins = next;
    },
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
    /** Runs the world until `t` (ms after T0). */
    runUntil: (t: number) => clock.advanceTo(T0 + t),
    opened: (kind?: IncidentOpen['kind']): IncidentOpen[] => all('opened').filter((o) => !kind || o.kind === kind),
    ledger: (): LedgerRow[] => all('ledger'),
    /** Every failed check (per check, in order), with the incident its run carries. */
    failures: () => failedChecks,
    /** The committed failure runs, each in its latest committed state, in order of first write. */
    runs: (): RunRow[] => {
      const latest = new Map<string, RunRow>();
      for (const c of committed) for (const [k, r] of c.batch.runs) latest.set(k, r);
      return [...latest.values()];
    },
    resolved: () => all('resolved'),
    /** The incident's current port list (opened, then ports joined). */
    portsOf: (incidentId: string): number[] => {
      let ports = all('opened').find((o) => o.id === incidentId)?.ports ?? [];
      for (const c of committed) ports = c.batch.portsChanged.get(incidentId) ?? ports;
      return ports;
    },
    /**
     * When the incident's DOWN rows became sendable by the dispatcher: committed, and due
     * (their nextAttemptAt, or earlier when the engine released them).
     */
    downDueAt: (incidentId: string): number | null => {
      const c = committed.find((x) => x.batch.ledger.some((l) => l.incidentId === incidentId && l.kind === 'DOWN'));
      const row = c?.batch.ledger.find(
        (l) => l.incidentId === incidentId && l.kind === 'DOWN' && l.status === 'QUEUED',
      );
      if (!c || !row) return null;
      const released = committed.flatMap((x) =>
        x.batch.dueNow.filter((d) => d.incidentId === incidentId).map((d) => Math.max(x.at, d.at.getTime())),
      );
      return Math.max(c.at, Math.min(row.nextAttemptAt.getTime(), ...released));
    },
  };
}

export type EngineHarness = ReturnType<typeof engineHarness>;

/** `n` hosts for `accounts` customers, each host in its own /24 unless `perNetwork` > 1. */
export function hosts(n: number, accounts: number, perNetwork = 1): { host: string; accountId: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const net = Math.floor(i / perNetwork);
    return {
      host: `10.${Math.floor(net / 250)}.${net % 250}.${(i % perNetwork) + 1}`,
      accountId: `customer-${i % accounts}`,
    };
  });
}
