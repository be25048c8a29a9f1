// npm run bench:status -- [--hosts 20] [--requests 300] [--viewers 1000] [--changes 20] [--db pglite|postgres]
//   [--profile DIR]: a V8 CPU profile of each measured phase (uncached, cached, sse) into DIR
// A public status page under load: one page showing `hosts` hosts (2 ports each, every one with
// an incident every 3 days over the last 120 days, some with public notes), served by the real
// status routes (server/http/status-routes.ts) on the real services and database.
//  - server time per request, cached (the default cache) and uncached (a cache with TTL 0: every
//    request reads the database and renders), measured from the request's arrival to its last byte;
//  - `viewers` SSE viewers of the page (one process, loopback), then `changes` status changes of
//    a shown port (DOWN/UP alternately, through the real events path); every viewer measures each
//    update's delay (arrival − the change's publish time).
// CPU time per unit: the process's CPU (user + system) over the phase / requests or deliveries.
// Last line: JSON.
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { benchDatabase } from './bench-db.ts';

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

/** Profiles `fn` into DIR/<name>.cpuprofile when --profile DIR is given. */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  if (!a.profile) return fn();
  const { Session } = await import('node:inspector/promises');
  const { mkdir, writeFile } = await import('node:fs/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    await mkdir(a.profile, { recursive: true });
    await writeFile(`${a.profile}/${name}.cpuprofile`, JSON.stringify(profile));
    session.disconnect();
  }
}

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


const { loadPublicPage } = await import('../server/services/status-pages/public-view.ts');
const { itemAvailability } = await import('../server/services/status-pages/availability.ts');
const { dailyBars, availabilityFor, availabilityOver } = await import('../server/services/availability/index.ts');
const { loadHistories } = await import('../server/services/availability/load.ts');
const d = rt.services;
const T = async (name: string, fn: () => Promise<unknown>) => {
  const xs: number[] = [];
  const c0 = process.cpuUsage();
  for (let k = 0; k < 8; k++) { const t0 = performance.now(); await fn(); xs.push(performance.now() - t0); }
  const c = process.cpuUsage(c0);
  xs.sort((x, y) => x - y);
  say(`${name}: median ${xs[4]!.toFixed(1)} ms, cpu ${((c.user + c.system) / 8000).toFixed(1)} ms`);
};
const ids = monitorIds;
const nowD = new Date();
const whole = { from: new Date(nowD.getTime() - 90 * 86400000), to: nowD };
await T('page query', () => p.statusPage.findUnique({ where: { slug: 'bench' }, include: { items: { orderBy: { position: 'asc' }, include: { monitor: { select: { id: true, host: true, ports: true, pausedAt: true, deletedAt: true, portStates: true } } } } } }));
await T('loadHistories host', () => loadHistories(d, ids, { from: whole.from.getTime(), to: nowD.getTime() }, nowD.getTime(), false));
await T('loadHistories perPort', () => loadHistories(d, ids, { from: whole.from.getTime(), to: nowD.getTime() }, nowD.getTime(), true));
await T('dailyBars', () => dailyBars(d, ids, 90, 'Asia/Seoul', nowD));
await T('availabilityFor', () => availabilityFor(d, ids, whole));
await T('itemAvailability', () => itemAvailability(d, ids.map((m, k) => ({ key: m, monitorId: m, ports: k % 2 ? [443] : [] })), 90, 'Asia/Seoul', nowD));
await T('loadPublicPage', () => loadPublicPage(d, 'bench'));
await rt.stop(); await database.drop(); process.exit(0);
