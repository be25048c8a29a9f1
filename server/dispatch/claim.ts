// Claiming due ledger rows. One short statement each: PostgreSQL's row locks with SKIP LOCKED let
// several processes claim disjoint rows; PGlite (one process) runs the same SQL. A claim sets
// SENDING, a lease (lockedUntil) and attempts + 1 — that attempts value is the fencing token the
// outcome write checks, so a dispatcher whose lease was taken over cannot overwrite the new owner.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import { deadNodeSql } from '../cluster/nodes.ts';
import type {
  Channel,
  IncidentCloseReason,
  IncidentKind,
  Language,
  NotificationKind,
  NotificationStatus,
  RecipientRole,
} from '../generated/prisma/enums.ts';

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
  /** SLACK / TELEGRAM / WEBHOOK rows: the destination as it is now (null: removed). */
  endpoint?: { target: string; secret: string | null; allowPrivate: boolean } | null;
}

/** What a message says about its incident, as it is at send time (ports that joined since are named). */
export interface IncidentForMessage {
  id: string;
  kind: IncidentKind;
  host: string | null;
  ports: number[];
  reason: string | null;
  openedAt: Date;
  resolvedAt: Date | null;
  /** Why it was closed (RECOVERED, PORTS_REMOVED, MONITOR_PAUSED, MONITOR_DELETED); null while open. */
  closeReason: IncidentCloseReason | null;
  acknowledgedAt: Date | null;
  acknowledgedBy?: string | null;
  /** The server's label, shown as the monitor's name. */
  label: string | null;
  /** The owning account's time zone. */
  timeZone: string | null;
  /** Incident.flapFigures: its flapping ports' figures (JSON; null when none flapped). */
  flapFigures?: unknown;
  /** CERT_EXPIRY incidents: the certificate whose expiry the messages warn of. */
  certSubject?: string | null;
  certValidTo?: Date | null;
}

export interface Claimed {
  row: ClaimedRow;
  incident: IncidentForMessage;
}

export interface ClaimOptions {
  channel: Channel;
  limit: number;
  now: Date;
  leaseMs: number;
  /** The claiming process (ProbeNode id): its claims are taken back as soon as it is known dead. */
  nodeId?: string | null;
}

/** A claim and the due rows of its channel it left in the database (counted up to a bound). */
export interface ClaimedWithBacklog {
  claimed: Claimed[];
  /** Due QUEUED rows of the channel still waiting after this claim, at most `countUpTo` (an estimate: another process may claim them). */
  waiting: number;
}

type ClaimResult = ClaimedRow &
  Omit<IncidentForMessage, 'id' | 'kind'> & {
    incidentKind: IncidentKind;
    endpointTarget: string | null;
    endpointSecret: string | null;
    endpointAllowPrivate: boolean | null;
    dueCount?: number;
  };

/**
 * Claims up to `limit` due QUEUED rows of one channel, oldest due first, and returns them with
 * what their messages need to say (incident, server label, account time zone): one round trip.
 */
export async function claimDue(prisma: PrismaClient, opts: ClaimOptions): Promise<Claimed[]> {
  return (await claimRows(prisma, opts, null)).map(toClaimed);
}

/**
 * claimDue, and in the same statement how many due rows of the channel it left behind (up to
 * `countUpTo`): what a lane sizes its sends in flight from (dispatcher.ts), not only the rows it holds.
 */
export async function claimDueWithBacklog(
  prisma: PrismaClient,
  opts: ClaimOptions & { countUpTo: number },
): Promise<ClaimedWithBacklog> {
  if (opts.countUpTo <= 0) return { claimed: (await claimRows(prisma, opts, null)).map(toClaimed), waiting: 0 };
  const rows = await claimRows(prisma, opts, opts.countUpTo);
  // the count runs on the statement's snapshot, before its own update: it includes the rows claimed
  const due = rows[0]?.dueCount ?? 0;
  return { claimed: rows.map(toClaimed), waiting: Math.max(0, Math.min(opts.countUpTo, due - rows.length)) };
}

async function claimRows(prisma: PrismaClient, opts: ClaimOptions, countUpTo: number | null): Promise<ClaimResult[]> {
  const dueCount =
    countUpTo === null
      ? Prisma.empty
      : Prisma.sql`, (SELECT count(*)::int FROM (
          SELECT 1 FROM "Notification"
          WHERE status = 'QUEUED' AND "nextAttemptAt" <= ${opts.now} AND channel = ${opts.channel}::"Channel"
          LIMIT ${countUpTo + opts.limit}) w) AS "dueCount"`;
  const lockedUntil = new Date(opts.now.getTime() + opts.leaseMs);
  return prisma.$queryRaw<ClaimResult[]>`
    WITH due AS (
      SELECT id FROM "Notification"
      WHERE status = 'QUEUED' AND "nextAttemptAt" <= ${opts.now} AND channel = ${opts.channel}::"Channel"
      ORDER BY "nextAttemptAt", id
      LIMIT ${opts.limit}
      FOR UPDATE SKIP LOCKED
    ), c AS (
      UPDATE "Notification" n
      SET status = 'SENDING', "lockedUntil" = ${lockedUntil}, "lockedBy" = ${opts.nodeId ?? null}, attempts = n.attempts + 1, "updatedAt" = ${opts.now}
      FROM due WHERE n.id = due.id
      RETURNING n.id, n."incidentId", n."accountId", n.kind, n.seq, n.channel, n.recipient, n."recipientRole", n.language, n.attempts, n."createdAt", n."endpointId"
    )
    SELECT c.id, c."incidentId", c."accountId", c.kind::text AS kind, c.seq, c.channel::text AS channel, c.recipient,
      c."recipientRole"::text AS "recipientRole", c.language::text AS language, c.attempts, c."createdAt",
      i.kind::text AS "incidentKind", i.host, i.ports, i.reason, i."openedAt", i."resolvedAt", i."closeReason"::text AS "closeReason", i."acknowledgedAt", i."acknowledgedBy",
      s.label, a."timeZone", i."flapFigures", cert.subject AS "certSubject", cert."validTo" AS "certValidTo",
      e.target AS "endpointTarget", e.secret AS "endpointSecret", e."allowPrivate" AS "endpointAllowPrivate"${dueCount}
    FROM c
    LEFT JOIN "NotifyEndpoint" e ON e.id = c."endpointId"
    JOIN "Incident" i ON i.id = c."incidentId"
    LEFT JOIN "Monitor" m ON m.id = i."monitorId"
    LEFT JOIN "Server" s ON s.id = m."serverId"
    LEFT JOIN "Account" a ON a.id = i."accountId"
    LEFT JOIN "Certificate" cert ON cert."incidentId" = i.id`;
}

function toClaimed(r: ClaimResult): Claimed {
  return {
    row: {
      id: r.id,
      incidentId: r.incidentId,
      accountId: r.accountId,
      kind: r.kind,
      seq: r.seq,
      channel: r.channel,
      recipient: r.recipient,
      recipientRole: r.recipientRole,
      language: r.language,
      attempts: r.attempts,
      createdAt: r.createdAt,
      endpoint:
        r.endpointTarget !== null
          ? { target: r.endpointTarget, secret: r.endpointSecret, allowPrivate: r.endpointAllowPrivate ?? false }
          : null,
    },
    incident: {
      id: r.incidentId,
      kind: r.incidentKind,
      host: r.host,
      ports: r.ports,
      reason: r.reason,
      openedAt: r.openedAt,
      resolvedAt: r.resolvedAt,
      closeReason: r.closeReason,
      acknowledgedAt: r.acknowledgedAt,
      acknowledgedBy: r.acknowledgedBy ?? null,
      label: r.label,
      timeZone: r.timeZone,
      flapFigures: r.flapFigures,
      certSubject: r.certSubject ?? null,
      certValidTo: r.certValidTo ?? null,
    },
  };
}

/** When the next QUEUED row of a channel falls due (null: none queued). */
export async function nextDueAt(prisma: PrismaClient, channel: Channel): Promise<Date | null> {
  const [row] = await prisma.$queryRaw<{ at: Date | null }[]>`
    SELECT min("nextAttemptAt") AS at FROM "Notification" WHERE status = 'QUEUED' AND channel = ${channel}::"Channel"`;
  return row?.at ?? null;
}

export interface ReclaimedRow {
  id: string;
  incidentId: string;
  accountId: string | null;
  status: NotificationStatus;
  attempts: number;
}

/**
 * Rows left SENDING past their lease, or claimed by a process known dead (with `deadAfterMs`: no
 * heartbeat for that long, or replaced by its own restart — see ../cluster/nodes.ts): the process
 * that claimed them died (or hung) mid-send. A dead node's rows are taken back at once, without
 * waiting for the lease. They go back to QUEUED, due now — or FAILED when the interrupted attempt
 * was the last one.
 * The interrupted attempt may have reached the provider, so the resend can be a duplicate: an
 * e-mail resend carries the same Message-ID, which makes it recognisable; SMS has no such key.
 */
export async function reclaimExpired(
  prisma: PrismaClient,
  opts: { now: Date; maxAttempts: number; limit?: number; nodeId?: string | null; deadAfterMs?: number },
): Promise<ReclaimedRow[]> {
  const interrupted =
    'the previous attempt was interrupted (its process stopped or hung before recording the result); it may have been delivered';
  const deadNode = opts.deadAfterMs
    ? Prisma.sql`OR ("lockedBy" IS NOT NULL AND "lockedBy" IS DISTINCT FROM ${opts.nodeId ?? null} AND ${Prisma.raw(deadNodeSql('"Notification"."lockedBy"', opts.deadAfterMs))})`
    : Prisma.empty;
  return prisma.$queryRaw<ReclaimedRow[]>`
    WITH stale AS (
      SELECT id, CASE WHEN "lockedUntil" < ${opts.now} THEN 'lease expired' ELSE 'its process is gone' END AS why FROM "Notification"
      WHERE status = 'SENDING' AND ("lockedUntil" < ${opts.now} ${deadNode})
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
        "nextAttemptAt" = ${opts.now}, "lockedUntil" = NULL, "lockedBy" = NULL, "updatedAt" = ${opts.now}
      FROM stale WHERE n.id = stale.id
      RETURNING n.id, n."incidentId", n."accountId", n.status, n.attempts, n."statusDetail", stale.why
    ), e AS (
      INSERT INTO "NotificationEvent" ("notificationId", at, status, detail)
      SELECT u.id, ${opts.now}, u.status, 'attempt ' || u.attempts || ': ' || u.why || '; ' || u."statusDetail" FROM u
    )
    SELECT id, "incidentId", "accountId", status::text AS status, attempts FROM u`;
}

/** Hands back rows this process claimed but never started (graceful stop): QUEUED again, attempt not counted. */
export async function releaseClaims(prisma: PrismaClient, rows: { id: string; attempts: number }[]): Promise<number> {
  if (rows.length === 0) return 0;
  const values = Prisma.join(rows.map((r) => Prisma.sql`(${r.id}, ${r.attempts}::int)`));
  return prisma.$executeRaw`
    WITH d(id, attempt) AS (VALUES ${values})
    UPDATE "Notification" n SET status = 'QUEUED', attempts = n.attempts - 1, "lockedUntil" = NULL, "lockedBy" = NULL
    FROM d WHERE n.id = d.id AND n.status = 'SENDING' AND n.attempts = d.attempt`;
}
