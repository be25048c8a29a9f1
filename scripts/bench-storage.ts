// Storage per port-day, from PostgreSQL's own size counters: healthy, flapping and always-down
// ports driven through the real write path (scheduler → alerting → engine → writeBatch /
// writeRollups, and the packing of each ended UTC day) for simulated days on a manual clock, one
// fresh database per kind. Two figures: the first day (from an empty database to 00:15 of the
// second day, when the first day is packed), and, with --days 2 or more, each further day in the
// steady state (from 00:15 of the second day to 00:15 after the last: what the years add).
// With --year: a simulated year of 10,000 ports instead (scripts/bench-storage-year.ts).
// Usage: npm run bench:storage -- [--ports 100] [--interval 180] [--days 2] [--kinds healthy,flapping,down] [--fillfactor 100]
// Needs TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
// A VACUUM every simulated hour stands in for autovacuum (the simulated day lasts minutes).
// Prints a line per kind (bytes per port-day by table, after a final VACUUM), the last line JSON.
import { parseArgs } from 'node:util';

if (process.argv.includes('--year')) {
  await import('./bench-storage-year.ts');
  process.exit(process.exitCode ?? 0);
}
import pg from 'pg';
import { DEFAULT_FLAP_POLICY, DEFAULT_GUARD_POLICY, initialMonitorState } from '../server/alerting/index.ts';
import { openDatabase } from '../server/db/index.ts';
import { createScheduler, type ProbeResult, type ScheduledTarget } from '../server/probe/index.ts';
import { manualClock } from '../test/helpers/manual-clock.ts';
import { createEvents } from '../server/events/events.ts';
import { Engine, targetKey } from '../server/monitoring/engine.ts';
import type { LiveMonitor } from '../server/monitoring/model.ts';
import { writeBatch, writeRollups } from '../server/monitoring/store.ts';
import { packRollupDays } from '../server/services/rollups/packing.ts';
import { benchDatabase } from './bench-db.ts';

const { values } = parseArgs({
  options: {
    ports: { type: 'string', default: '100' },
    interval: { type: 'string', default: '180' },
    days: { type: 'string', default: '2' },
    kinds: { type: 'string', default: 'healthy,flapping,down' },
    fillfactor: { type: 'string' },
  },
});
const PORTS = Number(values.ports);
const INTERVAL_MS = Number(values.interval) * 1000;
const DAY_MS = 86_400_000;
/** The packing of a day runs at the first rollup flush 10 minutes after its end: 00:15. */
const PACKED_MS = 15 * 60_000;
const DAYS = Math.max(1, Math.round(Number(values.days)));
const SIM_MS = DAYS * DAY_MS + PACKED_MS;
const T0 = Date.UTC(2026, 5, 1);
const TABLES = [
  'FailureRun',
  'PortDayRollup',
  'HostDayRollup',
  'HourlyRollup',
  'PortState',
  'Incident',
  'Notification',
  'NotificationEvent',
] as const;
type Kind = 'healthy' | 'flapping' | 'down';

/** Whether a check of a port of this kind fails at simulated time `at` (ms since T0). */
const fails: Record<Kind, (at: number) => boolean> = {
  healthy: () => false,
  down: () => true,
  flapping: (at) => Math.floor(at / INTERVAL_MS) % 3 !== 0, // two checks of three refused, all day
};

async function vacuum(url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('VACUUM');
  await c.end();
}

/** Share of updates that were HOT (no new index entries) per updated table. */
async function hotShare(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const r = await c.query<{ relname: string; upd: string; hot: string }>(
    // partitions ("FailureRun_default", "PortDayRollup_p2026_06") counted into their table
    `SELECT relname, sum(n_tup_upd)::text AS upd, sum(n_tup_hot_upd)::text AS hot FROM (
       SELECT regexp_replace(relname, '_(default|p[0-9]{4}_[0-9]{2})$', '') AS relname, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables) s
     WHERE relname = ANY($1::text[]) GROUP BY relname HAVING sum(n_tup_upd) > 0`,
    [TABLES],
  );
  await c.end();
  return Object.fromEntries(r.rows.map((x) => [x.relname, Math.round((Number(x.hot) / Number(x.upd)) * 100) / 100]));
}

async function sizes(url: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query('VACUUM ANALYZE');
  const r = await c.query<{ relname: string; bytes: string }>(
    `SELECT c.relname, sum(pg_total_relation_size(l.relid))::text AS bytes
     FROM pg_class c CROSS JOIN LATERAL (SELECT relid FROM pg_partition_tree(c.oid) WHERE isleaf UNION ALL SELECT c.oid WHERE c.relkind = 'r') l
     WHERE c.relname = ANY($1::text[]) AND c.relkind IN ('r', 'p') AND NOT c.relispartition GROUP BY c.relname`,
    [TABLES],
  );
  await c.end();
  return Object.fromEntries(r.rows.map((x) => [x.relname, Number(x.bytes)]));
}

async function runKind(kind: Kind) {
  const database = await benchDatabase('postgres', 'storage');
  const url = database.env.DATABASE_URL!;
  const db = await openDatabase({ kind: 'postgres', url, poolSize: 4 });
  const p = db.prisma;
  try {
    const account = await p.account.create({
      data: {
        loginId: 'bench',
        name: 'bench',
        email: 'bench@example.com',
        passwordHash: 'x',
        kind: 'HOSTING',
        language: 'en',
      },
    });
    const ids: string[] = [];
    for (let i = 0; i < PORTS; i++) {
      const ip = `10.${Math.floor(i / 65_536) % 256}.${Math.floor(i / 256) % 256}.${i % 256}`;
      const server = await p.server.create({
        data: { ip, accountId: account.id, source: 'HOSTING_INVENTORY', allowPrivate: true },
      });
      const m = await p.monitor.create({
        data: {
          accountId: account.id,
          serverId: server.id,
          activeServerId: server.id,
          host: ip,
          ports: [22],
          contactName: 'c',
          contactEmail: 'c@example.com',
          mailEnabled: true,
          smsEnabled: false,
        },
      });
      ids.push(m.id);
    }
    if (values.fillfactor) {
      // compare with another fill factor than the migrations' 70 (e.g. 100, PostgreSQL's default)
      const ff = Math.min(100, Math.max(10, Number(values.fillfactor)));
      for (const tb of ['FailureRun', 'PortDayRollup', 'PortState'])
        for (const leaf of await p.$queryRawUnsafe<{ name: string }[]>(
          `SELECT relid::regclass::text AS name FROM pg_partition_tree('"${tb}"') WHERE isleaf`,
        ))
          await p.$executeRawUnsafe(`ALTER TABLE ${leaf.name} SET (fillfactor = ${ff})`);
    }
    const before = await sizes(url);
    let firstDay: Record<string, number> = {};

    const clock = manualClock(T0);
    const engine = new Engine({
      events: { ...createEvents(), incident: () => {}, portStatus: () => {}, checkResult: () => {} },
      guardPolicy: { ...DEFAULT_GUARD_POLICY }, // one customer: the mass-failure rule never trips
      admins: () => [],
      groupingWaitMaxMs: null,
      setRetryMode: (m, port, fast) => scheduler.setRetryMode(targetKey(m.id, port), fast),
      runNow: (m, port) => scheduler.runNow(targetKey(m.id, port)),
      nodeId: 'bench',
    });
    interface Target extends ScheduledTarget {
      monitorId: string;
      host: string;
      port: number;
    }
    let checks = 0;
    const scheduler = createScheduler<Target>({
      clock,
      check: (t) => {
        const at = clock.now();
        checks += 1;
        const result: ProbeResult = fails[kind](at - T0)
          ? { ok: false, latencyMs: 1, at, code: 'ECONNREFUSED', message: `connect ECONNREFUSED ${t.host}:22` }
          : { ok: true, latencyMs: 1, at };
        return new Promise((resolve) => clock.setTimeout(() => resolve(result), 1));
      },
      onResult: (t, r, info) => {
        const m = engine.monitors.get(t.monitorId);
        if (m) engine.onResult(m, t.port, r, info.cause);
      },
      onError: (err) => {
        throw err;
      },
    });
    for (const [i, id] of ids.entries()) {
      const m: LiveMonitor = {
        id,
        accountId: account.id,
        host: `10.0.${Math.floor(i / 256)}.${i % 256}`,
        ports: [22],
        intervalMs: INTERVAL_MS,
        retryIntervalMs: 30_000,
        timeoutMs: 5_000,
        policy: { failureThreshold: 3, recoveryThreshold: 2, maintenance: [], flapping: { ...DEFAULT_FLAP_POLICY } },
        contact: {
          name: 'c',
          email: 'c@example.com',
          phone: null,
          mailEnabled: true,
          smsEnabled: false,
          language: 'en',
        },
        state: initialMonitorState([22], clock.now()),
        openIncidentId: null,
        incidentPorts: [],
        incidentFlap: [],
      };
      engine.adopt(m, clock.now());
      scheduler.upsert({
        key: targetKey(id, 22),
        monitorId: id,
        host: m.host,
        port: 22,
        intervalMs: m.intervalMs,
        retryIntervalMs: m.retryIntervalMs,
        timeoutMs: m.timeoutMs,
      });
    }
    scheduler.start();
    const cpu0 = process.cpuUsage();
    let statements = 0;
    // the runtime's timers: writes every 0.5 s (here every 10 s: a port is checked at most every 30 s,
    // so each check is still its own write), port states every 10 min, rollups every 5 min
    for (let t = 10_000; t <= SIM_MS; t += 10_000) {
      await clock.advanceTo(T0 + t);
      if (t % 600_000 === 0) engine.collectDirty();
      const { batch } = engine.takeBatch();
      await writeBatch(p, batch);
      statements += 1;
      if (t % 300_000 === 0) {
        await writeRollups(p, engine.rollups.drain());
        await packRollupDays(p, clock.now());
      }
      if (t === DAY_MS + PACKED_MS) firstDay = await sizes(url);
      // autovacuum's stand-in: a simulated day passes in minutes, autovacuum would see many runs in a real one
      if (t % 3_600_000 === 0) await vacuum(url);
    }
    scheduler.stop();
    engine.collectDirty();
    await writeBatch(p, engine.takeBatch().batch);
    await writeRollups(p, engine.rollups.drain());
    const cpu = process.cpuUsage(cpu0);
    await new Promise((r) => setTimeout(r, 1_500)); // statistics reach pg_stat_user_tables within a second
    const hot = await hotShare(url);
    const after = await sizes(url);
    const growth = (from: Record<string, number>, to: Record<string, number>, days: number) =>
      Object.fromEntries(TABLES.map((tb) => [tb, Math.round(((to[tb] ?? 0) - (from[tb] ?? 0)) / PORTS / days)]));
    const perPortDay = growth(before, firstDay, 1);
    const steady = DAYS > 1 ? growth(firstDay, after, DAYS - 1) : null;
    const steadyTotal = steady ? Object.values(steady).reduce((a, b) => a + b, 0) : null;
    const total = Object.values(perPortDay).reduce((a, b) => a + b, 0);
    const rows = {
      failureRuns: await p.failureRun.count(),
      failedChecks: (await p.failureRun.aggregate({ _sum: { count: true } }))._sum.count ?? 0,
      portDayRollups: await p.portDayRollup.count(),
      incidents: await p.incident.count(),
      notifications: await p.notification.count(),
    };
    return {
      kind,
      ports: PORTS,
      hotUpdateShare: hot,
      checks,
      bytesPerPortDay: total,
      byTable: perPortDay,
      steadyBytesPerPortDay: steadyTotal,
      steadyByTable: steady,
      rows,
      cpuMsPerCheck: (cpu.user + cpu.system) / 1000 / checks,
      writes: statements,
    };
  } finally {
    await db.close();
    await database.drop();
  }
}

const results = [];
for (const kind of values.kinds.split(',').filter((k): k is Kind => k in fails)) {
  const r = await runKind(kind);
  results.push(r);
  console.log(
    `${kind.padEnd(8)} first day ${String(r.bytesPerPortDay).padStart(7)} B/port  ${JSON.stringify(r.byTable)}  then ${r.steadyBytesPerPortDay ?? '–'} B/port-day ${JSON.stringify(r.steadyByTable)}  rows ${JSON.stringify(r.rows)}  HOT ${JSON.stringify(r.hotUpdateShare)}  ${r.cpuMsPerCheck.toFixed(3)} ms CPU/check`,
  );
}
console.log(
  JSON.stringify({
    intervalSec: INTERVAL_MS / 1000,
    days: DAYS,
    portsPerKind: PORTS,
    bytesPerPortDay: Object.fromEntries(results.map((r) => [r.kind, r.bytesPerPortDay])),
    steadyBytesPerPortDay: Object.fromEntries(results.map((r) => [r.kind, r.steadyBytesPerPortDay])),
    results,
  }),
);
