// npm run bench:live -- [--subscribers 10000] [--watchers 10] [--rate 50] [--duration 20]
//                       [--workers 4] [--redis] [--db pglite|postgres]
//                       [--scenarios broadcast,spread [--broadcast-rate 0.5] [--spread-rate 100]]
//                       [--profile dir] [--heap-snapshot dir] [--client light|graphql-ws]
// --client: the subscribers' instrument (scripts/bench-live-clients.ts): `light` (default) speaks
// the protocol by hand and checks each event's id, marker and order, with a full JSON parse of a
// sample; `graphql-ws` is the library's client, as the figures before issue 14's fan-out work.
// Live-event load: one portwatch process (a child: the real runtime, HTTP + graphql-ws) and
// `workers` client processes holding `subscribers` WebSockets, each with one monitorStatus
// subscription (API-token auth). The subscribers watch subscribers / watchers monitors, each of
// its own customer (`watchers` dashboards open per monitor; --watchers 10000 puts everyone on
// one monitor: every event is then a broadcast to all). The server raises status changes of
// random monitors through its real events path (services.events → pubsub, through Redis with
// --redis) at `rate` per second for `duration` seconds; every client measures each event's
// delay (arrival − publish time) and the run waits until every expected delivery arrived.
// --scenarios runs each named shape in its own server, one after the other, and prints both in
// the last line (broadcastP99Ms, spreadP99Ms, bytesPerIdleSubscriber…): `broadcast` puts every
// subscriber on one monitor (each change reaches all), `spread` gives each its own monitor.
// Memory per idle subscriber = the server's growth from 0 to N subscribers (after a GC): heap +
// external (bytesPerIdleSubscriber), and RSS;
// CPU per subscriber = the server's CPU time over the same span / N.
// Server CPU per delivery = the server's CPU from the first change until every delivery arrived,
// divided by the deliveries. Fan-out ms = the server's synchronous publish step per change (in
// memory, every subscriber's frame handed to its socket); client CPU per delivery = the client
// processes' CPU over the same span / deliveries (they share the server's cores).
// Last line: JSON. Everything runs on loopback.
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { parseArgs } from 'node:util';
import { benchDatabase } from './bench-db.ts';
import { openGraphqlWs, openLight, type Tally } from './bench-live-clients.ts';

const self = fileURLToPath(import.meta.url);
const { values: a } = parseArgs({
  options: {
    role: { type: 'string', default: 'main' },
    subscribers: { type: 'string', default: '10000' },
    watchers: { type: 'string', default: '10' },
    rate: { type: 'string', default: '50' },
    duration: { type: 'string', default: '20' },
    workers: { type: 'string', default: '4' },
    redis: { type: 'boolean', default: false },
    db: { type: 'string', default: 'pglite' },
    /** Directory for a CPU profile of the server process (node --cpu-prof). */
    profile: { type: 'string' },
    /** Directory for a heap snapshot of the server with every subscription open. */
    'heap-snapshot': { type: 'string' },
    /** Comma list of broadcast, spread: each in its own server, figures side by side. */
    scenarios: { type: 'string' },
    'broadcast-rate': { type: 'string', default: '0.5' },
    'spread-rate': { type: 'string', default: '100' },
    /** The subscribers' instrument: light (hand-written protocol, sampled full checks) or graphql-ws. */
    client: { type: 'string', default: 'light' },
  },
});
const say = (m: string) => process.stderr.write(`${m}\n`);
type Msg = { type: string; [k: string]: unknown };
const ask = (child: ChildProcess, msg: Msg, reply: string) =>
  new Promise<Msg>((resolve) => {
    const on = (m: Msg) => {
      if (m.type !== reply) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send(msg);
  });
const send = (m: Msg) => process.send?.(m);

// ── the portwatch process ──
async function server() {
  const { loadConfig } = await import('../server/config.ts');
  const { startRuntime } = await import('../server/main.ts');
  const { createApiToken } = await import('../server/services/auth.ts');
  const database = await benchDatabase(a.db, 'pw-bench-live');
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'warn',
    PROBE_ENABLED: 'false',
    ADMIN_LOGIN: 'bench',
    ADMIN_PASSWORD: 'bench-password',
    DATABASE_POOL_SIZE: '20',
    ...database.env,
    // every subscriber comes from loopback: lift the per-address and per-account caps for the bench
    WS_MAX_CONNECTIONS_PER_ADDRESS: '100000',
    WS_MAX_CONNECTIONS_PER_ACCOUNT: '100000',
    ...(a.redis
      ? {
          REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_PREFIX: `pw_bench_${randomBytes(4).toString('hex')}:`,
        }
      : {}),
  });
  const rt = await startRuntime(config, {
    log: (level, msg, extra) => level !== 'info' && say(`server ${level}: ${msg} ${JSON.stringify(extra ?? {})}`),
  });
  const p = rt.db.prisma;
  const M = Math.ceil(Number(a.subscribers) / Number(a.watchers));
  const tag = randomBytes(3).toString('hex');
  await p.account.createMany({
    data: Array.from({ length: M }, (_, i) => ({
      loginId: `live${tag}${i}`,
      name: `live ${i}`,
      email: `live${i}@example.com`,
      passwordHash: 'x',
      kind: 'HOSTING' as const,
      language: 'en' as const,
    })),
  });
  const accounts = await p.account.findMany({
    where: { loginId: { startsWith: `live${tag}` } },
    orderBy: { loginId: 'asc' },
  });
  await p.server.createMany({
    data: accounts.map((acc, i) => ({
      ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
      accountId: acc.id,
      source: 'HOSTING_INVENTORY' as const,
    })),
  });
  const servers = new Map(
    (await p.server.findMany({ where: { accountId: { in: accounts.map((x) => x.id) } } })).map((x) => [x.accountId, x]),
  );
  await p.monitor.createMany({
    data: accounts.map((acc) => ({
      accountId: acc.id,
      serverId: servers.get(acc.id)!.id,
      activeServerId: servers.get(acc.id)!.id,
      host: servers.get(acc.id)!.ip,
      ports: [443],
      contactName: 'c',
      contactEmail: 'c@example.com',
    })),
  });
  const monitors = new Map(
    (await p.monitor.findMany({ where: { accountId: { in: accounts.map((x) => x.id) } } })).map((m) => [
      m.accountId,
      m,
    ]),
  );
  const { encodeGlobalID } = await import('@pothos/plugin-relay');
  const targets: { token: string; monitor: string; monitorId: string; accountId: string; host: string }[] = [];
  for (const acc of accounts) {
    const viewer = {
      accountId: acc.id,
      loginId: acc.loginId,
      role: 'CUSTOMER' as const,
      kind: 'HOSTING' as const,
      language: 'en' as const,
      via: 'session' as const,
    };
    const { secret } = await createApiToken(rt.services, viewer, { name: 'bench' });
    const m = monitors.get(acc.id)!;
    targets.push({
      token: secret,
      monitor: encodeGlobalID('Monitor', m.id),
      monitorId: m.id,
      accountId: acc.id,
      host: m.host,
    });
  }
  const fanoutMs: number[] = [];
  process.on('message', (msg: Msg) => {
    if (msg.type === 'mem') {
      (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      send({ type: 'mem', ...process.memoryUsage(), cpuMs: (cpu.user + cpu.system) / 1000 });
    } else if (msg.type === 'heap') {
      (globalThis as { gc?: () => void }).gc?.();
      const file = writeHeapSnapshot(`${String(msg.dir)}/${String(msg.name)}.heapsnapshot`);
      send({ type: 'heap', file });
    } else if (msg.type === 'cpu') {
      const c = process.cpuUsage();
      send({ type: 'cpu', ms: (c.user + c.system) / 1000, sysMs: c.system / 1000, fanoutMs: [...fanoutMs] });
    } else if (msg.type === 'publish') {
      const t = targets[Number(msg.target)]!;
      const t0 = performance.now();
      rt.services.events.portStatus({
        monitorId: t.monitorId,
        accountId: t.accountId,
        host: t.host,
        port: 443,
        phase: Number(msg.seq) % 2 ? 'DOWN' : 'UP',
        since: new Date(),
        lastCheckAt: new Date(),
        lastOk: Number(msg.seq) % 2 === 0,
        lastLatencyMs: 1,
        lastErrorCode: `E${String(msg.seq)}`,
        lastErrorMessage: null,
      });
      // the publisher's synchronous step: with the in-memory event target, the whole fan-out
      // (every subscriber's frame handed to its socket)
      fanoutMs.push(performance.now() - t0);
    } else if (msg.type === 'stop') {
      void rt.stop().then(async () => {
        await database.drop();
        process.exit(0);
      });
    }
  });
  send({ type: 'ready', url: rt.url, targets: targets.map((t) => ({ token: t.token, monitor: t.monitor })) });
}

// ── a client process: `count` sockets, one subscription each ──
async function clients() {
  const { url, targets, from, count } = await new Promise<Msg>((r) => process.once('message', r));
  const list = targets as { token: string; monitor: string }[];
  const tally: Tally = { delays: [], errors: 0, parsed: 0, received: 0, disposers: [] };
  const delays = tally.delays;
  const disposers = tally.disposers;
  const openOne = a.client === 'graphql-ws' ? openGraphqlWs : openLight;
  let ready = 0;
  const open = async (i: number) => {
    const { token, monitor } = list[i % list.length]!;
    if (await openOne({ url: `${String(url).replace('http', 'ws')}/graphql`, token, monitor }, tally)) ready += 1;
  };
  const n = Number(count);
  const first = Number(from);
  for (let i = 0; i < n; i += 100)
    await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => open(first + i + k)));
  send({ type: 'subscribed', ready, errors: tally.errors });
  // this process's CPU from here on (the events and the wait for them): what the client side costs
  const cpuFrom = process.cpuUsage();
  process.on('message', (msg: Msg) => {
    if (msg.type === 'count') send({ type: 'count', received: delays.length });
    if (msg.type === 'report') {
      const c = process.cpuUsage(cpuFrom);
      send({ type: 'report', delays, errors: tally.errors, parsed: tally.parsed, cpuMs: (c.user + c.system) / 1000 });
    }
    if (msg.type === 'stop') {
      for (const d of disposers) d();
      setTimeout(() => process.exit(0), 200);
    }
  });
}

// ── orchestration ──
interface Scenario {
  name: string;
  watchers: number;
  rate: number;
}

/** One scenario: a fresh server and client processes, subscriptions opened, changes raised, figures. */
async function run(sc: Scenario) {
  const N = Number(a.subscribers);
  const W = Math.max(1, Math.min(Number(a.workers), N));
  const common = [
    '--db',
    String(a.db),
    '--subscribers',
    String(N),
    '--watchers',
    String(sc.watchers),
    ...(a.redis ? ['--redis'] : []),
  ];
  const profile = a.profile
    ? // a directory per scenario: every thread (tsx's loader hooks run on one of their own) writes
      // its own profile; with one --cpu-prof-name the idle loader thread's overwrote the server's
      ['--cpu-prof', `--cpu-prof-dir=${a.profile}/${sc.name}`]
    : [];
  const srv = fork(self, ['--role', 'server', ...common], {
    execArgv: ['--import', 'tsx', '--expose-gc', ...profile],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const info = await new Promise<Msg>((r) => srv.once('message', r));
  const targets = info.targets as unknown[];
  say(
    `${sc.name}: server at ${String(info.url)}${a.redis ? ' (events through Redis)' : ''}; opening ${N} subscriptions on ${targets.length} monitors from ${W} processes`,
  );
  const before = await ask(srv, { type: 'mem' }, 'mem');
  const snapshot = async (name: string) =>
    a['heap-snapshot'] && (await ask(srv, { type: 'heap', dir: a['heap-snapshot'], name }, 'heap'));
  await snapshot(`${sc.name}-before`);
  const started = Date.now();
  const workers = Array.from({ length: W }, () =>
    fork(self, ['--role', 'clients', '--client', String(a.client)], {
      // with --profile the client processes' profiles go next to the server's (the instrument's cost)
      execArgv: [
        '--import',
        'tsx',
        ...(a.profile ? ['--cpu-prof', `--cpu-prof-dir=${a.profile}/${sc.name}-clients`] : []),
      ],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  let from = 0;
  const subscribed = await Promise.all(
    workers.map((w, i) => {
      const count = Math.floor(N / W) + (i < N % W ? 1 : 0);
      from += count;
      return ask(w, { type: 'go', url: info.url, targets, from: from - count, count }, 'subscribed');
    }),
  );
  const connectS = (Date.now() - started) / 1000;
  const ready = subscribed.reduce((s, m) => s + Number(m.ready), 0);
  say(
    `${sc.name}: ${ready} subscriptions live after ${connectS.toFixed(1)} s (${subscribed.reduce((s, m) => s + Number(m.errors), 0)} refused)`,
  );
  const after = await ask(srv, { type: 'mem' }, 'mem');
  await snapshot(`${sc.name}-after`);

  // status changes of random monitors at `rate` per second; each reaches that monitor's watchers
  const watchersOf = new Array<number>(targets.length).fill(0);
  for (let i = 0; i < ready; i++) watchersOf[i % targets.length]! += 1;
  let events = 0;
  let expected = 0;
  const cpuStart = await ask(srv, { type: 'cpu' }, 'cpu');
  const cpuBefore = Number(cpuStart.ms);
  const end = Date.now() + Number(a.duration) * 1000;
  const tick = 1000 / sc.rate;
  for (let next = Date.now(); Date.now() < end; next += tick) {
    const target = Math.floor(Math.random() * targets.length);
    srv.send({ type: 'publish', target, seq: ++events });
    expected += watchersOf[target]!;
    await new Promise((r) => setTimeout(r, Math.max(0, next + tick - Date.now())));
  }
  // wait for every expected delivery (or 60 s)
  const drainEnd = Date.now() + 60_000;
  let received = 0;
  while (Date.now() < drainEnd) {
    received = (await Promise.all(workers.map((w) => ask(w, { type: 'count' }, 'count')))).reduce(
      (s, m) => s + Number(m.received),
      0,
    );
    if (received >= expected) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const cpuEnd = await ask(srv, { type: 'cpu' }, 'cpu');
  const serverCpuMs = Number(cpuEnd.ms) - cpuBefore;
  const serverSysMs = Number(cpuEnd.sysMs) - Number(cpuStart.sysMs);
  const reports = await Promise.all(workers.map((w) => ask(w, { type: 'report' }, 'report')));
  const clientCpuMs = reports.reduce((sum, r) => sum + Number(r.cpuMs), 0);
  const fanout = (cpuEnd.fanoutMs as number[]).slice().sort((x, y) => x - y);
  const delays = reports.flatMap((r) => r.delays as number[]).sort((x, y) => x - y);
  const q = (p: number) => (delays.length ? delays[Math.min(delays.length - 1, Math.floor(p * delays.length))]! : null);
  for (const w of workers) w.send({ type: 'stop' });
  const exited = new Promise((r) => srv.once('exit', r));
  srv.send({ type: 'stop' });
  await exited;
  const grown = (k: string) => Number(after[k]) - Number(before[k]);
  const perSubscriber = (bytes: number) => (ready ? Math.round(bytes / ready) : null);
  return {
    scenario: sc.name,
    subscribers: ready,
    monitors: targets.length,
    events,
    eventsPerSec: sc.rate,
    deliveriesExpected: expected,
    deliveries: delays.length,
    missed: expected - delays.length,
    // events a client found wrong (id, type, order, shape) or subscriptions that failed
    clientErrors: reports.reduce((sum, r) => sum + Number(r.errors), 0),
    // events the light client also checked by a full JSON parse (every 16th of a process)
    fullyParsed: reports.reduce((sum, r) => sum + Number(r.parsed), 0),
    delayP50Ms: q(0.5),
    delayP99Ms: q(0.99),
    delayMaxMs: delays.at(-1) ?? null,
    // the server's CPU from the first change until every delivery arrived, per delivery
    serverCpuUsPerDelivery: delays.length ? Math.round((serverCpuMs * 1000) / delays.length) : null,
    // of which in the kernel (loopback TCP: each write also runs the receiving side's TCP)
    serverSysUsPerDelivery: delays.length ? Math.round((serverSysMs * 1000) / delays.length) : null,
    // the server's synchronous publish step per change (in memory: the whole fan-out), median and
    // largest: what is left of a delivery's delay is the kernel and the clients
    fanoutMsP50: fanout.length ? Math.round(fanout[Math.floor(fanout.length / 2)]! * 10) / 10 : null,
    fanoutMsMax: fanout.length ? Math.round(fanout.at(-1)! * 10) / 10 : null,
    // the client processes' CPU (same cores) per delivery: graphql-ws client, JSON, the delay
    clientCpuUsPerDelivery: delays.length ? Math.round((clientCpuMs * 1000) / delays.length) : null,
    // growth from 0 to N idle subscribers, after a GC: the JS heap, and the process's resident
    // set (with PGlite, its WebAssembly memory moves RSS and `external` by megabytes either way)
    bytesPerIdleSubscriber: perSubscriber(grown('heapUsed')),
    rssBytesPerIdleSubscriber: perSubscriber(grown('rss')),
    serverRssMb: Math.round(Number(after.rss) / 1048576),
    connectSeconds: Math.round(connectS * 10) / 10,
    // the server's CPU time (user + system) to accept one subscription: connection, authentication, tenancy check, current state
    subscribeCpuMsPerSubscriber: ready
      ? Math.round(((Number(after.cpuMs) - Number(before.cpuMs)) / ready) * 100) / 100
      : null,
  };
}

async function main() {
  const N = Number(a.subscribers);
  // broadcast: everyone on one monitor, each change reaches all; spread: one subscriber per
  // monitor (its own customer's), each change reaches one
  const named: Record<string, Scenario> = {
    broadcast: { name: 'broadcast', watchers: N, rate: Number(a['broadcast-rate']) },
    spread: { name: 'spread', watchers: 1, rate: Number(a['spread-rate']) },
  };
  const list = a.scenarios
    ? a.scenarios.split(',').map((n) => {
        const sc = named[n.trim()];
        if (!sc) throw new Error(`unknown scenario ${n} (broadcast, spread)`);
        return sc;
      })
    : [{ name: 'custom', watchers: Number(a.watchers), rate: Number(a.rate) }];
  const results: Awaited<ReturnType<typeof run>>[] = [];
  for (const sc of list) {
    const r = await run(sc);
    say(JSON.stringify(r));
    results.push(r);
  }
  const of = (name: string) => results.find((r) => r.scenario === name);
  const one = results.length === 1 ? results[0]! : undefined;
  const result = {
    ...(one ?? {}),
    broadcastP99Ms: of('broadcast')?.delayP99Ms ?? null,
    broadcastCpuUsPerDelivery: of('broadcast')?.serverCpuUsPerDelivery ?? null,
    spreadP99Ms: of('spread')?.delayP99Ms ?? null,
    spreadCpuUsPerDelivery: of('spread')?.serverCpuUsPerDelivery ?? null,
    broadcastFanoutMsMax: of('broadcast')?.fanoutMsMax ?? null,
    broadcastClientCpuUsPerDelivery: of('broadcast')?.clientCpuUsPerDelivery ?? null,
    // the largest of the runs' figures (each run measures its own 0 → N growth)
    bytesPerIdleSubscriber: Math.max(...results.map((r) => r.bytesPerIdleSubscriber ?? 0)),
    rssBytesPerIdleSubscriber: Math.max(...results.map((r) => r.rssBytesPerIdleSubscriber ?? 0)),
    missed: results.reduce((s, r) => s + r.missed, 0),
    clientErrors: results.reduce((s, r) => s + r.clientErrors, 0),
    client: a.client,
    ...(one ? {} : { scenarios: results }),
    redis: a.redis,
    db: a.db,
    loadAvg1m: Math.round(loadavg()[0]! * 10) / 10,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

if (a.role === 'server') await server();
else if (a.role === 'clients') await clients();
else {
  await main();
  process.exit(0);
}
