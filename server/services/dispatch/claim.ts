// Claiming due ledger rows. One short statement each: PostgreSQL's row locks with SKIP LOCKED let
// several processes claim disjoint rows; PGlite (one process) runs the same SQL. A claim sets
// SENDING, a lease (lockedUntil) and attempts + 1 — that attempts value is the fencing token the
// outcome write checks, so a dispatcher whose lease was taken over cannot overwrite the new owner.
import { Prisma, type PrismaClient } from '../../generated/prisma/client.ts';
import type { Channel, Language, NotificationKind, NotificationStatus, RecipientRole } from '../../generated/prisma/enums.ts';

export interface ClaimedRow {
  id: string;
  incidentId: string;
  accountId: string | null;
  kind: NotificationKind;
  seq: number;
  channel: Channel;
  recipient: string;
  recipientRole: RecipientRole;
  language: Language;
  /** The attempt this claim starts (1 for the first send): the fencing token. */
  attempts: number;
  createdAt: Date;
}

export interface ClaimOptions {
  channel: Channel;
  limit: number;
  now: Date;
  leaseMs: number;
}

/** Claims up to `limit` due QUEUED rows of one channel, oldest due first. */
export async function claimDue(prisma: PrismaClient, opts: ClaimOptions): Promise<ClaimedRow[]> {
  const lockedUntil = new Date(opts.now.getTime() + opts.leaseMs);
  return prisma.$queryRaw<ClaimedRow[]>`
    WITH due AS (
      SELECT id FROM "Notification"
      WHERE status = 'QUEUED' AND "nextAttemptAt" <= ${opts.now} AND channel = ${opts.channel}::"Channel"
      ORDER BY "nextAttemptAt", id
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED
    )
    UPDATE "Notification" n
    SET status = 'SENDING', "lockedUntil" = ${lockedUntil}, attempts = n.attempts + 1, "updatedAt" = ${opts.now}
    FROM due WHERE n.id = due.id
    RETURNING n.id, n."incidentId", n."accountId", n.kind::text AS kind, n.seq, n.channel::text AS channel,
      n.recipient, n."recipientRole"::text AS "recipientRole", n.language::text AS language, n.attempts, n."createdAt"`;
}

export interface ReclaimedRow {
  id: string;
  incidentId: string;
  accountId: string | null;
  status: NotificationStatus;
  attempts: number;
}

/**
 * Rows left SENDING past their lease: the process that claimed them died (or hung) mid-send.
 * They go back to QUEUED, due now — or FAILED when the interrupted attempt was the last one.
 * The interrupted attempt may have reached the provider, so the resend can be a duplicate: an
 * e-mail resend carries the same Message-ID, which makes it recognisable; SMS has no such key.
 */
export async function reclaimExpired(prisma: PrismaClient, opts: { now: Date; maxAttempts: number; limit?: number }): Promise<ReclaimedRow[]> {
  const interrupted = 'the previous attempt was interrupted (its process stopped or hung before recording the result); it may have been delivered';
  return prisma.$queryRaw<ReclaimedRow[]>`
    WITH stale AS (
      SELECT id FROM "Notification"
      WHERE status = 'SENDING' AND "lockedUntil" < ${opts.now}
      ORDER BY "lockedUntil"
      LIMIT ${opts.limit ?? 500}
      FOR UPDATE SKIP LOCKED
    ), u AS (
      UPDATE "Notification" n SET
        status = CASE WHEN n.attempts >= ${opts.maxAttempts} THEN 'FAILED'::"NotificationStatus" ELSE 'QUEUED'::"NotificationStatus" END,
        "statusDetail" = CASE WHEN n.attempts >= ${opts.maxAttempts}
          THEN 'gave up after ' || n.attempts || ' attempts: ' || ${interrupted}::text
          ELSE 'resending: ' || ${interrupted}::text END,
        "failedAt" = CASE WHEN n.attempts >= ${opts.maxAttempts} THEN ${opts.now} ELSE n."failedAt" END,
        "nextAttemptAt" = ${opts.now}, "lockedUntil" = NULL, "updatedAt" = ${opts.now}
      FROM stale WHERE n.id = stale.id
      RETURNING n.id, n."incidentId", n."accountId", n.status, n.attempts, n."statusDetail"
    ), e AS (
      INSERT INTO "NotificationEvent" ("notificationId", at, status, detail)
      SELECT u.id, ${opts.now}, u.status, 'attempt ' || u.attempts || ': lease expired; ' || u."statusDetail" FROM u
    )
    SELECT id, "incidentId", "accountId", status::text AS status, attempts FROM u`;
}

/** Hands back rows this process claimed but never started (graceful stop): QUEUED again, attempt not counted. */
export async function releaseClaims(prisma: PrismaClient, rows: { id: string; attempts: number }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = Prisma.join(rows.map((r) => Prisma.sql`(${r.id}, ${r.attempts}::int)`));
  return prisma.$executeRaw`
    WITH d(id, attempt) AS (VALUES ${values})
    UPDATE "Notification" n SET status = 'QUEUED', attempts = n.attempts - 1, "lockedUntil" = NULL
    FROM d WHERE n.id = d.id AND n.status = 'SENDING' AND n.attempts = d.attempt`;
}
