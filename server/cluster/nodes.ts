// The process registry: each portwatch process (node) has a row in "ProbeNode" with a heartbeat
// from the database clock. Other processes use it to tell a dead node from a live one:
// - a node whose heartbeat is older than `deadAfterMs` is dead (its probe shards and its
//   dispatch claims are taken over within that bound);
// - a node that starts under the same `instance` name as an older row (the same hostname:PORT,
//   or NODE_NAME) is that row's restart: the old incarnation is dead at once (two live processes
//   cannot listen on one host and port), so its shards and claims are taken without waiting;
// - on PGlite (`exclusive`) only one process can open the database: every other row is dead.
import { hostname } from 'node:os';
import type { PrismaClient } from '../db/index.ts';
import type { Logger } from '../log.ts';

export const UTC_NOW = `(now() AT TIME ZONE 'UTC')`;

export interface NodeRegistryOptions {
  prisma: PrismaClient;
  nodeId: string;
  /** Stable name of this process's slot (hostname:PORT, NODE_NAME); null: no predecessor is recognised. */
  instance?: string | null | (() => string | null);
  /** Whether this node probes (counts for the fair share of shards). */
  probing: boolean;
  /** Only one process can use this database (PGlite): every other node is a predecessor. */
  exclusive?: boolean;
  heartbeatMs?: number;
  /** A node silent for this long is dead (default 15 s, the probe lease ttl). */
  deadAfterMs?: number;
  log?: Logger;
}

export interface NodeRegistry {
  readonly nodeId: string;
  readonly deadAfterMs: number;
  /** Registers this node and declares its predecessors dead (returns their ids). Idempotent. */
  start(): Promise<string[]>;
  heartbeat(): Promise<void>;
  /** This node stops probing (its shards are being handed over); it may still hold dispatch claims. */
  setProbing(probing: boolean): Promise<void>;
  /** Deletes the row (graceful stop, after the node's claims and shards are handed back). */
  stop(): Promise<void>;
  lastOkAt(): number;
}

export function createNodeRegistry(opts: NodeRegistryOptions): NodeRegistry {
  const { prisma, nodeId } = opts;
  const heartbeatMs = opts.heartbeatMs ?? 5_000;
  const deadAfterMs = opts.deadAfterMs ?? 15_000;
  let probing = opts.probing;
  let started: Promise<string[]> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let okAt = 0;
  let stopped = false;
  const instance = () => (typeof opts.instance === 'function' ? opts.instance() : (opts.instance ?? null));

  async function upsert() {
    await prisma.$executeRawUnsafe(
      `INSERT INTO "ProbeNode" ("id","startedAt","heartbeatAt","hostname","instance","probing") VALUES ($1, ${UTC_NOW}, ${UTC_NOW}, $2, $3, $4)
       ON CONFLICT ("id") DO UPDATE SET "heartbeatAt" = ${UTC_NOW}, "probing" = EXCLUDED."probing"`,
      nodeId,
      hostname(),
      instance(),
      probing,
    );
    okAt = Date.now();
  }

  async function register(): Promise<string[]> {
    await upsert();
    const gone = opts.exclusive
      ? await prisma.$queryRawUnsafe<{ id: string }[]>(
          `DELETE FROM "ProbeNode" WHERE "id" <> $1 RETURNING "id"`,
          nodeId,
        )
      : instance()
        ? await prisma.$queryRawUnsafe<{ id: string }[]>(
            `DELETE FROM "ProbeNode" WHERE "instance" = $1 AND "id" <> $2 RETURNING "id"`,
            instance(),
            nodeId,
          )
        : [];
    const ids = gone.map((g) => g.id);
    if (ids.length) {
      // their probe shards are free at once (their dispatch claims: see dispatch/claim.ts)
      await prisma.$executeRawUnsafe(
        `UPDATE "ProbeLease" SET "holder" = '', "expiresAt" = ${UTC_NOW} - interval '1 second' WHERE "holder" = ANY($1::text[])`,
        ids,
      );
      opts.log?.('info', 'earlier run of this process found: its probe shards and message claims are taken over now', {
        nodeId,
        predecessors: ids,
      });
    }
    stopped = false;
    const loop = () => {
      if (stopped) return;
      timer = setTimeout(() => {
        upsert()
          .catch((err: unknown) => opts.log?.('warn', 'node heartbeat failed', { err }))
          .finally(loop);
      }, heartbeatMs);
      timer.unref();
    };
    loop();
    return ids;
  }

  return {
    nodeId,
    deadAfterMs,
    start() {
      started ??= register().catch((err: unknown) => {
        started = undefined;
        throw err;
      });
      return started;
    },
    heartbeat: upsert,
    async setProbing(p) {
      probing = p;
      await upsert();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      started = undefined;
      await prisma.$executeRawUnsafe(`DELETE FROM "ProbeNode" WHERE "id" = $1`, nodeId).catch(() => {});
    },
    lastOkAt: () => okAt,
  };
}

/** SQL: the node named by `column` is not alive (no row, or a heartbeat older than `deadAfterMs`). */
export function deadNodeSql(column: string, deadAfterMs: number): string {
  return `NOT EXISTS (SELECT 1 FROM "ProbeNode" pn WHERE pn."id" = ${column} AND pn."heartbeatAt" > ${UTC_NOW} - interval '${Math.ceil(deadAfterMs)} milliseconds')`;
}
