// Shares the probe work between processes on one database. The monitors are split into
// SHARDS shards; each live process holds leases on about SHARDS / (live probing processes) of
// them and renews them every few seconds. All times come from the database clock.
//
// Continuity rules (issue 19):
// - A lease is given up only when the database proves another process holds it (the renewal
//   no longer returns it). A process that cannot reach the database keeps probing what it holds:
//   during a partition two processes may check the same ports (cheap; the ledger is unique per
//   message), but no port goes unchecked.
// - Handing shards over (rebalance, stop): the runtime first stops probing them and writes their
//   pending state (onLose must succeed), only then are the leases freed, and the other processes
//   are woken at once (NOTIFY) instead of at their next round. A joining process wakes them too,
//   so they release its share at once.
// - A shard is taken (onGain) only once this process's own pending writes have landed; a failed
//   onGain leaves the lease ours in the database, and the next round adopts it again.
// - A dead process's leases expire after the ttl; a restarted one's are freed at its successor's
//   start (see ../cluster/nodes.ts).
import type { PrismaClient } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { createNodeRegistry, UTC_NOW, type NodeRegistry } from '../cluster/nodes.ts';
import { announce, type ClusterWake } from '../cluster/signal.ts';
import { SHARDS } from './model.ts';

export interface LeaseManagerOptions {
  prisma: PrismaClient;
  nodeId: string;
  /** The process registry (heartbeat); one is made for this manager when absent. */
  node?: NodeRegistry;
  /** Wake-ups from other processes (LISTEN/NOTIFY); without it, rounds run on the timer only. */
  wake?: ClusterWake;
  ttlMs?: number;
  renewMs?: number;
  log?: Logger;
  onGain(shards: number[]): Promise<void> | void;
  /** Must throw when the shards' pending writes did not land (the leases are then kept). */
  onLose(shards: number[]): Promise<void> | void;
}

export interface LeaseManager {
  start(): Promise<void>;
  stop(): Promise<void>;
  owned(): number[];
  /** One renew/claim round (also run by the timer and on wake-ups). */
  tick(): Promise<void>;
  /** When the last round succeeded (epoch ms), for readiness. */
  lastOkAt(): number;
  /** Consecutive failed rounds (the database is away). */
  failures(): number;
}

export function createLeaseManager(opts: LeaseManagerOptions): LeaseManager {
  const { prisma, nodeId } = opts;
  const ttlMs = opts.ttlMs ?? 15_000;
  const ttlSec = ttlMs / 1000;
  const renewMs = opts.renewMs ?? 5_000;
  const node =
    opts.node ??
    createNodeRegistry({
      prisma,
      nodeId,
      probing: true,
      deadAfterMs: ttlMs,
      heartbeatMs: renewMs,
      ...(opts.log ? { log: opts.log } : {}),
    });
  const owned = new Set<number>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = true;
  let okAt = 0;
  let failed = 0;
  let seeded = false;
  let joined = false;

  const tell = () =>
    announce(prisma, nodeId).catch((err: unknown) => opts.log?.('debug', 'cluster announce failed', { err }));

  async function round() {
    if (!seeded) {
      await prisma.$executeRawUnsafe(
        `INSERT INTO "ProbeLease" ("shard","holder","expiresAt","updatedAt")
         SELECT s, '', ${UTC_NOW} - interval '1 second', ${UTC_NOW} FROM generate_series(0, ${SHARDS - 1}) s
         ON CONFLICT ("shard") DO NOTHING`,
      );
      seeded = true;
    }
    await node.heartbeat();
    const [{ live }] = await prisma.$queryRawUnsafe<[{ live: number }]>(
      `SELECT count(*)::int AS live FROM "ProbeNode" WHERE "probing" AND "heartbeatAt" > ${UTC_NOW} - interval '${ttlSec} seconds'`,
    );
    const fair = Math.ceil(SHARDS / Math.max(1, live));

    // Still ours if nobody took it over, even when a long load or an outage let it expire meanwhile.
    const kept = await prisma.$queryRawUnsafe<{ shard: number }[]>(
      `UPDATE "ProbeLease" SET "expiresAt" = ${UTC_NOW} + interval '${ttlSec} seconds', "updatedAt" = ${UTC_NOW}
       WHERE "holder" = $1 RETURNING "shard"`,
      nodeId,
    );
    const keptSet = new Set(kept.map((k) => k.shard));
    okAt = Date.now();
    failed = 0;
    // proven held by another process now: stop probing them (our pending writes still land)
    const lost = [...owned].filter((s) => !keptSet.has(s)).sort((a, b) => a - b);
    for (const s of lost) owned.delete(s);
    if (lost.length) await opts.onLose(lost);

    let changed = false;
    if (keptSet.size > fair) {
      // give the excess back: stop probing it and write its state first, then free the leases
      const released = [...keptSet]
        .sort((a, b) => b - a)
        .slice(0, keptSet.size - fair)
        .sort((a, b) => a - b);
      const mine = released.filter((s) => owned.has(s));
      for (const s of mine) owned.delete(s);
      for (const s of released) keptSet.delete(s);
      if (mine.length) await opts.onLose(mine);
      await prisma.$executeRawUnsafe(
        `UPDATE "ProbeLease" SET "holder" = '', "expiresAt" = ${UTC_NOW} - interval '1 second' WHERE "holder" = $1 AND "shard" = ANY($2::int[])`,
        nodeId,
        released,
      );
      changed = true;
    } else if (keptSet.size < fair) {
      const rows = await prisma.$queryRawUnsafe<{ shard: number }[]>(
        `UPDATE "ProbeLease" SET "holder" = $1, "expiresAt" = ${UTC_NOW} + interval '${ttlSec} seconds', "updatedAt" = ${UTC_NOW}
         WHERE "shard" IN (SELECT "shard" FROM "ProbeLease" WHERE "expiresAt" <= ${UTC_NOW}
                           ORDER BY "shard" LIMIT $2 FOR UPDATE SKIP LOCKED)
         RETURNING "shard"`,
        nodeId,
        fair - keptSet.size,
      );
      for (const r of rows) keptSet.add(r.shard);
    }
    // held in the database but not probed here: just taken, or an earlier onGain failed
    const gained = [...keptSet].filter((s) => !owned.has(s)).sort((a, b) => a - b);
    if (gained.length) {
      try {
        await opts.onGain(gained);
        for (const s of gained) owned.add(s);
      } catch (err) {
        opts.log?.('warn', 'probe shards held but not loaded yet (retried next round)', { err, shards: gained.length });
      }
    }
    if (changed || !joined) {
      joined = true;
      await tell(); // a release, or our arrival: the others re-balance now
    }
    // forget processes gone for an hour
    await prisma.$executeRawUnsafe(`DELETE FROM "ProbeNode" WHERE "heartbeatAt" < ${UTC_NOW} - interval '1 hour'`);
  }

  function tick(): Promise<void> {
    if (running) {
      again = true; // a wake-up during a round: run one more right after
      return running;
    }
    running = round()
      .catch((err: unknown) => {
        failed += 1;
        // keep probing what we hold: nobody is proven to hold it instead
        if (failed === 1 || failed % 20 === 0)
          opts.log?.('warn', 'probe lease round failed; keeping the shards held', {
            err,
            owned: owned.size,
            failures: failed,
          });
      })
      .finally(() => {
        running = undefined;
        if (again && !stopped) {
          again = false;
          void tick();
        }
      });
    return running;
  }

  return {
    async start() {
      stopped = false;
      await node.start();
      opts.wake?.subscribe(() => {
        if (!stopped) void tick();
      });
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
      while (running) await running;
      // we no longer count for the fair share, then write what we hold, then hand it over at once
      await node.setProbing(false).catch(() => {});
      const dropped = [...owned];
      owned.clear();
      let written = true;
      if (dropped.length) {
        try {
          await opts.onLose(dropped);
        } catch (err) {
          written = false;
          opts.log?.('warn', 'probe state not written at stop: the shards are left to expire', { err });
        }
      }
      if (written) {
        await prisma
          .$executeRawUnsafe(
            `UPDATE "ProbeLease" SET "holder" = '', "expiresAt" = ${UTC_NOW} - interval '1 second' WHERE "holder" = $1`,
            nodeId,
          )
          .catch(() => {});
        await tell();
      }
      if (!opts.node) await node.stop();
    },
    owned: () => [...owned].sort((a, b) => a - b),
    tick,
    lastOkAt: () => okAt,
    failures: () => failed,
  };
}
