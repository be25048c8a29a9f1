// `bench:probe --processes K` (PostgreSQL): K probe processes (scripts/bench-probe-node.ts) on the
// bench's database split the registered ports by the shard leases, as K production processes
// do. Once they together hold every monitor and have warmed up, each counts the ports it checks
// for one interval plus a margin; then the database says exactly how many ports no process
// checked (missed) and how many more than one process checked (twice). Also: checks/s, CPU per
// check and lateness per process, and the start-up time to the whole load.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromNode, ToNode } from './bench-probe-node.ts';

type Result = Extract<FromNode, { type: 'result' }>;

export interface ProcessesRun {
  url: string;
  processes: number;
  ports: number;
  intervalS: number;
  warmupS: number;
  /** Runs a statement on the bench database (the parent's connection): rows, or none. */
  query<T>(sql: string): Promise<T[]>;
  exec(sql: string): Promise<unknown>;
  say(m: string): void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runProcesses(o: ProcessesRun) {
  await o.exec(
    `CREATE UNLOGGED TABLE "BenchSeen" ("node" text NOT NULL, "monitorId" text NOT NULL, "port" int NOT NULL, "checks" int NOT NULL)`,
  );
  const monitors = new Map<string, number>();
  const results: Result[] = [];
  const stopped: Promise<void>[] = [];
  const children: ChildProcess[] = [];
  const loadStart = Date.now();
  for (let i = 0; i < o.processes; i++) {
    const node = `bench-${i + 1}`;
    const child = fork(fileURLToPath(new URL('./bench-probe-node.ts', import.meta.url)), [], {
      execArgv: [
        '--import',
        'tsx',
        ...process.execArgv.filter((a) => a.startsWith('--max-old-space-size') || a === '--no-memory-reducer'),
      ],
      env: { ...process.env, BENCH_DATABASE_URL: o.url, BENCH_NODE_ID: node },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.on('message', (m: FromNode) => {
      if (m.type === 'monitors') monitors.set(node, m.monitors);
      else if (m.type === 'result') results.push(m);
    });
    stopped.push(new Promise((r) => child.once('exit', () => r())));
    children.push(child);
  }
  const total = () => [...monitors.values()].reduce((a, b) => a + b, 0);
  // loaded: the processes together hold every monitor, each its share of the shards (the first
  // to start may hold them all until the leases hand them over), the same for a second
  let stable = 0;
  while (stable < 5 && Date.now() - loadStart < 30 * 60_000) {
    await sleep(200);
    const shared = monitors.size === o.processes && [...monitors.values()].every((n) => n > 0);
    stable = shared && total() === o.ports ? stable + 1 : 0;
  }
  const loadMs = Date.now() - loadStart;
  o.say(`${o.processes} processes hold ${total()} monitors after ${loadMs} ms (${JSON.stringify([...monitors])})`);
  await sleep(o.warmupS * 1000);
  const send = (m: ToNode) => {
    for (const c of children) c.send(m);
  };
  // one interval and a margin for lateness: every port is due at least once in it
  const windowS = o.intervalS + 5;
  o.say(`counting checks for ${windowS} s…`);
  send({ type: 'window-start' });
  await sleep(windowS * 1000);
  send({ type: 'window-end' });
  while (results.length < o.processes) await sleep(200);
  const [counts] = await o.query<{ expected: string; seen: string; missed: string; twice: string; again: string }>(
    `WITH expected AS (
       SELECT m."id" AS "monitorId", p AS "port" FROM "Monitor" m CROSS JOIN LATERAL unnest(m."ports") AS p
       WHERE m."deletedAt" IS NULL AND m."pausedAt" IS NULL
     ), seen AS (
       SELECT "monitorId", "port", count(DISTINCT "node") AS nodes, sum("checks") AS checks FROM "BenchSeen" GROUP BY 1, 2
     )
     SELECT (SELECT count(*) FROM expected)::text AS expected,
       (SELECT count(*) FROM seen)::text AS seen,
       (SELECT count(*) FROM expected e WHERE NOT EXISTS (SELECT 1 FROM seen s WHERE s."monitorId" = e."monitorId" AND s."port" = e."port"))::text AS missed,
       (SELECT count(*) FROM seen WHERE nodes > 1)::text AS twice,
       (SELECT count(*) FROM seen WHERE checks > 1)::text AS again`,
  );
  send({ type: 'stop' });
  await Promise.race([Promise.all(stopped), sleep(60_000)]);
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  const checks = results.reduce((n, r) => n + r.checks, 0);
  const cpuUs = results.reduce((n, r) => n + r.cpuUs.user + r.cpuUs.system, 0);
  const seconds = Math.max(...results.map((r) => r.seconds));
  return {
    processes: o.processes,
    windowS: Math.round(seconds),
    checksPerSec: Math.round((checks / seconds) * 10) / 10,
    cpuMsPerCheck: Math.round(cpuUs / Math.max(1, checks)) / 1000,
    lateP99Ms: Math.round(Math.max(...results.map((r) => r.lateness.p99))),
    loadMs,
    portsExpected: Number(counts?.expected),
    /** Ports no process checked within one interval (+5 s). */
    missed: Number(counts?.missed),
    /** Ports checked by more than one process in the window. */
    checkedByTwoProcesses: Number(counts?.twice),
    /** Ports checked more than once in the window (retries of failing ports, or a due time on both edges). */
    checkedAgain: Number(counts?.again),
    perProcess: results
      .sort((a, b) => a.node.localeCompare(b.node))
      .map((r) => ({
        node: r.node,
        monitors: monitors.get(r.node),
        ownedShards: r.ownedShards,
        checks: r.checks,
        ports: r.distinctPorts,
        cpuMsPerCheck: Math.round((r.cpuUs.user + r.cpuUs.system) / Math.max(1, r.checks)) / 1000,
        lateP99Ms: Math.round(r.lateness.p99),
        lateMaxMs: Math.round(r.lateness.max),
        eventLoopDelayP99Ms: r.eventLoopDelayP99Ms,
        rssMb: r.rssMb,
        /** the whole process (runtime, libraries and its share of the ports), per port it holds */
        processRssBytesPerPort: Math.round((r.rssMb * 1048576) / Math.max(1, monitors.get(r.node) ?? 1)),
      })),
  };
}
