// npm run bench:status -- [--hosts 20] [--requests 300] [--viewers 1000] [--changes 20] [--db pglite|postgres]
//   [--profile DIR]: a V8 CPU profile of each measured phase (uncached, cached, sse) into DIR
// A public status page under load: one page showing `hosts` hosts (2 ports each, every one with
// an incident every 3 days over the last 120 days, some with public notes), served by the real
// status routes (server/http/status-routes.ts) on the real services and database.
//  - server time per request, cached (the default cache) and uncached (a cache with TTL 0: every
//    request reads the database and renders), measured from the request's arrival to its last byte;
//  - `viewers` SSE viewers of the page (in a child process, scripts/bench-status-viewers.ts, so
//    their CPU does not count; loopback), then `changes` status changes of a shown port (DOWN/UP
//    alternately, through the real events path); each update's delay is its arrival at a viewer −
//    the change's publish time (both on the machine's clock).
// CPU time per unit: the process's CPU (user + system) over the phase / requests or deliveries.
// Last line: JSON.
import { fork } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { benchDatabase } from './bench-db.ts';
import { profiled } from './cpu-profile.ts';

const { values: a } = parseArgs({
  options: {
    hosts: { type: 'string', default: '20' },
    requests: { type: 'string', default: '300' },
    viewers: { type: 'string', default: '1000' },
    changes: { type: 'string', default: '20' },
    db: { type: 'string', default: 'pglite' },
    profile: { type: 'string' },
  },
});
const say = (m: string) => process.stderr.write(`${m}\n`);
const HOSTS = Number(a.hosts);
const REQUESTS = Number(a.requests);
const VIEWERS = Number(a.viewers);
const CHANGES = Number(a.changes);

const { loadConfig } = await import('../server/config.ts');
const { startRuntime } = await import('../server/main.ts');
const { createStatusRoutes } = await import('../server/http/status-routes.ts');
const database = await benchDatabase(a.db, 'pw-bench-status');
const config = loadConfig({
  PORT: '0',
  LOG_LEVEL: 'warn',
  PROBE_ENABLED: 'false',
  DISPATCH_ENABLED: 'false',
  ADMIN_LOGIN: 'bench',
  ADMIN_PASSWORD: 'bench-password',
  ...database.env,
});
const rt = await startRuntime(config, { log: (level, msg) => level !== 'info' && say(`server ${level}: ${msg}`) });
const p = rt.db.prisma;

// ── seed ──
say(`seeding ${HOSTS} hosts…`);
const account = await p.account.create({
  data: { loginId: 'bench-customer', name: 'Bench', email: 'b@example.com', passwordHash: 'x', kind: 'HOSTING' },
});
const now = Date.now();
const monitorIds: string[] = [];
for (let h = 0; h < HOSTS; h++) {
  const ip = `198.18.${Math.floor(h / 250)}.${(h % 250) + 1}`;
  const server = await p.server.create({ data: { ip, accountId: account.id, source: 'HOSTING_INVENTORY' } });
  const m = await p.monitor.create({
    data: {
      accountId: account.id,
      serverId: server.id,
      activeServerId: server.id,
      host: ip,
      ports: [80, 443],
      contactName: 'c',
      contactEmail: 'c@example.com',
      createdAt: new Date(now - 400 * 86_400_000),
    },
  });
  monitorIds.push(m.id);
  await p.portState.createMany({
    data: [80, 443].map((port) => ({ monitorId: m.id, port, phase: 'UP' as const })),
  });
  const incidents = [];
  for (let d = 120; d > 0; d -= 3) {
    const openedAt = new Date(now - d * 86_400_000 + h * 60_000);
    incidents.push({
      monitorId: m.id,
      accountId: account.id,
      host: ip,
      ports: [443],
      reason: 'ECONNREFUSED',
      openedAt,
      resolvedAt: new Date(openedAt.getTime() + 10 * 60_000),
      closeReason: 'RECOVERED' as const,
    });
  }
  await p.incident.createMany({ data: incidents });
}
const some = await p.incident.findMany({ where: { accountId: account.id }, select: { id: true }, take: 10 });
await p.incidentPublicNote.createMany({
  data: some.map((i) => ({ incidentId: i.id, body: 'A switch was replaced.' })),
});
const page = await p.statusPage.create({
  data: { accountId: account.id, slug: 'bench', title: 'Bench status', published: true, language: 'en' },
});
await p.statusPageItem.createMany({
  data: monitorIds.map((monitorId, k) => ({
    pageId: page.id,
    monitorId,
    label: `Server ${k + 1}`,
    ports: k % 2 ? [443] : [],
    position: k,
  })),
});

// ── the routes under test, each on its own server, timed inside ──
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
};
const round = (v: number) => Math.round(v * 100) / 100;

async function serve(ttlMs: number | undefined) {
  const routes = createStatusRoutes({ deps: rt.services, cache: ttlMs === undefined ? {} : { ttlMs } });
  const times: number[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    res.on('finish', () => times.push(performance.now() - t0));
    void routes.route(req, res, new URL(req.url ?? '/', 'http://x'));
  });
  server.maxConnections = 100_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { routes, server, times, url };
}

async function measurePage(ttlMs: number | undefined, label: string) {
  const s = await serve(ttlMs);
  await (await fetch(`${s.url}/status/bench`)).text(); // warm-up (and, cached, the fill)
  s.times.length = 0;
  const cpu0 = process.cpuUsage();
  for (let k = 0; k < REQUESTS; k++) {
    const r = await fetch(`${s.url}/status/bench`);
    if (r.status !== 200) throw new Error(`status ${r.status}`);
    await r.text();
  }
  const cpu = process.cpuUsage(cpu0);
  const out = {
    p50Ms: round(quantile(s.times, 0.5)),
    p99Ms: round(quantile(s.times, 0.99)),
    cpuMsPerRequest: round((cpu.user + cpu.system) / 1000 / REQUESTS),
  };
  say(`${label}: server time p50 ${out.p50Ms} ms, p99 ${out.p99Ms} ms; CPU ${out.cpuMsPerRequest} ms/request`);
  s.routes.stop();
  s.server.closeAllConnections();
  s.server.close();
  return out;
}

const bytes = (await (await fetch(`http://127.0.0.1:${rt.port}/status/bench`)).text()).length;
const uncached = await profiled(a.profile, 'uncached', () => measurePage(0, 'uncached'));
const cached = await profiled(a.profile, 'cached', () => measurePage(undefined, 'cached'));

// ── SSE viewers (in another process: scripts/bench-status-viewers.ts); skipped with --viewers 0 ──
async function measureSse() {
  const s = await serve(undefined);
  say(`opening ${VIEWERS} SSE viewers in a child process…`);
  const viewers = fork(fileURLToPath(new URL('./bench-status-viewers.ts', import.meta.url)), [
    `${s.url}/status/bench/events`,
    String(VIEWERS),
  ]);
  const completed = new Set<number>();
  const report = new Promise<{ arrivals: number[][]; cpuMs: number }>((resolve, reject) => {
    viewers.on('exit', (code) => reject(new Error(`the viewers' process ended (${code}) before its report`)));
    viewers.on('message', (m: { ready?: boolean; change?: number; arrivals?: number[][]; cpuMs?: number }) => {
      if (m.change !== undefined) completed.add(m.change);
      if (m.arrivals && m.cpuMs !== undefined) resolve({ arrivals: m.arrivals, cpuMs: m.cpuMs });
    });
  });
  await new Promise<void>((resolve, reject) => {
    viewers.on('message', (m: { ready?: boolean }) => m.ready && resolve());
    viewers.on('exit', (code) => reject(new Error(`viewers exited (${code})`)));
  });
  const clock = () => performance.timeOrigin + performance.now();
  const target = monitorIds[0] as string;
  const sentAt: number[] = [];
  const cpu0 = process.cpuUsage();
  await profiled(a.profile, 'sse', async () => {
    for (let c = 0; c < CHANGES; c++) {
      const phase = c % 2 === 0 ? 'DOWN' : 'UP';
      await p.portState.update({ where: { monitorId_port: { monitorId: target, port: 443 } }, data: { phase } });
      sentAt.push(clock());
      rt.services.events.portStatus({
        monitorId: target,
        accountId: account.id,
        host: 'x',
        port: 443,
        phase,
        since: new Date(),
        lastCheckAt: new Date(),
        lastOk: phase === 'UP',
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      });
      const deadline = performance.now() + 10_000;
      while (!completed.has(c + 1) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 2));
      await new Promise((r) => setTimeout(r, 50));
    }
  });
  const sseCpu = process.cpuUsage(cpu0);
  viewers.send({ report: true });
  const { arrivals, cpuMs: viewersCpuMs } = await report;
  viewers.removeAllListeners('exit');
  viewers.kill();
  const delays = arrivals.flatMap((list, k) => (sentAt[k] === undefined ? [] : list.map((t) => t - sentAt[k]!)));
  const received = delays.length;
  const sse = {
    viewers: VIEWERS,
    changes: CHANGES,
    delivered: received,
    expected: VIEWERS * CHANGES,
    p50Ms: round(quantile(delays, 0.5)),
    p99Ms: round(quantile(delays, 0.99)),
    maxMs: round(Math.max(...delays)),
    cpuUsPerDelivery: round((sseCpu.user + sseCpu.system) / Math.max(1, received)),
    viewersCpuUsPerDelivery: round((viewersCpuMs * 1000) / Math.max(1, received)),
  };
  say(
    `SSE: ${received}/${VIEWERS * CHANGES} updates delivered; delay p50 ${sse.p50Ms} ms, p99 ${sse.p99Ms} ms, max ${sse.maxMs} ms; server CPU ${sse.cpuUsPerDelivery} µs/delivery (viewers in another process: ${sse.viewersCpuUsPerDelivery} µs/delivery)`,
  );
  s.routes.stop();
  s.server.closeAllConnections();
  s.server.close();
  return sse;
}
const sse = VIEWERS > 0 ? await measureSse() : null;
await rt.stop();
await database.drop();
console.log(
  JSON.stringify({
    bench: 'status',
    db: a.db,
    hosts: HOSTS,
    requests: REQUESTS,
    pageBytes: bytes,
    cached,
    uncached,
    sse,
    loadavg: loadavg()[0],
    // the four goals beside what was measured
    goals: {
      cachedServerMs: { goalMs: 50, p50Ms: cached.p50Ms, p99Ms: cached.p99Ms, cpuMsPerRequest: cached.cpuMsPerRequest },
      uncachedServerMs: {
        goalMs: 200,
        p50Ms: uncached.p50Ms,
        p99Ms: uncached.p99Ms,
        cpuMsPerRequest: uncached.cpuMsPerRequest,
      },
      sseP99DelayMs: sse && {
        goalMs: 250,
        viewers: VIEWERS,
        p99Ms: sse.p99Ms,
        delivered: sse.delivered,
        expected: sse.expected,
      },
    },
  }),
);
process.exit(0);
