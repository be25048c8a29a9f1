// npm run bench:probe -- [--ports 100000] [--interval 180] [--duration 60] [--warmup 15]
//                        [--db pglite|postgres] [--refused 0.01] [--silent 0.001]
//                        [--heap-snapshot file.heapsnapshot] (then: npx tsx scripts/heap-breakdown.ts file --per N)
//                        [--skip-final-write] (no final flush, rollup packing nor orderly stop: at 1M ports
//                        they take minutes; dbBytesPerPortDay is then null)
//                        [--cpu-profile DIR] (V8 CPU profiles of the load and of the measured window:
//                        DIR/load.cpuprofile, DIR/window.cpuprofile)
//                        [--alloc-profile DIR] (what the measured window allocates, sampled, by function:
//                        DIR/window.heapprofile, and the largest on stderr)
//                        [--mix connect=0.7,banner=0.1,tls=0.1,http=0.1]
//                        [--loop-delay] (also the event loop's delay: a 10 ms timer, ~100 wake-ups a second
//                        that count as the runtime's CPU)
//                        [--socket-connect] (connects on net.Socket, as before the TCP handle path, in the
//                        raw loops and the runtime: the two paths compared)
//                        [--tick-ms N] (a fixed wake-up granularity for the runtime's scheduler and the
//                        paced raw loop; default: the runtime's own adaptive DEFAULT_TICK, and the raw
//                        loop the tick it gives at the run's check rate)
//                        [--no-connect] (every check answers "open" at once, no packet: the runtime's
//                        own CPU per check, without the connect's)
//                        [--processes K] (PostgreSQL: K probe processes split the ports by the shard
//                        leases; the last line then says how many ports no process, or more than one,
//                        checked in one interval: scripts/bench-probe-processes.ts)
//                        [--import M] [--import-via service|sql] (PostgreSQL: after the measured
//                        window, another process imports M monitors as an admin does and the runtime
//                        is watched through the resyncs that take them in: scripts/bench-probe-import.ts)
// --mix gives shares of check kinds (default: all connect); their servers run in a child
// process, and each kind's CPU per check is measured alone (back-to-back checks, 3 s each)
// before the runtime runs the mix.
// Starts local targets on loopback (open, refusing, silent), registers N monitored ports,
// runs the real probe runtime (scheduler → alerting → batched persistence) on the chosen
// database for a fixed time, and measures in the same run a raw connect loop as the reference:
// paced at the run's check rate (ports / interval: rawConnectsPerSec, rawCpuUsPerConnect; ratio =
// checksPerSec / rawConnectsPerSec) and back to back at 64 in flight (rawConnectsMaxPerSec).
// Last line: JSON. Only loopback addresses are probed.
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { constants as perfConstants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { benchDatabase } from './bench-db.ts';
import { profiled } from './cpu-profile.ts';
import { allocProfiled } from './alloc-profile.ts';
import { threadMark, threadsSince } from './thread-cpu.ts';
import { runProcesses } from './bench-probe-processes.ts';
import { openDatabase, type Database } from '../server/db/index.ts';
import { fileURLToPath } from 'node:url';
import { rawConnectLoop, runCheck, tickFor, type CheckSpec } from '../server/probe/index.ts';
import { tcpCheckOn } from '../server/probe/tcp-check.ts';
import { importPhase, importWatch } from './bench-probe-import.ts';
import { createEvents } from '../server/events/events.ts';
import { createProbeRuntime, DEFAULT_TICK, type ProbeRuntimeOptions } from '../server/monitoring/runtime.ts';
import { packRollupDays } from '../server/services/rollups/packing.ts';

const { values: a } = parseArgs({
  options: {
    ports: { type: 'string', default: '100000' },
    interval: { type: 'string', default: '180' },
    duration: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '15' },
    db: { type: 'string', default: 'pglite' },
    refused: { type: 'string', default: '0.01' },
    silent: { type: 'string', default: '0.001' },
    mix: { type: 'string', default: 'connect=1' },
    'heap-snapshot': { type: 'string' },
    'cpu-profile': { type: 'string' },
    'alloc-profile': { type: 'string' },
    'skip-final-write': { type: 'boolean', default: false },
    processes: { type: 'string', default: '1' },
    import: { type: 'string', default: '0' },
    'import-via': { type: 'string', default: 'service' },
    'no-connect': { type: 'boolean', default: false },
    'loop-delay': { type: 'boolean', default: false },
    'socket-connect': { type: 'boolean', default: false },
    'tick-ms': { type: 'string' },
  },
});
type Kind = 'connect' | 'banner' | 'tls' | 'http';
const KINDS: Kind[] = ['connect', 'banner', 'tls', 'http'];
const mix = new Map<Kind, number>();
for (const part of a.mix!.split(',')) {
  const [k, v] = part.split('=');
  if (!KINDS.includes(k as Kind) || !(Number(v) >= 0)) throw new Error(`--mix: "${part}" (kinds: ${KINDS.join(', ')})`);
  mix.set(k as Kind, Number(v));
}
const mixTotal = [...mix.values()].reduce((x, y) => x + y, 0);
const N = Number(a.ports);
const intervalS = Number(a.interval);
const durationS = Number(a.duration);
const warmupS = Number(a.warmup);
const say = (m: string) => process.stderr.write(`${m}\n`);

// ── targets on loopback ──
const refusing = net.createServer();
await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
const refusedPort = (refusing.address() as net.AddressInfo).port;
await new Promise<void>((r) => refusing.close(() => r()));
// a silent port: backlog 1, never accepted, filled: further SYNs are dropped (ETIMEDOUT)
const silent = net.createServer();
await new Promise<void>((r) => silent.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, r));
silent.on('connection', () => {});
const silentPort = (silent.address() as net.AddressInfo).port;
silent.removeAllListeners('connection');
// stop accepting so the queue stays full
(silent as unknown as { _handle: { onconnection: null | (() => void) } })._handle.onconnection = () => {};
const fillers = [0, 1, 2].map(() => net.connect(silentPort, '127.0.0.1').on('error', () => {}));

// ── the open port and the servers of the talking kinds, in a child process: the targets'
//    accept/read/reset work is not the prober's CPU ──
const child = fork(fileURLToPath(new URL('./bench-check-targets.ts', import.meta.url)), [], {
  execArgv: ['--import', 'tsx'],
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
});
const kindPorts = await new Promise<{ open: number; banner: number; tls: number; http: number }>((r) =>
  child.once('message', (m) => r(m as never)),
);
const openPort = kindPorts.open;
const SPECS: Record<Exclude<Kind, 'connect'>, CheckSpec> = {
  banner: { kind: 'BANNER', preset: 'SSH', send: null, match: 'REGEX', expect: '^SSH-(2\\.0|1\\.99)-', maxBytes: 1024 },
  tls: { kind: 'TLS', serverName: 'bench.example.test', verifyChain: false, verifyName: true, starttls: null },
  http: {
    kind: 'HTTP',
    method: 'GET',
    path: '/',
    hostHeader: 'bench.example.test',
    tls: false,
    verifyChain: true,
    verifyName: false,
    statusMin: 200,
    statusMax: 399,
    keyword: null,
    maxBodyBytes: 65_536,
    followRedirects: 0,
  },
};
/** The kind of the j-th port, spreading the shares evenly. */
const kindOf = (j: number): Kind => {
  let x = ((j * 0.6180339887) % 1) * mixTotal;
  for (const [k, v] of mix) if ((x -= v) < 0) return k;
  return 'connect';
};

// ── database ──
// a throwaway database (scripts/bench-db.ts, the one helper every bench uses)
const bench = await benchDatabase(a.db === 'postgres' ? 'postgres' : 'pglite', 'portwatch-bench-probe');
const db: Database = await openDatabase(
  bench.env.DATABASE_URL
    ? { kind: 'postgres', url: bench.env.DATABASE_URL, poolSize: 10 }
    : { kind: 'pglite', dataDir: bench.env.DATA_DIR! },
);
const cleanup = async (): Promise<void> => {
  await db.close();
  await bench.drop();
};
const p = db.prisma;

// ── N monitored ports (bulk insert: one port per monitor, inventory IPs are placeholders,
//    every probe goes to 127.0.0.1) ──
say(`registering ${N} ports…`);
const account = await p.account.create({
  data: { loginId: 'bench', name: 'bench', email: 'bench@example.com', passwordHash: 'x', kind: 'HOSTING' },
});
const refusedEvery = Number(a.refused) > 0 ? Math.round(1 / Number(a.refused)) : 0;
const silentEvery = Number(a.silent) > 0 ? Math.round(1 / Number(a.silent)) : 0;
// plain SQL over unnest() arrays: 1,000,000 ports register in about a minute and leave no
// Prisma row objects in this process's heap (they would count as the runtime's memory)
const sql = { query: (text: string, params: unknown[]) => p.$executeRawUnsafe(text, ...params) };
const regStart = Date.now();
const connectOnly = [...mix.entries()].every(([k, v]) => k === 'connect' || !(v > 0));
if (connectOnly) {
  // every port a TCP connect: the rows are generated by PostgreSQL itself (generate_series), in
  // pages of 100,000, nothing crosses the wire but the page bounds; ids are md5-derived uuids
  const id = `md5('bench-' || g)::uuid::text`;
  const port = `CASE WHEN ${silentEvery} > 0 AND g % ${silentEvery || 1} = 1 THEN ${silentPort}
      WHEN ${refusedEvery} > 0 AND g % ${refusedEvery || 1} = 0 THEN ${refusedPort} ELSE ${openPort} END`;
  for (let i = 0; i < N; i += 100_000) {
    const range = [i, Math.min(N, i + 100_000) - 1];
    await sql.query(
      `INSERT INTO "Server" ("id","ip","accountId","source","allowPrivate")
       SELECT ${id}, '10.' || ((g >> 16) & 255) || '.' || ((g >> 8) & 255) || '.' || (g & 255), $3,
         'HOSTING_INVENTORY', true FROM generate_series($1::int, $2::int) AS g`,
      [...range, account.id],
    );
    await sql.query(
      `INSERT INTO "Monitor" ("id","accountId","serverId","activeServerId","host","ports","contactName","contactEmail",
         "mailEnabled","smsEnabled","intervalSec","retryIntervalSec","timeoutMs","updatedAt")
       SELECT ${id}, $3, ${id}, ${id}, '127.0.0.1', ARRAY[${port}], 'c', 'c@example.com', false, false, $4, $5, 5000, now()
       FROM generate_series($1::int, $2::int) AS g`,
      [...range, account.id, intervalS, Math.min(30, intervalS)],
    );
    await sql.query(
      `INSERT INTO "PortState" ("monitorId","port","phase","consecutiveSuccesses","since","lastCheckAt","lastOk")
       SELECT ${id}, ${port}, 'UP', 1, now() - interval '1 hour', now() - interval '1 second', true
       FROM generate_series($1::int, $2::int) AS g`,
      range,
    );
    if (N > 100_000) say(`  ${range[1]! + 1} registered (${Date.now() - regStart} ms)`);
  }
}
for (let i = 0; i < (connectOnly ? 0 : N); i += 20_000) {
  const ids: string[] = [];
  const ips: string[] = [];
  const ports: number[] = [];
  const checks: (string | null)[] = [];
  for (let j = i; j < Math.min(N, i + 20_000); j++) {
    ids.push(randomUUID());
    ips.push(`10.${(j >> 16) & 255}.${(j >> 8) & 255}.${j & 255}`);
    const kind = kindOf(j);
    const failing =
      silentEvery && j % silentEvery === 1 ? silentPort : refusedEvery && j % refusedEvery === 0 ? refusedPort : 0;
    const port = failing || (kind === 'connect' ? openPort : kindPorts[kind]);
    ports.push(port);
    checks.push(kind !== 'connect' ? JSON.stringify({ [String(port)]: SPECS[kind] }) : null);
  }
  await sql.query(
    `INSERT INTO "Server" ("id","ip","accountId","source","allowPrivate")
     SELECT id, ip, $3, 'HOSTING_INVENTORY', true FROM unnest($1::text[], $2::text[]) AS t(id, ip)`,
    [ids, ips, account.id],
  );
  await sql.query(
    `INSERT INTO "Monitor" ("id","accountId","serverId","activeServerId","host","ports","contactName","contactEmail",
       "mailEnabled","smsEnabled","intervalSec","retryIntervalSec","timeoutMs","checks","updatedAt")
     SELECT id, $4, id, id, '127.0.0.1', ARRAY[port], 'c', 'c@example.com', false, false, $5, $6, 5000, checks, now()
     FROM unnest($1::text[], $2::int[], $3::jsonb[]) AS t(id, port, checks)`,
    [ids, ports, checks, account.id, intervalS, Math.min(30, intervalS)],
  );
  // steady state, as after a restart: every port was last seen UP (lastCheckAt: see below)
  await sql.query(
    `INSERT INTO "PortState" ("monitorId","port","phase","consecutiveSuccesses","since","lastCheckAt","lastOk")
     SELECT id, port, 'UP', 1, now() - interval '1 hour', now() - interval '1 second', true
     FROM unnest($1::text[], $2::int[]) AS t(id, port)`,
    [ids, ports],
  );
}
// fresh statistics, as autovacuum would gather after a bulk import: without them PostgreSQL
// plans each keyset page of the load as a scan of every monitor plus a sort (measured at 1M
// ports: ~0.7 s per page of 2,000, so the load grew with the square of the ports)
if (db.kind === 'postgres') await sql.query(`ANALYZE "Server", "Monitor", "PortState"`, []);
const registerMs = Date.now() - regStart;
say(`registered in ${registerMs} ms`);

// ── the reference: raw connect loops, same code path (connect + reset), no scheduling ──
say('raw connect loop, back to back (5 s)…');
const rawMaxCpu0 = process.cpuUsage();
// --socket-connect: every plain connect on net.Socket (tcp-check.ts's other path)
const socketConnect = a['socket-connect']
  ? (t: Parameters<typeof tcpCheckOn>[1], o: Parameters<typeof tcpCheckOn>[2]) => tcpCheckOn(null, t, o)
  : undefined;
const rawMax = await rawConnectLoop({
  host: '127.0.0.1',
  port: openPort,
  durationMs: 5_000,
  concurrency: 64,
  ...(socketConnect ? { check: socketConnect } : {}),
});
const rawMaxCpu = process.cpuUsage(rawMaxCpu0);
/** CPU of one bare connect + reset, 64 in flight back to back (the ceiling), same process. */
const rawCpuUsPerConnectMax = (rawMaxCpu.user + rawMaxCpu.system) / Math.max(1, rawMax.connects + rawMax.failures);
// paced at the rate the runtime is offered (ports / interval), in ticks as the scheduler's
const rawRate = N / intervalS;
const tick = a['tick-ms'] === undefined ? DEFAULT_TICK : Number(a['tick-ms']);
if (!(typeof tick !== 'number' || tick >= 1))
  throw new Error(`--tick-ms: "${a['tick-ms']}" (a number of ms, at least 1)`);
/** The tick at the run's check rate (the runtime's, once every port is loaded). */
const tickMs = tickFor(tick, rawRate / 1000);
say(`raw connect loop paced at ${Math.round(rawRate)}/s (10 s)…`);
const rawCpu0 = process.cpuUsage();
const rawMark = threadMark();
const raw = await rawConnectLoop({
  host: '127.0.0.1',
  port: openPort,
  durationMs: 10_000,
  concurrency: 4_096,
  ratePerSec: rawRate,
  tickMs,
  ...(socketConnect ? { check: socketConnect } : {}),
});
const rawCpu = process.cpuUsage(rawCpu0);
const rawThreads = threadsSince(rawMark);
/** CPU of one bare connect + reset at the run's check rate, same process: what a check costs at least. */
const rawCpuUsPerConnect = (rawCpu.user + rawCpu.system) / Math.max(1, raw.connects + raw.failures);
say(`raw: ${Math.round(rawMax.perSec)}/s back to back, ${Math.round(raw.perSec)}/s paced (${raw.missed} missed)`);

// ── CPU per check, each kind alone: 32 in flight, back to back, 3 s ──
const perKind: Record<string, { checksPerSec: number; cpuUsPerCheck: number; failures: number }> = {};
for (const kind of KINDS) {
  if (!(mix.get(kind)! > 0)) continue;
  const target = {
    host: '127.0.0.1',
    port: kind === 'connect' ? openPort : kindPorts[kind],
    ...(kind !== 'connect' ? { check: SPECS[kind] } : {}),
  };
  const c0 = process.cpuUsage();
  const k0 = Date.now();
  let n = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (Date.now() - k0 < 3_000) {
        const r = await runCheck(target, { timeoutMs: 5_000 });
        n += 1;
        if (!r.ok) failures += 1;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  perKind[kind] = {
    checksPerSec: Math.round(n / ((Date.now() - k0) / 1000)),
    cpuUsPerCheck: Math.round((c.user + c.system) / n),
    failures,
  };
  say(`${kind}: ${JSON.stringify(perKind[kind])}`);
}

// the floor a TLS check is compared with: bare tls.connect handshakes (shared context, no checks)
let tlsHandshakeUs: number | null = null;
if (mix.get('tls')! > 0) {
  const ctx = tls.createSecureContext({});
  const c0 = process.cpuUsage();
  const k0 = Date.now();
  let n = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (Date.now() - k0 < 3_000) {
        await new Promise<void>((done) => {
          const s = tls.connect(
            {
              host: '127.0.0.1',
              port: kindPorts.tls,
              servername: 'bench.example.test',
              rejectUnauthorized: false,
              secureContext: ctx,
            },
            () => {
              s.destroy();
              done();
            },
          );
          s.on('error', () => done());
        });
        n += 1;
      }
    }),
  );
  const c = process.cpuUsage(c0);
  tlsHandshakeUs = Math.round((c.user + c.system) / n);
  say(`bare TLS handshake: ${tlsHandshakeUs} µs CPU`);
}

// ── K processes sharing the ports by leases (scripts/bench-probe-processes.ts) ──
const processes = Number(a.processes);
if (processes > 1) {
  if (!bench.env.DATABASE_URL) throw new Error('--processes needs --db postgres (processes share one database)');
  const split = await runProcesses({
    url: bench.env.DATABASE_URL,
    processes,
    ports: N,
    intervalS,
    warmupS,
    query: <T>(text: string) => p.$queryRawUnsafe<T[]>(text),
    exec: (text: string) => p.$executeRawUnsafe(text),
    say,
  });
  for (const f of fillers) f.destroy();
  silent.close();
  child.kill();
  console.log(
    JSON.stringify({
      ports: N,
      intervalS,
      db: db.kind,
      registerMs,
      rawConnectsPerSec: Math.round(raw.perSec),
      rawConnectsMaxPerSec: Math.round(rawMax.perSec),
      rawCpuUsPerConnect: Math.round(rawCpuUsPerConnect),
      ...split,
    }),
  );
  await cleanup();
  process.exit(0);
}

// ── the real runtime ──
const gc = (globalThis as { gc?: () => void }).gc;
const settle = async () => {
  gc?.();
  await new Promise((r) => setTimeout(r, 200));
  gc?.();
};
/**
 * The bench database's size on disk, from PostgreSQL's own counter (pg_database_size; the WAL
 * position is cluster-wide and would count other databases' writes). PostgreSQL only.
 */
const dbSize = async (): Promise<number | null> => {
  if (db.kind !== 'postgres') return null;
  for (let attempt = 1; ; attempt++) {
    try {
      const [r] = await p.$queryRawUnsafe<[{ n: string }]>(`SELECT pg_database_size(current_database())::text AS n`);
      return Number(r.n);
    } catch (err) {
      say(`database size not read (attempt ${attempt}): ${String(err)}`);
      if (attempt === 3) return null;
    }
  }
};
// a restart of a few seconds: the last checks were just before it (only the ports whose slot
// fell in those seconds are caught up at once, as the continuity rule says)
await sql.query(`UPDATE "PortState" SET "lastCheckAt" = now() - interval '2 seconds'`, []);
await settle();
const rssBefore = process.memoryUsage().rss;
const heapBefore = process.memoryUsage().heapUsed;
const heapTotalBefore = process.memoryUsage().heapTotal;
say(`starting the probe runtime… (RSS before: ${Math.round(rssBefore / 1048576)} MB)`);
const importN = Number(a.import);
if (importN > 0 && !bench.env.DATABASE_URL)
  throw new Error('--import needs --db postgres (the importer is another process)');
const watch = importN > 0 ? importWatch((t, o) => runCheck(t, o)) : null;
// the runtime's check when a flag replaces its own: --no-connect, every check answers "open" at
// once without a packet (the window's CPU is then the runtime's own: scheduling, alerting,
// rollups, writes); --socket-connect, plain connects on net.Socket
const windowCheck: ProbeRuntimeOptions['check'] | undefined = a['no-connect']
  ? () => Promise.resolve({ ok: true, latencyMs: 0.1, at: Date.now() })
  : socketConnect
    ? (t, o) => (!t.check || t.check.kind === 'TCP_CONNECT' ? socketConnect(t, o) : runCheck(t, o))
    : undefined;
const loadStart = Date.now();
const probe = createProbeRuntime({
  prisma: p,
  events: createEvents(),
  nodeId: 'bench',
  flushMs: 500,
  tickMs: tick,
  ...(watch ? { check: watch.check } : windowCheck ? { check: windowCheck } : {}),
});
// the first check may start while the monitors are still loading: watched from the outside
let firstCheckMs: number | null = null;
const firstWatch = setInterval(() => {
  if (firstCheckMs === null && probe.stats().checksDone > 0) firstCheckMs = Date.now() - loadStart;
}, 5);
// with --cpu-profile, the load is profiled too (DIR/load.cpuprofile)
await profiled(a['cpu-profile'], 'load', async () => {
  await probe.start(); // checks run from the first page on
  // the leases hand the shards over in rounds: loaded = every registered monitor is in memory
  while (probe.stats().monitors < N && Date.now() - loadStart < 30 * 60_000)
    await new Promise((r) => setTimeout(r, 50));
});
const loadMs = Date.now() - loadStart;
say(
  `loaded ${probe.stats().monitors} monitors in ${loadMs} ms (first check at ${firstCheckMs} ms); warming up ${warmupS} s`,
);
await new Promise((r) => setTimeout(r, warmupS * 1000));
clearInterval(firstWatch);
const s0 = probe.stats(); // resets the lateness window
// the event loop's delay is sampled by a timer that wakes the process 100 times a second, which
// costs CPU of its own (a wake-up is ~0.1 ms here): only with --loop-delay, so that it does not
// count as the runtime's CPU per check otherwise
const loopDelay = a['loop-delay'] ? monitorEventLoopDelay({ resolution: 10 }) : null;
loopDelay?.enable();
const size0 = await dbSize();
const cpu0 = process.cpuUsage();
const windowMark = threadMark();
// the collections V8 ran in the window
const gcs = { major: 0, minor: 0, ms: 0 };
const gcWatch = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === perfConstants.NODE_PERFORMANCE_GC_MAJOR) gcs.major += 1;
    else gcs.minor += 1;
    gcs.ms += e.duration;
  }
});
gcWatch.observe({ entryTypes: ['gc'] });
const t0 = Date.now();
let rssMax = 0;
const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 500);
await profiled(a['cpu-profile'], 'window', () =>
  allocProfiled(a['alloc-profile'], 'window', () => new Promise((r) => setTimeout(r, durationS * 1000)), say),
);
const s1 = probe.stats();
const elapsed = (Date.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const windowThreads = threadsSince(windowMark);
gcWatch.disconnect();
loopDelay?.disable(); // the window's (an import phase after it has its own)
const size1 = await dbSize();
clearInterval(rssTimer);
// where the RSS is at the end of the window (before GC): V8's heap (reserved and used), memory
// outside it (Buffers, WASM), the rest is native (libuv, sockets, malloc)
const memEnd = process.memoryUsage();
await settle();
const heapLive = process.memoryUsage().heapUsed - heapBefore;
if (a['heap-snapshot']) {
  say(`writing heap snapshot ${a['heap-snapshot']}…`);
  writeHeapSnapshot(a['heap-snapshot']);
}
// ── the import (--import M): after the measured window, so that its figures stay the steady state's ──
const importUrl = bench.env.DATABASE_URL;
const imported =
  watch && importUrl
    ? await profiled(a['cpu-profile'], 'import', () =>
        importPhase({
          probe,
          watch,
          base: N,
          say,
          job: {
            url: importUrl,
            accountId: account.id,
            count: importN,
            via: a['import-via'] === 'sql' ? 'sql' : 'service',
            intervalS,
            port: openPort,
          },
        }),
      )
    : {};
// the rollups held in memory: written now, packed as each ended day is (one row per port and UTC
// day), then measured as stored (bytes per day row, indexes included)
const finalWrite = !a['skip-final-write'];
if (finalWrite) await probe.flush();
const rollupBytesPerRow =
  db.kind === 'postgres' && finalWrite
    ? await packRollupDays(p, Date.now() + 2 * 86_400_000)
        .then(() =>
          p.$queryRawUnsafe<[{ bytes: string; n: string }]>(
            `SELECT (SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('"PortDayRollup"'))::text AS bytes,
               count(*)::text AS n FROM "PortDayRollup"`,
          ),
        )
        .then(([r]) => (Number(r.n) > 0 ? Number(r.bytes) / Number(r.n) : null))
        .catch(() => null)
    : null;
if (finalWrite) await probe.stop();

const DAY_S = 86_400;
const checksPerSec = (s1.checksDone - s0.checksDone) / elapsed;
const cpuUsPerCheck = (cpu.user + cpu.system) / Math.max(1, s1.checksDone - s0.checksDone);
// per port and day: what the window added to the database (failures, state rows), scaled to a
// day, plus one packed rollup row per port and day (the current day's hourly rows are recycled:
// packed and deleted once the day is over)
const dbBytesPerPortDay =
  size0 !== null && size1 !== null && rollupBytesPerRow !== null
    ? Math.round((Math.max(0, size1 - size0) * (DAY_S / elapsed)) / N + rollupBytesPerRow)
    : null;
const result = {
  ports: N,
  intervalS,
  durationS: Math.round(elapsed),
  db: db.kind,
  offeredPerSec: Math.round((N / intervalS) * 10) / 10,
  checksPerSec: Math.round(checksPerSec * 10) / 10,
  /** Raw connects/s achieved when offered the run's check rate (ports / interval), paced. */
  rawConnectsPerSec: Math.round(raw.perSec),
  rawConnectsMaxPerSec: Math.round(rawMax.perSec),
  rawMissed: raw.missed,
  /** Our checks/s over the raw loop's connects/s at the same offered rate. */
  ratio: Math.round((checksPerSec / raw.perSec) * 1000) / 1000,
  lateP50Ms: Math.round(s1.lateness.p50 * 10) / 10,
  lateP99Ms: Math.round(s1.lateness.p99 * 10) / 10,
  lateMaxMs: Math.round(s1.lateness.max),
  cpuPct: Math.round(((cpu.user + cpu.system) / 1000 / (elapsed * 1000)) * 1000) / 10,
  rssMb: Math.round(rssMax / 1048576),
  rssBeforeMb: Math.round(rssBefore / 1048576),
  heapLiveBytesPerPort: Math.round(heapLive / N),
  heapTotalBeforeMb: Math.round(heapTotalBefore / 1048576),
  memEndMb: Object.fromEntries(
    (['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'] as const).map((k) => [
      k,
      Math.round(memEnd[k] / 1048576),
    ]),
  ),
  dbWritesPerSec: Math.round(((s1.dbRowsWritten - s0.dbRowsWritten) / elapsed) * 10) / 10,
  rollupRowsPerSec: Math.round(((s1.rollupRowsWritten - s0.rollupRowsWritten) / elapsed) * 10) / 10,
  dbStatementsPerSec: Math.round(((s1.dbStatements - s0.dbStatements) / elapsed) * 10) / 10,
  eventLoopDelayP99Ms: loopDelay ? Math.round(loopDelay.percentile(99) / 1e5) / 10 : null,
  eventLoopDelayMaxMs: loopDelay ? Math.round(loopDelay.max / 1e6) : null,
  mix: Object.fromEntries(mix),
  registerMs,
  cpuUsPerCheck: Math.round(cpuUsPerCheck),
  cpuUserUsPerCheck: Math.round(cpu.user / Math.max(1, s1.checksDone - s0.checksDone)),
  cpuSystemUsPerCheck: Math.round(cpu.system / Math.max(1, s1.checksDone - s0.checksDone)),
  rawCpuUsPerConnect: Math.round(rawCpuUsPerConnect),
  rawCpuUsPerConnectMax: Math.round(rawCpuUsPerConnectMax),
  /** Our CPU per check over a raw connect's CPU at the same rate: the runtime's overhead factor. */
  cpuPerCheckOverRaw: Math.round((cpuUsPerCheck / Math.max(1, rawCpuUsPerConnect)) * 100) / 100,
  /** Garbage collections in the window (main-thread pause ms; concurrent marking is in threadCpuMs.helpers). */
  gcInWindow: { major: gcs.major, minor: gcs.minor, pauseMs: Math.round(gcs.ms) },
  /** What was measured: flags that change the figures. */
  modes: {
    noConnect: a['no-connect'],
    socketConnect: a['socket-connect'],
    /** The runtime's tick at the end of the window (the raw loop ran at `rawTickMs`). */
    tickMs: s1.tickMs,
    adaptiveTick: a['tick-ms'] === undefined,
    rawTickMs: tickMs,
    loopDelay: a['loop-delay'],
    cpuProfile: a['cpu-profile'] !== undefined,
    allocProfile: a['alloc-profile'] !== undefined,
  },
  /** CPU ms by thread over the window and over the paced raw loop (Linux; "main" is the main thread). */
  threadCpuMs: windowThreads.threadCpuMs,
  rawThreadCpuMs: rawThreads.threadCpuMs,
  /** The main thread's wake-ups per second (voluntary context switches; Linux), window and paced raw loop. */
  wakeupsPerSec: windowThreads.wakeupsPerSec,
  rawWakeupsPerSec: rawThreads.wakeupsPerSec,
  perKind,
  tlsHandshakeUs,
  // the figures (last, in this order)
  cpuMsPerCheck: Math.round(cpuUsPerCheck) / 1000,
  /** RSS the runtime added (peak during the run minus the process before it started), per port. */
  rssBytesPerPort: Math.round((rssMax - rssBefore) / N),
  loadMs,
  firstCheckMs,
  dbBytesPerPortDay,
  ...imported,
};
for (const f of fillers) f.destroy();
silent.close();
child.kill();
console.log(JSON.stringify(result)); // before the database is dropped (the last line of stdout either way)
await cleanup();
process.exit(0);
