// A probe process for the SIGKILL fault suite: the real probe runtime on DATABASE_URL, printing
// every check result as it is processed ("CHECK <monitorId> <port> <at> <ok>") and its shard
// count ("SHARDS <n>"). Linux writes to a pipe synchronously, so a line printed is a line read.
import { openDatabase } from '../../server/db/index.ts';
import { createEvents } from '../../server/events/events.ts';
import { createProbeRuntime } from '../../server/monitoring/runtime.ts';

const db = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 3 }, { migrate: false });
const events = createEvents();
// every check is recorded: the engine asks whether anyone listens before it builds the event
events.wantsCheckResult = () => true;
const publish = events.checkResult;
events.checkResult = (e) => {
  process.stdout.write(`CHECK ${e.monitorId} ${e.port} ${e.at.getTime()} ${e.ok ? 1 : 0}\n`);
  publish(e);
};
const probe = createProbeRuntime({
  prisma: db.prisma,
  events,
  nodeId: 'A',
  leaseTtlMs: 4_000,
  leaseRenewMs: 1_000,
  flushMs: 200,
  groupingDelayMs: 300,
  guardPolicy: { minHosts: 1_000_000 },
});
await probe.start();
setInterval(() => process.stdout.write(`SHARDS ${probe.stats().ownedShards}\n`), 200);
