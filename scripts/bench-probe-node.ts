// One probe process of `bench:probe --processes K` (forked by scripts/bench-probe-processes.ts):
// the real probe runtime on the bench's PostgreSQL database under its own node id, sharing the
// shards with its siblings through the leases as production processes do. It counts which ports
// it checked inside the window its parent opens and closes, then writes them to the table
// "BenchSeen" (node, monitor, port, checks) so the parent can tell, exactly, which ports were
// checked by no process or by more than one.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { openDatabase } from '../server/db/index.ts';
import { createEvents } from '../server/events/events.ts';
import { runCheck } from '../server/probe/index.ts';
import { createProbeRuntime, type ProbeRuntimeOptions } from '../server/monitoring/runtime.ts';

export type ToNode = { type: 'window-start' } | { type: 'window-end' } | { type: 'stop' };
export type FromNode =
  | { type: 'monitors'; monitors: number; checksDone: number }
  | {
      type: 'result';
      node: string;
      checks: number;
      distinctPorts: number;
      seconds: number;
      cpuUs: { user: number; system: number };
      lateness: { p50: number; p99: number; max: number };
      eventLoopDelayP99Ms: number;
      rssMb: number;
      ownedShards: number;
    }
  | { type: 'stopped' };

type Target = Parameters<NonNullable<ProbeRuntimeOptions['check']>>[0];

const url = process.env.BENCH_DATABASE_URL;
const node = process.env.BENCH_NODE_ID;
if (!url || !node || !process.send) throw new Error('bench-probe-node runs forked by bench-probe-processes.ts');
const send = (m: FromNode) => process.send?.(m);

const db = await openDatabase({ kind: 'postgres', url, poolSize: 10 });
const p = db.prisma;
let counting = false;
let checks = 0;
/** Checks per monitor id and port inside the window. */
const seen = new Map<string, Map<number, number>>();
const check = (t: Target, o: { timeoutMs: number; localAddress?: string }) => {
  if (counting && t.monitorId) {
    checks += 1;
    let ports = seen.get(t.monitorId);
    if (!ports) seen.set(t.monitorId, (ports = new Map()));
    ports.set(t.port, (ports.get(t.port) ?? 0) + 1);
  }
  return runCheck(t, o);
};
const probe = createProbeRuntime({ prisma: p, events: createEvents(), nodeId: node, flushMs: 500, check });
await probe.start();
const report = setInterval(() => {
  const s = probe.stats();
  send({ type: 'monitors', monitors: s.monitors, checksDone: s.checksDone });
}, 500);

let started = 0;
let cpu0 = process.cpuUsage();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
let rssMax = 0;
const rssTimer = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 500);

process.on('message', (m: ToNode) => {
  if (m.type === 'window-start') {
    // stats() takes (and resets) the lateness window: no more reports until the window ends
    clearInterval(report);
    probe.stats();
    counting = true;
    started = Date.now();
    cpu0 = process.cpuUsage();
    loopDelay.enable();
    rssMax = 0;
  } else if (m.type === 'window-end') {
    counting = false;
    const cpu = process.cpuUsage(cpu0);
    const s = probe.stats();
    loopDelay.disable();
    void writeSeen().then(() =>
      send({
        type: 'result',
        node,
        checks,
        distinctPorts: [...seen.values()].reduce((n, ports) => n + ports.size, 0),
        seconds: (Date.now() - started) / 1000,
        cpuUs: { user: cpu.user, system: cpu.system },
        lateness: { p50: s.lateness.p50, p99: s.lateness.p99, max: s.lateness.max },
        eventLoopDelayP99Ms: Math.round(loopDelay.percentile(99) / 1e5) / 10,
        rssMb: Math.round(rssMax / 1048576),
        ownedShards: s.ownedShards,
      }),
    );
  } else if (m.type === 'stop') {
    clearInterval(report);
    clearInterval(rssTimer);
    // no final flush: at a million ports it takes minutes and is not what is measured
    void db.close().then(() => {
      send({ type: 'stopped' });
      process.exit(0);
    });
  }
});

/** This process's window, as rows of "BenchSeen" (made by the parent), in pages. */
async function writeSeen(): Promise<void> {
  const rows = [...seen].flatMap(([monitorId, ports]) => [...ports].map(([port, n]) => [monitorId, port, n] as const));
  for (let i = 0; i < rows.length; i += 50_000) {
    const page = rows.slice(i, i + 50_000);
    await p.$executeRawUnsafe(
      `INSERT INTO "BenchSeen" ("node", "monitorId", "port", "checks")
       SELECT $1, m, pt, n FROM unnest($2::text[], $3::int[], $4::int[]) AS t(m, pt, n)`,
      node,
      page.map((r) => r[0]),
      page.map((r) => r[1]),
      page.map((r) => r[2]),
    );
  }
}
