// A probe process for the continuity suite: the real probe runtime on DATABASE_URL wired as
// server/main.ts wires it (node registry under NODE_NAME, LISTEN/NOTIFY wake-ups, short leases
// from LEASE_TTL_MS), printing every check result as it is processed
// ("CHECK <monitorId> <port> <at> <ok>") and its shard count ("SHARDS <n>"). SIGTERM stops it
// gracefully (hands the shards over), as systemd does.
import { openDatabase } from '../../server/db/index.ts';
import { createNodeRegistry } from '../../server/cluster/nodes.ts';
import { createClusterListener } from '../../server/cluster/signal.ts';
import { createEvents } from '../../server/events/events.ts';
import { createProbeRuntime } from '../../server/monitoring/runtime.ts';

const url = process.env.DATABASE_URL!;
const nodeId = `${process.env.NODE_NAME ?? 'node'}-${process.pid}`;
const ttlMs = Number(process.env.LEASE_TTL_MS ?? 3_000);
const renewMs = Math.round(ttlMs / 3);
const db = await openDatabase({ kind: 'postgres', url, poolSize: 3 }, { migrate: false });
const events = createEvents();
// every check is recorded: the engine asks whether anyone listens before it builds the event
events.wantsCheckResult = () => true;
const publish = events.checkResult;
events.checkResult = (e) => {
  process.stdout.write(`CHECK ${e.monitorId} ${e.port} ${e.at.getTime()} ${e.ok ? 1 : 0}\n`);
  publish(e);
};
const node = createNodeRegistry({
  prisma: db.prisma,
  nodeId,
  instance: process.env.NODE_NAME ?? null,
  probing: true,
  deadAfterMs: ttlMs,
  heartbeatMs: renewMs,
});
const wake = createClusterListener({ url, nodeId });
const probe = createProbeRuntime({
  prisma: db.prisma,
  events,
  nodeId,
  node,
  wake,
  leaseTtlMs: ttlMs,
  leaseRenewMs: renewMs,
  flushMs: 200,
  groupingDelayMs: 300,
  resyncMs: 1_000,
  guardPolicy: { minHosts: 1_000_000 },
  log: (level, msg, extra) => {
    if (level !== 'debug')
      process.stderr.write(`${Date.now()} [${nodeId}] ${level} ${msg} ${JSON.stringify(extra ?? {}).slice(0, 3000)}\n`);
  },
});
await node.start();
await wake.start();
await probe.start();
const shards = setInterval(() => process.stdout.write(`SHARDS ${probe.stats().ownedShards}\n`), 100);
process.on('SIGTERM', () => {
  clearInterval(shards);
  void (async () => {
    await probe.stop();
    await wake.close();
    await node.stop();
    await db.close();
    process.stdout.write('STOPPED\n');
    process.exit(0);
  })();
});
