// What the list-order triggers (migration monitor_list_order: Monitor.failing / down /
// hostOrder kept from PortState) cost the probe's write path, and what the ordered list page
// costs. Writes port states through the probe's own writeBatch, in 1,000-row batches, with the
// PortState triggers on and off (ALTER TABLE … DISABLE TRIGGER USER), in one run:
//   first   every port's first state (INSERT: the trigger runs for each row)
//   steady  the 10-minute refresh of steady ports (UPDATE, phase unchanged: the WHEN clause skips it)
//   change  1 % of the ports change phase (UP → DOWN: the trigger updates the monitor)
// then times the first page of the failing-first, numeric-IP list over every monitor.
//   npm run bench:list-order -- --monitors 20000 --db pglite|postgres
// Prints one JSON line last. CPU is this process's (PGlite runs in it; with PostgreSQL the
// server's work shows as wall time).
import { performance } from 'node:perf_hooks';
import { openDatabase } from '../server/db/index.ts';
import { emptyBatch, writeBatch, type PortStateRow } from '../server/monitoring/store.ts';
import { MONITOR_ORDER } from '../server/services/monitor-queries.ts';
import { benchDatabase } from './bench-db.ts';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
};
const N = Number(arg('monitors', '20000'));
const kind = arg('db', 'pglite');
const PORTS = [22, 80];

const bench = await benchDatabase(kind, 'portwatch-list-order');
const db = await openDatabase(
  kind === 'postgres'
    ? { kind: 'postgres', url: bench.env.DATABASE_URL! }
    : { kind: 'pglite', dataDir: bench.env.DATA_DIR! },
);
const p = db.prisma;
try {
  const account = await p.account.create({
    data: { loginId: 'bench', name: 'bench', email: 'b@example.com', passwordHash: 'x', kind: 'HOSTING' },
  });
  const ip = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  for (let start = 0; start < N; start += 1000) {
    const n = Math.min(1000, N - start);
    await p.server.createMany({
      data: Array.from({ length: n }, (_, k) => ({
        id: `s${start + k}`,
        ip: ip(start + k + 1),
        accountId: account.id,
        source: 'HOSTING_INVENTORY' as const,
      })),
    });
    await p.monitor.createMany({
      data: Array.from({ length: n }, (_, k) => ({
        id: `m${start + k}`,
        accountId: account.id,
        serverId: `s${start + k}`,
        activeServerId: `s${start + k}`,
        host: ip(start + k + 1),
        ports: PORTS,
        contactName: 'c',
        contactEmail: 'c@example.com',
      })),
    });
  }
  const row = (i: number, port: number, phase: 'UP' | 'DOWN', at: Date): PortStateRow => ({
    monitorId: `m${i}`,
    port,
    phase,
    consecutiveFailures: phase === 'DOWN' ? 3 : 0,
    consecutiveSuccesses: phase === 'UP' ? 1 : 0,
    since: at,
    lastCheckAt: at,
    lastOk: phase === 'UP',
    lastLatencyMs: 1,
    lastErrorCode: null,
    lastErrorMessage: null,
    flapHistory: '',
    flapping: false,
    flappingSince: null,
  });
  async function write(rows: PortStateRow[]): Promise<{ cpuUsPerRow: number; wallUsPerRow: number }> {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < rows.length; i += 1000) {
      const b = emptyBatch();
      for (const r of rows.slice(i, i + 1000)) b.portStates.set(`${r.monitorId}:${r.port}`, r);
      await writeBatch(p, b);
    }
    const cpu = process.cpuUsage(cpu0);
    return {
      cpuUsPerRow: Math.round(((cpu.user + cpu.system) / rows.length) * 10) / 10,
      wallUsPerRow: Math.round(((performance.now() - t0) * 1000) / rows.length),
    };
  }
  const triggers = (on: boolean) =>
    p.$executeRawUnsafe(`ALTER TABLE "PortState" ${on ? 'ENABLE' : 'DISABLE'} TRIGGER USER`);
  const all = (phase: (i: number) => 'UP' | 'DOWN', at: Date) =>
    Array.from({ length: N }, (_, i) => PORTS.map((port) => row(i, port, phase(i), at))).flat();
  const result: Record<string, Record<string, { cpuUsPerRow: number; wallUsPerRow: number }>> = {};
  for (const on of [false, true]) {
    const key = on ? 'triggersOn' : 'triggersOff';
    await p.portState.deleteMany({});
    await triggers(on);
    const r: Record<string, { cpuUsPerRow: number; wallUsPerRow: number }> = {};
    r.first = await write(all(() => 'UP', new Date()));
    r.steady = await write(all(() => 'UP', new Date()));
    r.change = await write(
      all((i) => (i % 100 === 0 ? 'DOWN' : 'UP'), new Date()).filter((x) => Number(x.monitorId.slice(1)) % 100 === 0),
    );
    result[key] = r;
  }
  const failing = await p.monitor.count({ where: { failing: true } });
  // the list's first page and a deep page, ordered failing first then by IP
  const page = async (skipPages: number) => {
    const t0 = performance.now();
    let cursor: string | undefined;
    for (let i = 0; i <= skipPages; i++) {
      const rows = await p.monitor.findMany({
        take: 50,
        ...(cursor ? { skip: 1, cursor: { id: cursor } } : {}),
        where: { deletedAt: null },
        orderBy: MONITOR_ORDER,
        select: { id: true },
      });
      cursor = rows.at(-1)?.id;
    }
    return Math.round((performance.now() - t0) / (skipPages + 1));
  };
  const firstPageMs = await page(0);
  const pageMs = await page(9);
  console.log(
    JSON.stringify({
      monitors: N,
      ports: N * PORTS.length,
      db: kind,
      ...result,
      failingMonitors: failing,
      listFirstPageMs: firstPageMs,
      listPageMsOver10Pages: pageMs,
      loadAverage: (await import('node:os')).loadavg().map((x) => Math.round(x * 10) / 10),
    }),
  );
} finally {
  await db.close();
  await bench.drop();
}
