// Send outcome → ledger write. `decideOutcome` is pure (status, details, next attempt time);
// `createOutcomeWriter` writes them with group commit: whatever finished while the previous
// write was running goes in the next single statement (row update, fenced by the attempt
// number, plus one NotificationEvent per attempt), so the ledger keeps up with hundreds of
// sends a second on PGlite as on PostgreSQL. Live events are published after the commit.
import { Prisma, type PrismaClient } from '../generated/prisma/client.ts';
import type { NotificationStatus } from '../generated/prisma/enums.ts';
import type { SendOutcome } from '../notify/types.ts';
import type { Events } from '../events/events.ts';
import { retryDelayMs, type BackoffPolicy } from './backoff.ts';

export interface OutcomeRow {
  id: string;
  /** The attempt number the row was claimed with (fencing token). */
  attempt: number;
  status: Extract<NotificationStatus, 'YES' | 'NOT_SENT' | 'FAILED' | 'QUEUED'>;
  statusDetail: string;
  eventDetail: string;
  providerMessageId: string | null;
  nextAttemptAt: Date | null;
  raw: unknown;
  at: Date;
}

export interface DecidePolicy extends BackoffPolicy {
  maxAttempts: number;
}

/** Maps one send outcome to the ledger row's next state. */
export function decideOutcome(
  item: { id: string; attempts: number },
  outcome: SendOutcome,
  at: Date,
  policy: DecidePolicy,
  random: () => number = Math.random,
): OutcomeRow {
  const n = item.attempts;
  const base = {
    id: item.id,
    attempt: n,
    at,
    providerMessageId: null,
    nextAttemptAt: null,
    raw: 'raw' in outcome ? outcome.raw : null,
  };
  switch (outcome.status) {
    case 'SENT':
      return {
        ...base,
        status: 'YES',
        statusDetail: outcome.detail,
        eventDetail: `attempt ${n}: sent — ${outcome.detail}`,
        providerMessageId: outcome.providerMessageId,
      };
    case 'NOT_SENT':
      return { ...base, status: 'NOT_SENT', statusDetail: outcome.detail, eventDetail: outcome.detail };
    case 'FAILED':
      return {
        ...base,
        status: 'FAILED',
        statusDetail: outcome.detail,
        eventDetail: `attempt ${n}: failed — ${outcome.detail}`,
      };
    case 'RETRY': {
      if (n >= policy.maxAttempts) {
        const detail = `gave up after ${n} attempts: ${outcome.detail}`;
        return { ...base, status: 'FAILED', statusDetail: detail, eventDetail: `attempt ${n}: ${detail}` };
      }
      const next = new Date(at.getTime() + retryDelayMs(n, policy, outcome.retryAfterMs, random));
      return {
        ...base,
        status: 'QUEUED',
        nextAttemptAt: next,
        statusDetail: `retrying (attempt ${n} of ${policy.maxAttempts} failed temporarily): ${outcome.detail}`,
        eventDetail: `attempt ${n}: temporary failure — ${outcome.detail}; next attempt at ${next.toISOString()}`,
      };
    }
  }
}

function rawJson(raw: unknown): string | null {
  if (raw === undefined || raw === null) return null;
  try {
    return JSON.stringify(raw, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? null;
  } catch {
    return JSON.stringify(String(raw));
  }
}

interface Changed {
  id: string;
  incidentId: string;
  accountId: string | null;
  status: NotificationStatus;
}

/** Writes a batch in one statement; returns the rows whose status changed (fenced ones are absent). */
export async function writeOutcomes(prisma: PrismaClient, rows: OutcomeRow[]): Promise<Changed[]> {
  if (rows.length === 0) return [];
  const values = Prisma.join(
    rows.map(
      (
        r,
      ) => Prisma.sql`(${r.id}, ${r.attempt}::int, ${r.status}::"NotificationStatus", ${r.statusDetail}::text, ${r.eventDetail}::text,
        ${r.providerMessageId}::text, ${r.nextAttemptAt}::timestamp(3), ${rawJson(r.raw)}::jsonb, ${r.at}::timestamp(3))`,
    ),
  );
  return prisma.$queryRaw<Changed[]>`
    WITH d(id, attempt, st, detail, edetail, pmid, next_at, raw, at) AS (VALUES ${values}),
    u AS (
      UPDATE "Notification" n SET
        status = d.st, "statusDetail" = d.detail, "lockedUntil" = NULL,
        "nextAttemptAt" = COALESCE(d.next_at, n."nextAttemptAt"),
        "providerMessageId" = COALESCE(d.pmid, n."providerMessageId"),
        "sentAt" = CASE WHEN d.st = 'YES' THEN d.at ELSE n."sentAt" END,
        "failedAt" = CASE WHEN d.st = 'FAILED' THEN d.at ELSE n."failedAt" END,
        "updatedAt" = d.at
      FROM d WHERE n.id = d.id AND n.status = 'SENDING' AND n.attempts = d.attempt
      RETURNING n.id, n."incidentId", n."accountId", n.status::text AS status
    ),
    late AS (
      -- a delivery report overtook our own write (e.g. NHN reporting within milliseconds): keep
      -- the report's status, but record that and when we handed the message over
      UPDATE "Notification" n SET "providerMessageId" = COALESCE(n."providerMessageId", d.pmid), "sentAt" = COALESCE(n."sentAt", d.at)
      FROM d WHERE n.id = d.id AND d.st = 'YES' AND n.attempts = d.attempt AND n.status IN ('DELIVERED', 'FAILED', 'READ')
      RETURNING n.id
    ),
    e AS (
      INSERT INTO "NotificationEvent" ("notificationId", at, status, detail, raw)
      SELECT d.id, d.at, d.st, d.edetail, d.raw FROM d WHERE EXISTS (SELECT 1 FROM "Notification" x WHERE x.id = d.id)
    )
    SELECT id, "incidentId", "accountId", status FROM u`;
}

export interface OutcomeWriter {
  /** Resolves once the row is committed (retried on database errors until `stop`). */
  write(row: OutcomeRow): Promise<void>;
  /** Waits for pending writes; gives up on those still failing after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  pending(): number;
}

export function createOutcomeWriter(opts: {
  prisma: PrismaClient;
  events: Pick<Events, 'notification'>;
  onError?: (err: unknown, rows: number) => void;
  retryMs?: number;
  maxBatch?: number;
  /** Gather outcomes this long before writing (fewer, larger statements under load; default 10 ms). */
  lingerMs?: number;
}): OutcomeWriter {
  type Pending = { row: OutcomeRow; done: () => void; fail: (e: unknown) => void };
  let buffer: Pending[] = [];
  let flushing: Promise<void> | null = null;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | null = null;
  let lingerTimer: NodeJS.Timeout | null = null;
  let writing = 0;
  const maxBatch = opts.maxBatch ?? 500;
  const lingerMs = opts.lingerMs ?? 10;

  async function flushOnce(): Promise<void> {
    const batch = buffer.slice(0, maxBatch);
    buffer = buffer.slice(batch.length);
    writing = batch.length;
    try {
      const changed = await writeOutcomes(
        opts.prisma,
        batch.map((p) => p.row),
      );
      for (const c of changed)
        opts.events.notification({
          notificationId: c.id,
          incidentId: c.incidentId,
          accountId: c.accountId,
          status: c.status,
        });
      for (const p of batch) p.done();
    } catch (err) {
      opts.onError?.(err, batch.length);
      if (stopped) {
        for (const p of batch) p.fail(err);
      } else {
        buffer = [...batch, ...buffer];
        throw err;
      }
    } finally {
      writing = 0;
    }
  }

  /** Flush soon: after the linger, or at once when a full batch is waiting. */
  function schedule(): void {
    if (flushing || retryTimer || lingerTimer || buffer.length === 0) return;
    if (buffer.length >= maxBatch || lingerMs <= 0) return kick();
    lingerTimer = setTimeout(() => {
      lingerTimer = null;
      kick();
    }, lingerMs);
  }

  function kick(): void {
    if (lingerTimer) {
      clearTimeout(lingerTimer);
      lingerTimer = null;
    }
    if (flushing || retryTimer || buffer.length === 0) return;
    flushing = (async () => {
      try {
        while (buffer.length > 0) await flushOnce();
      } catch {
        retryTimer = setTimeout(() => {
          retryTimer = null;
          kick();
        }, opts.retryMs ?? 1_000);
        retryTimer.unref();
      }
    })().finally(() => {
      flushing = null;
      schedule();
    });
  }

  return {
    write(row) {
      return new Promise<void>((done, fail) => {
        buffer.push({ row, done, fail });
        schedule();
      });
    },
    pending: () => buffer.length + writing,
    async stop(graceMs = 5_000) {
      const deadline = Date.now() + graceMs;
      while ((buffer.length > 0 || flushing) && Date.now() < deadline) {
        if (!flushing) kick();
        if (retryTimer) {
          clearTimeout(retryTimer);
          retryTimer = null;
          kick();
        }
        await (flushing ?? new Promise((r) => setTimeout(r, 50)));
      }
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (lingerTimer) clearTimeout(lingerTimer);
      const left = buffer;
      buffer = [];
      for (const p of left) p.fail(new Error('dispatcher stopped before the outcome could be written'));
    },
  };
}
