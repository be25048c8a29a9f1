// Wakes the other processes at once when probe shards change hands (a node released shards, stopped,
// or joined), instead of at their next lease round: PostgreSQL LISTEN/NOTIFY on one dedicated
// connection. Publishing goes through Prisma (`pg_notify`), so it needs nothing more; listening
// needs its own client, reconnected after a failure. Without it (PGlite: one process) the lease
// rounds still converge on their timer.
import pg from 'pg';
import type { PrismaClient } from '../db/index.ts';
import type { Logger } from '../log.ts';

export const CLUSTER_CHANNEL = 'portwatch_cluster';

export interface ClusterWake {
  /** Calls `cb` whenever another process announces a change of hands. */
  subscribe(cb: () => void): void;
}

export interface ClusterListener extends ClusterWake {
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Announces a change of hands to every listening process (no-op when nobody listens). */
export async function announce(prisma: PrismaClient, nodeId: string): Promise<void> {
  await prisma.$queryRawUnsafe(`SELECT pg_notify('${CLUSTER_CHANNEL}', $1)::text AS sent`, nodeId);
}

export function createClusterListener(opts: {
  url: string;
  nodeId: string;
  log?: Logger;
  retryMs?: number;
}): ClusterListener {
  const subscribers: (() => void)[] = [];
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;

  async function connect(): Promise<void> {
    const c = new pg.Client({ connectionString: opts.url, connectionTimeoutMillis: 5_000, keepAlive: true });
    c.on('error', () => {}); // 'end' follows; handled there
    c.on('notification', (n) => {
      if (n.payload === opts.nodeId) return;
      for (const cb of subscribers) cb();
    });
    c.on('end', () => {
      if (client === c) client = null;
      schedule();
    });
    try {
      await c.connect();
      await c.query(`LISTEN ${CLUSTER_CHANNEL}`);
      if (closed) return void (await c.end().catch(() => {}));
      client = c;
      if (failures > 0) opts.log?.('info', 'cluster wake-ups listening again');
      failures = 0;
      // something may have changed hands while we were not listening
      for (const cb of subscribers) cb();
    } catch (err) {
      failures += 1;
      if (failures === 1)
        opts.log?.('warn', 'cluster wake-ups: cannot LISTEN (lease rounds still run on their timer)', { err });
      await c.end().catch(() => {});
      schedule();
    }
  }

  function schedule() {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      if (!client) void connect();
    }, opts.retryMs ?? 1_000);
    retry.unref();
  }

  return {
    subscribe(cb) {
      subscribers.push(cb);
    },
    start: connect,
    async close() {
      closed = true;
      clearTimeout(retry);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
