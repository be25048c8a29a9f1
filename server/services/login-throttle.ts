// Sign-in throttle shared by every process through the database. An attempt is *reserved*
// (one atomic upsert per key) before the password is hashed: a burst of parallel attempts can
// evaluate at most `max` passwords per key and window, whatever the number of processes.
// Keys: the login id (LOGIN_MAX_FAILURES) and the client address (LOGIN_ADDRESS_MAX_FAILURES,
// configured above twice the per-login limit, so one login id's failures alone can never block
// the address, and with it other logins).
import type { PrismaClient } from '../db/index.ts';

export interface ThrottleKey {
  key: string;
  max: number;
}

export interface LoginThrottle {
  /** Reserves one attempt on every key, or none: returns 0, or the seconds to wait when a key is full. */
  reserve(keys: ThrottleKey[], now: Date): Promise<number>;
  /** Gives one reservation back (the attempt succeeded: it was not a failure). */
  release(keys: ThrottleKey[], now: Date): Promise<void>;
}

export function createLoginThrottle(prisma: PrismaClient, windowMs: number): LoginThrottle {
  let calls = 0;
  async function reserveOne(k: ThrottleKey, now: Date): Promise<number> {
    const resetAt = new Date(now.getTime() + windowMs);
    // one statement: the reservation, and (when it was refused) the window's end
    const [row] = await prisma.$queryRaw<{ count: number | null; resetAt: Date | null }[]>`
      WITH up AS (
        INSERT INTO "LoginThrottle" (key, count, "resetAt") VALUES (${k.key}, 1, ${resetAt})
        ON CONFLICT (key) DO UPDATE SET
          count = CASE WHEN "LoginThrottle"."resetAt" <= ${now} THEN 1 ELSE "LoginThrottle".count + 1 END,
          "resetAt" = CASE WHEN "LoginThrottle"."resetAt" <= ${now} THEN EXCLUDED."resetAt" ELSE "LoginThrottle"."resetAt" END
        WHERE "LoginThrottle"."resetAt" <= ${now} OR "LoginThrottle".count < ${k.max}
        RETURNING count
      )
      SELECT (SELECT count FROM up) AS count, (SELECT "resetAt" FROM "LoginThrottle" WHERE key = ${k.key}) AS "resetAt"`;
    if (row?.count != null) return 0;
    return row?.resetAt ? Math.max(1, Math.ceil((new Date(row.resetAt).getTime() - now.getTime()) / 1000)) : 1;
  }
  async function releaseOne(k: ThrottleKey, now: Date): Promise<void> {
    await prisma.$executeRaw`
      UPDATE "LoginThrottle" SET count = count - 1 WHERE key = ${k.key} AND "resetAt" > ${now} AND count > 0`;
  }
  return {
    async reserve(keys, now) {
      if (++calls % 200 === 0)
        await prisma.loginThrottle.deleteMany({ where: { resetAt: { lt: now } } }).catch(() => {});
      const taken: ThrottleKey[] = [];
      for (const k of keys) {
        const wait = await reserveOne(k, now);
        if (wait > 0) {
          for (const t of taken) await releaseOne(t, now);
          return wait;
        }
        taken.push(k);
      }
      return 0;
    },
    async release(keys, now) {
      for (const k of keys) await releaseOne(k, now);
    },
  };
}

/** "15 minutes", "1 minute": waits are shown in whole minutes (rounded up). */
export function waitMinutes(seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60));
}
