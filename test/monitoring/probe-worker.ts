// A probe process for the sharing test: runs the real probe runtime against DATABASE_URL and
// prints one line per check ("CHECK <monitorId>:<port>") and its shard count ("SHARDS <n>").
import { openDatabase } from '../../server/db/index.ts';
import { tcpCheck } from '../../server/probe/index.ts';
import { createEvents } from '../../server/events/events.ts';
import { createProbeRuntime } from '../../server/monitoring/runtime.ts';

const db = await openDatabase({ kind: 'postgres', url: process.env.DATABASE_URL!, poolSize: 3 }, { migrate: false });
const probe = createProbeRuntime({
  prisma: db.prisma,
  events: createEvents(),
  nodeId: process.env.NODE_ID ?? 'worker',
  leaseTtlMs: Number(process.env.LEASE_TTL_MS ?? 4000),
  leaseRenewMs: Number(process.env.LEASE_RENEW_MS ?? 1000),
  check: (t, o) => {
    process.stdout.write(`CHECK ${t.monitorId}:${t.port}\n`);
    return tcpCheck(t, o);
  },
});
await probe.start();
setInterval(() => process.stdout.write(`SHARDS ${probe.stats().ownedShards}\n`), 500);
