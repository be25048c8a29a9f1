// Uptime and history at size (issue 17): seeds PORTS monitored ports (two per host) by SQL, with a
// year of HOST_DOWN incidents (one of 10 minutes every 30 days per host, staggered), a year of
// hourly rollups for one host, and times what the screens ask:
//   list     the first page (50 hosts, the list's order) + its uptime for 24 h…365 d (one load)
//   detail   one host's uptime per port, its 90-day bars, its 1-year response-time series
//   sla      one customer's monthly report over every host (all hosts in one account)
//   npm run bench:history -- --ports 10000 --db pglite|postgres [--rounds 5] [--only REGEX] [--profile DIR]
//   --only: time only the operations whose name matches; --profile: a V8 CPU profile per operation into DIR
//   --explain (PostgreSQL): EXPLAIN (ANALYZE, BUFFERS) of the list's incident read and of the 1-year chart's rollup read
// Prints the median wall time and this process's CPU per operation; the last line is JSON.
// (PGlite runs in this process, so its CPU counts; with PostgreSQL the server's work is wall time.)
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../server/db/index.ts';
import { createEvents } from '../server/events/events.ts';
import { createSignals } from '../server/events/signals.ts';
import { availabilityOver, dailyBars } from '../server/services/availability/index.ts';
import { latencySeries } from '../server/services/availability/latency.ts';
import { MONITOR_ORDER } from '../server/services/monitor-queries.ts';
import { monthlySlaReport } from '../server/services/sla/report.ts';
import type { ServiceDeps } from '../server/services/types.ts';
import { benchDatabase } from './bench-db.ts';
import { packRollupDays } from '../server/services/rollups/packing.ts';
import { hourlyRollups } from '../server/services/rollups/sql.ts';
import { Prisma } from '../server/generated/prisma/client.ts';
import { profiled } from './cpu-profile.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const PORTS = Number(arg('ports', '10000'));
const ROUNDS = Number(arg('rounds', '5'));
const kind = arg('db', 'pglite');
const ONLY = new RegExp(arg('only', '.'));
const PROFILE = arg('profile', '');
const EXPLAIN = process.argv.includes('--explain');
const HOSTS = Math.ceil(PORTS / 2);
const DAY = 86_400_000;

const pick = (r: { medianMs: number; cpuMsPerOp: number } | undefined) =>
  r ? { wallMs: r.medianMs, cpuMs: r.cpuMsPerOp } : {};

const bench = await benchDatabase(kind, 'portwatch-history');
const db = await openDatabase(
  kind === 'postgres'
    ? { kind: 'postgres', url: bench.env.DATABASE_URL! }
    : { kind: 'pglite', dataDir: bench.env.DATA_DIR! },
);
const p = db.prisma;
const now = new Date();
const deps: ServiceDeps = {
  prisma: p,
  events: createEvents(),
  signals: createSignals(),
  now: () => now,
  secret: 'x'.repeat(32),
  publicUrl: 'http://localhost',
};
try {
  const seed0 = performance.now();
  const account = await p.account.create({
    data: {
      loginId: 'bench',
      name: 'bench',
      email: 'b@example.com',
      passwordHash: 'x',
      kind: 'HOSTING',
      timeZone: 'Asia/Seoul',
    },
  });
  await p.$executeRawUnsafe(
    `INSERT INTO "Server" (id, ip, "accountId", source)
     SELECT 's' || g, '10.' || (g >> 16) || '.' || ((g >> 8) & 255) || '.' || (g & 255), $1, 'HOSTING_INVENTORY'
     FROM generate_series(1, ${HOSTS}) g`,
    account.id,
  );
  await p.$executeRawUnsafe(
    `INSERT INTO "Monitor" (id, "accountId", "serverId", "activeServerId", host, ports, "contactName", "contactEmail", "createdAt", "updatedAt")
     SELECT 'm' || g, $1, 's' || g, 's' || g, '10.' || (g >> 16) || '.' || ((g >> 8) & 255) || '.' || (g & 255), ARRAY[22, 80],
       'c', 'c@example.com', now() - interval '400 days', now()
     FROM generate_series(1, ${HOSTS}) g`,
    account.id,
  );
  await p.$executeRawUnsafe(
    `INSERT INTO "Incident" (id, kind, "monitorId", "accountId", host, ports, reason, "openedAt", "resolvedAt")
     SELECT 'i' || g || '-' || k, 'HOST_DOWN', 'm' || g, $1, 'h', ARRAY[80], 'ETIMEDOUT',
       now() - (k * interval '30 days') - ((g % 720) * interval '1 hour'),
       now() - (k * interval '30 days') - ((g % 720) * interval '1 hour') + interval '10 minutes'
     FROM generate_series(1, ${HOSTS}) g, generate_series(0, 11) k`,
    account.id,
  );
  await p.$executeRawUnsafe(
    `INSERT INTO "HourlyRollup" ("monitorId", port, hour, checks, failures, "latencySumMs", "latencyCount", "latencyMinMs", "latencyMaxMs")
     SELECT 'm1', port, date_trunc('hour', now() AT TIME ZONE 'UTC') - (h * interval '1 hour'), 20, 0, 20 * (5 + (h % 7)), 20, 3, 30 + (h % 50)
     FROM generate_series(1, 8760) h, unnest(ARRAY[22, 80]) port`,
  );
  await packRollupDays(p, Date.now()); // past days are stored packed, one row per port and day
  // planner statistics and no dead rows (the packed hours' deleted rows), as autovacuum keeps them after a bulk load
  await p.$executeRawUnsafe('VACUUM ANALYZE');
  const seedMs = performance.now() - seed0;
  const viewer = {
    accountId: account.id,
    loginId: 'bench',
    role: 'CUSTOMER' as const,
    kind: 'HOSTING' as const,
    language: 'en' as const,
    via: 'session' as const,
  };

  async function time(name: string, fn: () => Promise<unknown>) {
    if (!ONLY.test(name)) return null;
    await fn(); // warm
    const walls: number[] = [];
    const cpu = await profiled(PROFILE || undefined, name, async () => {
      const cpu0 = process.cpuUsage();
      for (let r = 0; r < ROUNDS; r++) {
        const t0 = performance.now();
        await fn();
        walls.push(performance.now() - t0);
      }
      return process.cpuUsage(cpu0);
    });
    walls.sort((a, b) => a - b);
    const out = {
      name,
      medianMs: Number(walls[Math.floor(walls.length / 2)]!.toFixed(1)),
      cpuMsPerOp: Number(((cpu.user + cpu.system) / 1000 / ROUNDS).toFixed(1)),
    };
    console.log(`${name.padEnd(34)} median ${out.medianMs} ms wall, ${out.cpuMsPerOp} ms CPU per operation`);
    return out;
  }
  const windows = [1, 7, 30, 90, 365].map((d) => ({ from: new Date(now.getTime() - d * DAY), to: now }));
  const timed = [
    await time('list page (50 hosts) alone', () =>
      p.monitor.findMany({
        where: { accountId: account.id, deletedAt: null },
        orderBy: MONITOR_ORDER,
        take: 50,
        select: { id: true },
      }),
    ),
    await time('list page (50 hosts) + uptime x5', async () => {
      const page = await p.monitor.findMany({
        where: { accountId: account.id, deletedAt: null },
        orderBy: MONITOR_ORDER,
        take: 50,
        select: { id: true },
      });
      await availabilityOver(
        deps,
        page.map((m) => m.id),
        windows,
      );
    }),
    await time('detail: uptime x5 per port', () => availabilityOver(deps, ['m1'], windows, { perPort: true })),
    await time('detail: 90-day bars', () => dailyBars(deps, ['m1'], 90, 'Asia/Seoul', now)),
    await time('detail: 1-year response time', () => latencySeries(deps, 'm1', 'YEAR')),
    await time(`sla: one customer, ${HOSTS} hosts`, () =>
      monthlySlaReport(deps, viewer, { month: new Date(now.getTime() + 9 * 3_600_000).toISOString().slice(0, 7) }),
    ),
  ];
  const results = timed.filter((r) => r !== null);
  if (EXPLAIN && kind === 'postgres') {
    const page = await p.monitor.findMany({
      where: { accountId: account.id, deletedAt: null },
      orderBy: MONITOR_ORDER,
      take: 50,
      select: { id: true },
    });
    const year = new Date(now.getTime() - 365 * DAY);
    const plans = {
      // the incidents of the list's 50 hosts over 365 days (load.ts's read, as SQL)
      listIncidents: Prisma.sql`SELECT id, "monitorId", ports, reason, flapping, "openedAt", "resolvedAt" FROM "Incident"
        WHERE kind = 'HOST_DOWN' AND "monitorId" IN (${Prisma.join(page.map((m) => m.id))})
          AND "openedAt" < ${now} AND ("resolvedAt" IS NULL OR "resolvedAt" > ${year}) ORDER BY "openedAt"`,
      // the hourly rows of one host's year (packed days + the current day's rows)
      yearRollups: hourlyRollups({ monitor: Prisma.sql`r."monitorId" = ${'m1'}`, from: year }),
    };
    for (const [name, sql] of Object.entries(plans)) {
      const rows = await p.$queryRaw<{ 'QUERY PLAN': string }[]>`EXPLAIN (ANALYZE, BUFFERS) ${sql}`;
      process.stderr.write(`\n-- ${name}\n${rows.map((r) => r['QUERY PLAN']).join('\n')}\n`);
    }
  }
  const figure = (prefix: string) => results.find((r) => r.name.startsWith(prefix));
  // the goals beside what was measured (wall: median; CPU: this process's per operation)
  const goals = {
    listWithUptime: { goalMs: 200, ...pick(figure('list page (50 hosts) + uptime')) },
    detailYearChart: { goalMs: 300, ...pick(figure('detail: 1-year')) },
  };
  console.log(
    JSON.stringify({
      bench: 'history',
      db: kind,
      ports: PORTS,
      hosts: HOSTS,
      incidents: HOSTS * 12,
      seedMs: Math.round(seedMs),
      rounds: ROUNDS,
      loadavg: loadavg()[0],
      results,
      goals,
    }),
  );
} finally {
  await db.close();
  await bench.drop();
}
