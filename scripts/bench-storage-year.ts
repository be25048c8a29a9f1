// A simulated year of monitoring in the real tables' shapes (issue 21): 10,000 ports (5 per
// host), 1 % always down, 1 % flapping, the rest healthy with one failed check a week and a
// one-hour outage a month; written with bulk SQL (server-side generate_series), one statement
// per month and table, into the product's monthly partitions (the host rows with the statement
// packing uses, a month at a time). Then the database's own size
// counters and the time of each logs / statistics screen's query through the real service
// functions (first call and median of 5), per kind of host.
// Usage: npm run bench:storage -- --year [--ports 10000] [--year-of 2026] [--keep]
// Needs TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres). Last line JSON.
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../server/db/index.ts';
import { ensurePartitions } from '../server/db/partitions.ts';
import { createEvents } from '../server/events/events.ts';
import { createSignals } from '../server/events/signals.ts';
import { countFailures, getMonitorLog, listFailures, type LogGranularity } from '../server/services/logs.ts';
import { Prisma } from '../server/generated/prisma/client.ts';
import { hostDaysSql } from '../server/services/rollups/host-days.ts';
import { getYearlyStatistics } from '../server/services/statistics.ts';
import type { ServiceDeps, Viewer } from '../server/services/types.ts';
import { benchDatabase } from './bench-db.ts';

const { values } = parseArgs({
  options: {
    year: { type: 'boolean', default: true },
    ports: { type: 'string', default: '10000' },
    'year-of': { type: 'string', default: '2026' },
    keep: { type: 'boolean', default: false },
  },
  strict: false,
});
const PORTS_PER_HOST = 5;
const HOSTS = Math.max(100, Math.round(Number(values.ports) / PORTS_PER_HOST));
const YEAR = Number(values['year-of']);
const TZ = 'Asia/Seoul';
const TABLES = [
  'PortDayRollup',
  'HostDayRollup',
  'HourlyRollup',
  'FailureRun',
  'Incident',
  'Notification',
  'NotificationEvent',
  'DailyRollup',
] as const;

const database = await benchDatabase('postgres', 'storage-year');
const url = database.env.DATABASE_URL!;
const db = await openDatabase({ kind: 'postgres', url, poolSize: 2 });
const c = new pg.Client({ connectionString: url });
await c.connect();
const cpu0 = process.cpuUsage();
const t0 = Date.now();
const log = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${msg}`);

try {
  // partitions for the simulated year (the product keeps three months ahead; a year back is filled here)
  await ensurePartitions(db.prisma, new Date(Date.UTC(YEAR, 0, 1)), 12);
  const account = `c${'bench'.padEnd(24, '0')}`;
  await c.query(
    `INSERT INTO "Account" ("id","loginId","name","email","passwordHash","kind","language","updatedAt","role")
     VALUES ($1,'bench','Bench','bench@example.com','x','HOSTING','en',now(),'ADMIN')`,
    [account],
  );
  // hosts: kind in contactName (down: the first 1 %, flapping: the next 1 %), 25-character ids like cuid()
  const down = Math.max(1, Math.round(HOSTS / 100));
  await c.query(
    `INSERT INTO "Server" ("id","ip","accountId","source","allowPrivate")
       SELECT 's' || substr(md5('s' || i), 1, 24), '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256), $1, 'HOSTING_INVENTORY', true
       FROM generate_series(0, $2 - 1) i`,
    [account, HOSTS],
  );
  await c.query(
    `INSERT INTO "Monitor" ("id","accountId","serverId","activeServerId","host","ports","contactName","contactEmail","updatedAt")
       SELECT 'c' || substr(md5('m' || i), 1, 24), $1, 's' || substr(md5('s' || i), 1, 24), 's' || substr(md5('s' || i), 1, 24),
         '10.' || (i / 65536) || '.' || (i / 256 % 256) || '.' || (i % 256), '{22,80,443,3306,8080}',
         CASE WHEN i < $3 THEN 'down' WHEN i < 2 * $3 THEN 'flapping' ELSE 'healthy' END, 'c@example.com', now()
       FROM generate_series(0, $2 - 1) i`,
    [account, HOSTS, down],
  );
  log(
    `${HOSTS} hosts, ${HOSTS * PORTS_PER_HOST} ports (${down * PORTS_PER_HOST} down, ${down * PORTS_PER_HOST} flapping)`,
  );

  // incidents and the ledger: down hosts one incident all year; flapping hosts one a day; healthy hosts one hour a month
  await c.query(
    `CREATE TEMP TABLE inc AS
     SELECT 'i' || substr(md5(m.id || d::text), 1, 24) AS id, m.id AS monitor, m.host, m."contactName" AS kind, d AS opened,
       CASE m."contactName" WHEN 'down' THEN NULL WHEN 'flapping' THEN d + interval '20 hours' ELSE d + interval '1 hour' END AS resolved
     FROM "Monitor" m CROSS JOIN LATERAL (
       SELECT g AS d FROM generate_series($1::timestamp, $2::timestamp - interval '1 day', interval '1 day') g
       WHERE CASE m."contactName" WHEN 'down' THEN g = $1::timestamp WHEN 'flapping' THEN true
         ELSE extract(day from g) = 1 + abs(hashtext(m.id)) % 28 END) x`,
    [new Date(Date.UTC(YEAR, 0, 1)), new Date(Date.UTC(YEAR + 1, 0, 1))],
  );
  await c.query(
    `INSERT INTO "Incident" ("id","monitorId","accountId","host","ports","reason","openedAt","resolvedAt","flapping","closeReason","openMonitorId")
     SELECT id, monitor, $1, host, '{22,80,443,3306,8080}', 'connect ECONNREFUSED', opened, resolved, kind = 'flapping',
       CASE WHEN resolved IS NULL THEN NULL ELSE 'RECOVERED'::"IncidentCloseReason" END, CASE WHEN resolved IS NULL THEN monitor END
     FROM inc`,
    [account],
  );
  await c.query(
    `INSERT INTO "Notification" ("id","incidentId","accountId","kind","channel","recipient","recipientRole","status","attempts","sentAt","createdAt","updatedAt","nextAttemptAt")
     SELECT 'n' || substr(md5(i.id || k || ch), 1, 24), i.id, $1, k::"NotificationKind", ch::"Channel",
       CASE ch WHEN 'EMAIL' THEN 'c@example.com' ELSE '+821012345678' END, 'CONTACT', 'YES', 1, at, at, at, at
     FROM inc i CROSS JOIN LATERAL (VALUES ('DOWN', 'EMAIL', i.opened), ('DOWN', 'SMS', i.opened), ('RECOVERED', 'EMAIL', i.resolved)) v(k, ch, at)
     WHERE at IS NOT NULL`,
    [account],
  );
  await c.query(
    `INSERT INTO "NotificationEvent" ("notificationId","at","status","detail")
     SELECT n.id, n."createdAt" + s.o * interval '1 second', s.st::"NotificationStatus", CASE WHEN s.st = 'YES' THEN '250 2.0.0 OK queued' END
     FROM "Notification" n CROSS JOIN (VALUES (0, 'QUEUED'), (1, 'SENDING'), (2, 'YES')) s(o, st)`,
  );
  log('incidents and ledger written');

  // failure runs: down ports one run a day (480 checks), flapping ports one flapping run a day
  // (288 checks), healthy ports one failed check a week
  for (let m = 0; m < 12; m++) {
    const from = new Date(Date.UTC(YEAR, m, 1));
    const to = new Date(Date.UTC(YEAR, m + 1, 1));
    await c.query(
      `INSERT INTO "FailureRun" ("monitorId","port","firstAt","lastAt","count","slots","code","message","latencyMs","flapping","incidentId")
       SELECT m.id, p.port, d + interval '1 second' * (p.port % 60), d + interval '23 hours 57 minutes', 
         CASE m."contactName" WHEN 'down' THEN 480 ELSE 288 END,
         array_fill(CASE m."contactName" WHEN 'down' THEN 5 ELSE 3 END::smallint, ARRAY[96]),
         'ECONNREFUSED', 'connect ECONNREFUSED ' || m.host || ':' || p.port, 1.5, m."contactName" = 'flapping',
         (SELECT i.id FROM inc i WHERE i.monitor = m.id AND i.opened <= d ORDER BY i.opened DESC LIMIT 1)
       FROM generate_series($1::timestamp, $2::timestamp - interval '1 day', interval '1 day') d
       CROSS JOIN "Monitor" m CROSS JOIN unnest(m.ports) p(port)
       WHERE m."contactName" <> 'healthy'
       UNION ALL
       SELECT m.id, p.port, w, w, 1, '{1}', 'ETIMEDOUT', 'connect ETIMEDOUT ' || m.host || ':' || p.port, 5000, false, NULL
       FROM generate_series($1::timestamp + interval '3 hours', $2::timestamp - interval '1 second', interval '7 days') w
       CROSS JOIN "Monitor" m CROSS JOIN unnest(m.ports) p(port)
       WHERE m."contactName" = 'healthy'`,
      [from, to],
    );
  }
  log('failure runs written');

  // hourly rollups: 20 checks an hour per port (180 s), packed per port and UTC day as the product
  // writes them once a day is over (day by day, a day's rows in (monitor, port) order)
  const fill = (kind: string, v: string, type: string) =>
    `CASE WHEN m."contactName" IN (${kind}) THEN array_fill(${v}::${type}, ARRAY[24]) END`;
  // a figure the same in every hour: one element (docs/storage.md "Uniform hours")
  const one = (kind: string, v: string) => `CASE WHEN m."contactName" IN (${kind}) THEN ARRAY[${v}::smallint] END`;
  for (let m = 0; m < 12; m++) {
    const from = new Date(Date.UTC(YEAR, m, 1));
    const to = new Date(Date.UTC(YEAR, m + 1, 1));
    await c.query(
      `INSERT INTO "PortDayRollup" ("monitorId","port","day","hours","checks","failures","latencyCount","latencySumMs","latencyMinUs","latencyMaxUs","downSeconds","flapSeconds")
       SELECT m.id, p.port, d, ${(1 << 24) - 1}, ARRAY[20::smallint],
         CASE m."contactName" WHEN 'down' THEN ARRAY[20::smallint] WHEN 'flapping' THEN ARRAY[12::smallint] END,
         NULL,
         CASE m."contactName" WHEN 'flapping' THEN array_fill(12::float8, ARRAY[24]) WHEN 'healthy' THEN array_fill(36::float8, ARRAY[24]) END,
         ${fill("'flapping','healthy'", '1200', 'int')}, ${fill("'flapping','healthy'", '2900', 'int')},
         ${one("'down'", '3600')}, ${one("'flapping'", '3600')}
       FROM generate_series($1::timestamp, $2::timestamp - interval '1 day', interval '1 day') d
       CROSS JOIN "Monitor" m CROSS JOIN unnest(m.ports) p(port)
       ORDER BY d, m.id, p.port`,
      [from, to],
    );
    // the host rows, as packing writes them with the day rows (here a month per statement)
    await db.prisma.$executeRaw(
      hostDaysSql(
        Prisma.sql`SELECT DISTINCT "monitorId", "day" FROM "PortDayRollup" WHERE "day" >= ${from} AND "day" < ${to}`,
        true,
      ),
    );
    log(`hourly rollups (packed days and host rows) ${YEAR}-${String(m + 1).padStart(2, '0')}`);
  }
  await c.query('VACUUM ANALYZE');
  const writeMs = Date.now() - t0;

  // sizes from the database's own counters (partitions summed into their table)
  const sizes = await c.query<{ table: string; bytes: string; rows: string }>(
    `SELECT c.relname AS table, sum(pg_total_relation_size(l.relid))::text AS bytes, sum(greatest(lc.reltuples, 0))::bigint::text AS rows
     FROM pg_class c CROSS JOIN LATERAL (SELECT relid FROM pg_partition_tree(c.oid) WHERE isleaf UNION ALL SELECT c.oid WHERE c.relkind = 'r') l JOIN pg_class lc ON lc.oid = l.relid
     WHERE c.relname = ANY($1::text[]) AND NOT c.relispartition GROUP BY c.relname`,
    [TABLES],
  );
  const [{ total }] = (await c.query<{ total: string }>('SELECT pg_database_size(current_database())::text AS total'))
    .rows as [{ total: string }];
  const tables = Object.fromEntries(sizes.rows.map((r) => [r.table, { bytes: Number(r.bytes), rows: Number(r.rows) }]));
  const portDays = (HOSTS * PORTS_PER_HOST * (Date.UTC(YEAR + 1, 0, 1) - Date.UTC(YEAR, 0, 1))) / 86_400_000;
  for (const [t, s] of Object.entries(tables))
    console.log(
      `${t.padEnd(18)} ${(s.bytes / 1e9).toFixed(3)} GB  ${s.rows} rows  ${Math.round(s.bytes / portDays)} B/port-day`,
    );
  console.log(`database total     ${(Number(total) / 1e9).toFixed(3)} GB (goal ≤ 5 GB)`);

  // the screens' queries through the service functions
  const admin: Viewer = {
    accountId: account,
    loginId: 'bench',
    role: 'ADMIN',
    kind: null,
    language: 'en',
    via: 'session',
  };
  const deps: ServiceDeps = {
    prisma: db.prisma,
    events: createEvents(),
    signals: createSignals(),
    now: () => new Date(Date.UTC(YEAR, 11, 31, 12)),
    secret: 'bench-installation-secret-0123456789',
    publicUrl: 'https://pw.example.com',
  };
  const ids = (
    await c.query<{ id: string; kind: string }>(
      `SELECT id, "contactName" AS kind FROM "Monitor" ORDER BY "createdAt", id`,
    )
  ).rows;
  const pick = (kind: string) => ids.find((r) => r.kind === kind)!.id;
  const hosts = { down: pick('down'), flapping: pick('flapping'), healthy: pick('healthy') };
  const page = ids.slice(0, 20).map((r) => r.id); // one page of the statistics screen (down, flapping and healthy hosts)
  const yFrom = new Date(Date.UTC(YEAR - 1, 11, 31, 15)); // 00:00 in Seoul
  const yTo = new Date(Date.UTC(YEAR, 11, 31, 15));
  const mFrom = new Date(Date.UTC(YEAR, 5, 30, 15));
  const mTo = new Date(Date.UTC(YEAR, 6, 31, 15));
  const dFrom = new Date(Date.UTC(YEAR, 6, 14, 15));
  const dTo = new Date(Date.UTC(YEAR, 6, 15, 15));
  const logAt = (monitorId: string, granularity: LogGranularity, from: Date, to: Date) => () =>
    getMonitorLog(deps, admin, { monitorId, granularity, from, to, timeZone: TZ });
  const screens: Record<string, (id: string) => () => Promise<unknown>> = {
    'log by year (10 years)': (id) => logAt(id, 'YEAR', new Date(Date.UTC(YEAR - 9, 0, 1)), yTo),
    'log by month (a year)': (id) => logAt(id, 'MONTH', yFrom, yTo),
    'log by day (a month)': (id) => logAt(id, 'DAY', mFrom, mTo),
    'log by hour (a day)': (id) => logAt(id, 'HOUR', dFrom, dTo),
    'failure list, first 50 of a year': (id) => () =>
      listFailures(deps, admin, { monitorId: id, from: yFrom, to: yTo }, { take: 50 }),
    'failure count, a year': (id) => () => countFailures(deps, admin, { monitorId: id, from: yFrom, to: yTo }),
    'failure list, a day': (id) => () =>
      listFailures(deps, admin, { monitorId: id, from: dFrom, to: dTo }, { take: 50 }),
    'yearly statistics, one host, all years': (id) => () =>
      getYearlyStatistics(deps, admin, { monitorIds: [id], timeZone: TZ }),
  };
  const timings: Record<string, Record<string, { firstMs: number; medianMs: number }>> = {};
  const time = async (fn: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 6; i++) {
      const s = performance.now();
      await fn();
      ms.push(performance.now() - s);
    }
    const rest = ms.slice(1).sort((a, b) => a - b);
    return { firstMs: Math.round(ms[0]! * 10) / 10, medianMs: Math.round(rest[2]! * 10) / 10 };
  };
  for (const [screen, make] of Object.entries(screens)) {
    timings[screen] = {};
    for (const [kind, id] of Object.entries(hosts)) timings[screen][kind] = await time(make(id));
  }
  timings['yearly statistics, a page of 20 hosts, one year'] = {
    page: await time(() => getYearlyStatistics(deps, admin, { monitorIds: page, year: YEAR, timeZone: TZ })),
  };
  timings['yearly statistics, a page of 20 hosts, all years'] = {
    page: await time(() => getYearlyStatistics(deps, admin, { monitorIds: page, timeZone: TZ })),
  };
  let slowest = 0;
  for (const [screen, byKind] of Object.entries(timings)) {
    const parts = Object.entries(byKind).map(([k, v]) => `${k} ${v.firstMs}/${v.medianMs}`);
    slowest = Math.max(slowest, ...Object.values(byKind).map((v) => v.medianMs));
    console.log(`${screen.padEnd(48)} ${parts.join('  ')} ms (first/median)`);
  }
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      bench: 'storage-year',
      ports: HOSTS * PORTS_PER_HOST,
      portDays,
      totalBytes: Number(total),
      bytesPerPortDay: Math.round(Number(total) / portDays),
      tables,
      writeMs,
      clientCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      slowestMedianMs: slowest,
      timings,
    }),
  );
} finally {
  await c.end();
  await db.close();
  if (!values.keep) await database.drop();
  else console.log(`kept: ${url}`);
}
