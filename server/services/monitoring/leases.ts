// Shares the probe work between processes on one database. The monitors are split into
// SHARDS shards; each live process holds leases on about SHARDS / (live processes) of them
// and renews them every few seconds. A lease not renewed for `ttlMs` expires and another
// process takes it over (a dead process's share moves within ttl + renew interval).
// All times come from the database clock (`now() AT TIME ZONE 'UTC'`), never a process's.
import { hostname } from 'node:os';
import type { PrismaClient } from '../../db/index.ts';
import type { Logger } from '../../log.ts';
import { SHARDS } from './model.ts';

export interface LeaseManagerOptions {
  prisma: PrismaClient;
  nodeId: string;
  ttlMs?: number;
  renewMs?: number;
  log?: Logger;
  onGain(shards: number[]): Promise<void> | void;
  onLose(shards: number[]): Promise<void> | void;
}

export interface LeaseManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  owned(): number[];
  /** One renew/claim round (also run by the timer). */
  tick(): Promise<void>;
  /** When the last round succeeded (epoch ms), for readiness. */
  lastOkAt(): number;
}

const UTC_NOW = `(now() AT TIME ZONE 'UTC')`;

export function createLeaseManager(opts: LeaseManagerOptions): LeaseManager {
  const { prisma, nodeId } = opts;
  const ttlSec = (opts.ttlMs ?? 15_000) / 1000;
  const renewMs = opts.renewMs ?? 5_000;
  const owned = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  let okAt = 0;
  let seeded = false;

  async function round() {
    if (!seeded) {
      await prisma.$executeRawUnsafe(
        `INSERT INTO "ProbeLease" ("shard","holder","expiresAt","updatedAt")
         SELECT s, '', ${UTC_NOW} - interval '1 second', ${UTC_NOW} FROM generate_series(0, ${SHARDS - 1}) s
         ON CONFLICT ("shard") DO NOTHING`,
      );
      seeded = true;
    }
    await prisma.$executeRawUnsafe(
      `INSERT INTO "ProbeNode" ("id","startedAt","heartbeatAt","hostname") VALUES ($1, ${UTC_NOW}, ${UTC_NOW}, $2)
       ON CONFLICT ("id") DO UPDATE SET "heartbeatAt" = ${UTC_NOW}`,
      nodeId,
      hostname(),
    );
    const [{ live }] = await prisma.$queryRawUnsafe<[{ live: number }]>(
      `SELECT count(*)::int AS live FROM "ProbeNode" WHERE "heartbeatAt" > ${UTC_NOW} - interval '${ttlSec} seconds'`,
    );
    const fair = Math.ceil(SHARDS / Math.max(1, live));

    // Still ours if nobody took it over, even when a long load let it expire meanwhile.
    const kept = await prisma.$queryRawUnsafe<{ shard: number }[]>(
      `UPDATE "ProbeLease" SET "expiresAt" = ${UTC_NOW} + interval '${ttlSec} seconds', "updatedAt" = ${UTC_NOW}
       WHERE "holder" = $1 RETURNING "shard"`,
      nodeId,
    );
    const keptSet = new Set(kept.map((k) => k.shard));
    const lost = [...owned].filter((s) => !keptSet.has(s));

    let gained: number[] = [];
    let released: number[] = [];
    if (keptSet.size > fair) {
      released = [...keptSet].sort((a, b) => b - a).slice(0, keptSet.size - fair);
      await prisma.$executeRawUnsafe(
        `UPDATE "ProbeLease" SET "holder" = '', "expiresAt" = ${UTC_NOW} - interval '1 second' WHERE "holder" = $1 AND "shard" = ANY($2::int[])`,
        nodeId,
        released,
      );
    } else if (keptSet.size < fair) {
      const rows = await prisma.$queryRawUnsafe<{ shard: number }[]>(
        `UPDATE "ProbeLease" SET "holder" = $1, "expiresAt" = ${UTC_NOW} + interval '${ttlSec} seconds', "updatedAt" = ${UTC_NOW}
         WHERE "shard" IN (SELECT "shard" FROM "ProbeLease" WHERE "expiresAt" <= ${UTC_NOW}
                           ORDER BY "shard" LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING "shard"`,
        nodeId,
        fair - keptSet.size,
      );
      gained = rows.map((r) => r.shard).filter((s) => !owned.has(s));
    }
    // Shards the database still names us for but that we dropped in memory (we gave them up
    // during a database outage and nobody took them meanwhile): adopt them again.
    const readopted = [...keptSet].filter((s) => !owned.has(s) && !released.includes(s) && !gained.includes(s));
    gained = [...gained, ...readopted];
    okAt = Date.now();
    const dropped = [...lost, ...released];
    for (const s of dropped) owned.delete(s);
    if (dropped.length) await opts.onLose(dropped.sort((a, b) => a - b));
    for (const s of gained) owned.add(s);
    if (gained.length) await opts.onGain(gained.sort((a, b) => a - b));
    // forget processes gone for an hour
    await prisma.$executeRawUnsafe(`DELETE FROM "ProbeNode" WHERE "heartbeatAt" < ${UTC_NOW} - interval '1 hour'`);
  }

  function tick(): Promise<void> {
    running ??= round()
      .catch(async (err: unknown) => {
        opts.log?.('warn', 'probe lease round failed', { err });
        // A process that cannot renew must stop probing before its leases expire elsewhere.
        const lostAll = okAt > 0 && Date.now() - okAt > (ttlSec * 1000) / 2;
        if (lostAll && owned.size) {
          const dropped = [...owned];
          owned.clear();
          await opts.onLose(dropped);
        }
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  }

  return {
    async start() {
      stopped = false;
      await tick();
      const loop = () => {
        if (stopped) return;
        timer = setTimeout(() => void tick().finally(loop), renewMs);
        timer.unref();
      };
      loop();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
      const dropped = [...owned];
      owned.clear();
      if (dropped.length) await opts.onLose(dropped);
      // hand the shards over at once instead of after the ttl
      await prisma
        .$executeRawUnsafe(`UPDATE "ProbeLease" SET "holder" = '', "expiresAt" = ${UTC_NOW} - interval '1 second' WHERE "holder" = $1`, nodeId)
        .catch(() => {});
      await prisma.$executeRawUnsafe(`DELETE FROM "ProbeNode" WHERE "id" = $1`, nodeId).catch(() => {});
    },
    owned: () => [...owned].sort((a, b) => a - b),
    tick,
    lastOkAt: () => okAt,
  };
}
