// GET /metrics: Prometheus text format (0.0.4), written by hand. Every label has a fixed, small
// set of values (operation type, outcome code, status, channel, kind): nothing from users or
// from the number of monitors ends up in a label.
// Database figures (open incidents, the notification ledger by status and channel) come from
// two GROUP BY queries cached for a few seconds, so a scrape costs at most two cheap queries
// and scrapes during a database outage still answer (with portwatch_metrics_db_up 0).
import { createHash, timingSafeEqual } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { RouteHandler } from '../http/route.ts';
import type { PrismaClient } from '../db/index.ts';
import { DURATION_BUCKETS, OPERATION_TYPES, type GraphqlTimings } from '../graphql/metrics-plugin.ts';
import type { ProbeResult, SchedulerCheck, ScheduledTarget, TargetKey } from '../probe/index.ts';
import type { Fanout } from '../events/fanout.ts';
import type { ProbeRuntime } from '../monitoring/runtime.ts';

/** Failure codes kept as label values; any other code counts as OTHER. */
const KNOWN_CODES = [
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EADDRNOTAVAIL',
  'ECHECK',
] as const;
const STATUSES = ['QUEUED', 'SENDING', 'YES', 'NO', 'NOT_SENT', 'FAILED', 'READ', 'DELIVERED'] as const;
const CHANNELS = ['EMAIL', 'SMS'] as const;
const INCIDENT_KINDS = ['HOST_DOWN', 'PROBE_DEGRADED'] as const;

export interface ProbeCounters {
  /** Wraps the probe's check function to count outcomes. */
  wrap<T extends ScheduledTarget<TargetKey>>(check: SchedulerCheck<T>): SchedulerCheck<T>;
  snapshot(): { ok: number; failed: Record<string, number> };
}

export function createProbeCounters(): ProbeCounters {
  let ok = 0;
  const failed: Record<string, number> = Object.fromEntries([...KNOWN_CODES, 'OTHER'].map((c) => [c, 0]));
  const count = (r: ProbeResult) => {
    if (r.ok) ok += 1;
    else failed[(KNOWN_CODES as readonly string[]).includes(r.code) ? r.code : 'OTHER']! += 1;
    return r;
  };
  return {
    wrap: (check) => (t, o) => check(t, o).then(count),
    snapshot: () => ({ ok, failed: { ...failed } }),
  };
}

export interface MetricsSources {
  prisma: PrismaClient;
  probe: ProbeRuntime | null;
  probeCounters?: ProbeCounters;
  fanout: Fanout | null;
  graphql: GraphqlTimings;
  /** When set, a scrape needs `Authorization: Bearer <token>`. */
  token?: string;
  cacheMs?: number;
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected));

type Labels = Record<string, string>;
const esc = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const fmtLabels = (l: Labels) => {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
};
const num = (n: number) => (Number.isFinite(n) ? String(n) : n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN');

class Text {
  private lines: string[] = [];
  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string, samples: [Labels, number][] | number) {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of typeof samples === 'number' ? ([[{}, samples]] as [Labels, number][]) : samples) {
      this.lines.push(`${name}${fmtLabels(labels)} ${num(value)}`);
    }
  }
  raw(line: string) {
    this.lines.push(line);
  }
  toString() {
    return `${this.lines.join('\n')}\n`;
  }
}

interface DbFigures {
  openIncidents: Map<string, number>;
  ledger: Map<string, number>; // `${status}|${channel}`
}

export function createMetrics(src: MetricsSources) {
  const cacheMs = src.cacheMs ?? 5_000;
  const loop = monitorEventLoopDelay({ resolution: 20 });
  loop.enable();
  let cached: { at: number; figures: DbFigures | null } = { at: 0, figures: null };
  let loading: Promise<void> | undefined;

  async function loadDb(): Promise<DbFigures | null> {
    const [incidents, ledger] = await Promise.all([
      src.prisma.incident.groupBy({ by: ['kind'], where: { resolvedAt: null }, _count: { _all: true } }),
      src.prisma.notification.groupBy({ by: ['status', 'channel'], _count: { _all: true } }),
    ]);
    return {
      openIncidents: new Map(incidents.map((r) => [r.kind, r._count._all])),
      ledger: new Map(ledger.map((r) => [`${r.status}|${r.channel}`, r._count._all])),
    };
  }

  async function dbFigures(): Promise<DbFigures | null> {
    if (Date.now() - cached.at >= cacheMs) {
      loading ??= loadDb()
        .catch(() => null)
        .then((figures) => {
          cached = { at: Date.now(), figures };
        })
        .finally(() => (loading = undefined));
      await loading;
    }
    return cached.figures;
  }

  async function render(): Promise<string> {
    const t = new Text();
    const probe = src.probe?.stats();
    const counters = src.probeCounters?.snapshot();
    if (counters) {
      t.family(
        'portwatch_probe_checks_total',
        'counter',
        'Checks finished by this process, by outcome (ok, or the failure code).',
        [
          [{ outcome: 'ok' }, counters.ok],
          ...Object.entries(counters.failed).map(([code, n]): [Labels, number] => [{ outcome: code }, n]),
        ],
      );
      t.family(
        'portwatch_probe_failures_total',
        'counter',
        'Failed checks by this process.',
        Object.values(counters.failed).reduce((a, b) => a + b, 0),
      );
    }
    if (probe) {
      t.family(
        'portwatch_probe_lateness_seconds',
        'gauge',
        'Check start lateness against its planned time, over the checks since the previous scrape.',
        [
          [{ quantile: '0.5' }, probe.lateness.p50 / 1000],
          [{ quantile: '0.99' }, probe.lateness.p99 / 1000],
          [{ quantile: '1' }, probe.lateness.max / 1000],
        ],
      );
      t.family(
        'portwatch_probe_lateness_samples',
        'gauge',
        'Checks behind portwatch_probe_lateness_seconds.',
        probe.lateness.count,
      );
      t.family('portwatch_probe_targets', 'gauge', 'Ports scheduled in this process.', probe.targets);
      t.family('portwatch_probe_monitors', 'gauge', 'Monitors probed by this process.', probe.monitors);
      t.family('portwatch_probe_owned_shards', 'gauge', 'Shards leased by this process (of 64).', probe.ownedShards);
      t.family('portwatch_probe_in_flight', 'gauge', 'Checks in flight.', probe.inFlight);
      t.family('portwatch_probe_queued', 'gauge', 'Due checks waiting for a slot.', probe.queued);
      t.family(
        'portwatch_probe_pending_writes',
        'gauge',
        'Rows waiting for the next successful batch write.',
        probe.pendingWrites,
      );
      t.family(
        'portwatch_probe_db_rows_written_total',
        'counter',
        'Failure, state, incident and ledger rows written.',
        probe.dbRowsWritten,
      );
      t.family(
        'portwatch_probe_last_flush_age_seconds',
        'gauge',
        'Seconds since the last successful batch write.',
        (Date.now() - probe.lastFlushOkAt) / 1000,
      );
      t.family(
        'portwatch_probe_degraded',
        'gauge',
        '1 while the prober self-outage guard finds the prober degraded (customer alerts are then held, for at most PROBE_MAX_HOLD_SECONDS).',
        probe.degraded ? 1 : 0,
      );
    }
    const db = await dbFigures();
    t.family('portwatch_metrics_db_up', 'gauge', '1 when the database figures below are fresh.', db ? 1 : 0);
    if (db) {
      t.family(
        'portwatch_incidents_open',
        'gauge',
        'Open incidents (all processes), by kind.',
        INCIDENT_KINDS.map((k): [Labels, number] => [{ kind: k }, db.openIncidents.get(k) ?? 0]),
      );
      t.family(
        'portwatch_notifications',
        'gauge',
        'Notification ledger rows (all processes), by status and channel.',
        STATUSES.flatMap((s) =>
          CHANNELS.map((c): [Labels, number] => [{ status: s, channel: c }, db.ledger.get(`${s}|${c}`) ?? 0]),
        ),
      );
    }
    const g = src.graphql.snapshot();
    t.family(
      'portwatch_graphql_operation_duration_seconds',
      'histogram',
      'GraphQL execution time by operation type (subscription: set-up only).',
      [],
    );
    for (const op of OPERATION_TYPES) {
      const h = g.duration[op];
      DURATION_BUCKETS.forEach((b, i) => {
        t.raw(`portwatch_graphql_operation_duration_seconds_bucket{operation="${op}",le="${b}"} ${h.buckets[i]}`);
      });
      t.raw(`portwatch_graphql_operation_duration_seconds_bucket{operation="${op}",le="+Inf"} ${h.count}`);
      t.raw(`portwatch_graphql_operation_duration_seconds_sum{operation="${op}"} ${h.sum}`);
      t.raw(`portwatch_graphql_operation_duration_seconds_count{operation="${op}"} ${h.count}`);
    }
    t.family(
      'portwatch_graphql_errors_total',
      'counter',
      'Executions whose result carried top-level errors, by operation type.',
      OPERATION_TYPES.map((op): [Labels, number] => [{ operation: op }, g.errors[op]]),
    );
    t.family(
      'portwatch_graphql_rejected_total',
      'counter',
      'Operations refused before execution (syntax, validation, limits).',
      [
        [{ stage: 'parse' }, g.rejected.parse],
        [{ stage: 'validate' }, g.rejected.validate],
      ],
    );
    t.family(
      'portwatch_graphql_subscriptions_active',
      'gauge',
      'Live subscriptions (WebSocket and SSE).',
      g.subscriptionsActive,
    );
    if (src.fanout) {
      const f = src.fanout.stats();
      t.family(
        'portwatch_fanout_redis_shared',
        'gauge',
        '1 while live events go through Redis; 0 while delivered in this process only.',
        f.shared ? 1 : 0,
      );
      t.family('portwatch_fanout_events_total', 'counter', 'Live events raised here, by path.', [
        [{ path: 'redis' }, f.published],
        [{ path: 'local_only' }, f.localOnly],
      ]);
      t.family('portwatch_fanout_outages_total', 'counter', 'Times the Redis link was lost.', f.outages);
    }
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    t.family('process_resident_memory_bytes', 'gauge', 'Resident set size.', mem.rss);
    t.family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.', mem.heapUsed);
    t.family('nodejs_heap_total_bytes', 'gauge', 'V8 heap allocated.', mem.heapTotal);
    t.family(
      'nodejs_external_memory_bytes',
      'gauge',
      'Memory of C++ objects bound to JavaScript (buffers…).',
      mem.external,
    );
    t.family('process_cpu_seconds_total', 'counter', 'User and system CPU time.', (cpu.user + cpu.system) / 1e6);
    t.family(
      'process_start_time_seconds',
      'gauge',
      'Start time (Unix seconds).',
      Math.round(Date.now() / 1000 - process.uptime()),
    );
    t.family('nodejs_eventloop_delay_seconds', 'gauge', 'Event loop delay since the previous scrape.', [
      [{ quantile: '0.5' }, loop.percentile(50) / 1e9],
      [{ quantile: '0.99' }, loop.percentile(99) / 1e9],
      [{ quantile: '1' }, loop.max / 1e9],
    ]);
    loop.reset();
    return t.toString();
  }

  const route: RouteHandler = async (req, res, url) => {
    if (url.pathname !== '/metrics') return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    if (src.token && !sameSecret(req.headers.authorization ?? '', `Bearer ${src.token}`)) {
      res
        .writeHead(401, { 'www-authenticate': 'Bearer', 'content-type': 'text/plain' })
        .end('metrics need a bearer token\n');
      return true;
    }
    const body = await render();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };

  return { route, render, close: () => loop.disable() };
}
