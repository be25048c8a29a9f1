// Which signal may move a ledger row from which status to which. Pure; the SQL in claim.ts,
// outcomes.ts and ledger.ts applies these rules as `WHERE status IN (…)` conditions, so two
// processes (or a late webhook racing the dispatcher) can never move a row backwards.
//
//  signal                            from                        → to          notes
//  ───────────────────────────────── ─────────────────────────── ─ ─────────── ─────────────────────────────
//  claim (dispatcher)                QUEUED, nextAttemptAt ≤ now → SENDING     attempts + 1, lockedUntil = now + lease
//  lease expired (process died)      SENDING, lockedUntil < now  → QUEUED      or FAILED when attempts ≥ max
//  stop (graceful, never started)    SENDING (claimed by us)     → QUEUED      attempts − 1
//  send SENT                         SENDING (our attempt)       → YES         sentAt, providerMessageId
//  send RETRY (4xx, 429, 5xx, net)   SENDING (our attempt)       → QUEUED      nextAttemptAt = backoff; FAILED at max
//  send FAILED (5xx, refused)        SENDING (our attempt)       → FAILED      the provider's words
//  send NOT_SENT (no SMTP / no SMS)  SENDING (our attempt)       → NOT_SENT    "not sent: no … configured" (NO is the switch only)
//  SMS report DELIVERED              QUEUED, SENDING, YES        → DELIVERED   deliveredAt
//  SMS report FAILED, mail bounce    QUEUED, SENDING, YES        → FAILED      failedAt, carrier / MTA text
//  SMS report SENT                   (any)                       → (same)      timeline event only
//  read: pixel, read link, ack link  YES, DELIVERED              → READ        readAt; first time only
//  read after a bounce               FAILED with sentAt          → READ        a person read it: evidence wins
//  anything else                     —                           → (same)      e.g. DELIVERED then a late FAILED or
//                                                                              SENT report, a bounce after READ:
//                                                                              recorded as a timeline event, no change
//
// "our attempt" = the row is still SENDING with the attempts value we claimed it with (a fencing
// token): a dispatcher whose lease expired and was taken over cannot overwrite the new owner.
// QUEUED/SENDING → DELIVERED/FAILED by a report: the provider had the message (an earlier attempt
// timed out on our side but went through); taking the report stops a needless resend.
// NO, NOT_SENT, READ and FAILED (bar the read above) are final.
import type { NotificationStatus } from '../../generated/prisma/enums.ts';

export type Signal = 'report-delivered' | 'report-failed' | 'bounce' | 'read';

const FROM: Record<Signal, readonly NotificationStatus[]> = {
  'report-delivered': ['QUEUED', 'SENDING', 'YES'],
  'report-failed': ['QUEUED', 'SENDING', 'YES'],
  bounce: ['QUEUED', 'SENDING', 'YES'],
  read: ['YES', 'DELIVERED', 'FAILED'],
};

const TO: Record<Signal, NotificationStatus> = {
  'report-delivered': 'DELIVERED',
  'report-failed': 'FAILED',
  bounce: 'FAILED',
  read: 'READ',
};

/** Statuses a row may be in for `signal` to apply. */
export function allowedFrom(signal: Signal): readonly NotificationStatus[] {
  return FROM[signal];
}

export function targetOf(signal: Signal): NotificationStatus {
  return TO[signal];
}

/** True when `signal` moves a row in `from` (READ from FAILED only when the message had been handed over). */
export function canApply(signal: Signal, from: NotificationStatus, handedOver: boolean): boolean {
  if (!FROM[signal].includes(from)) return false;
  if (signal === 'read' && from === 'FAILED') return handedOver;
  return true;
}

/** Statuses after which the row will never change again. */
export const FINAL_STATUSES: readonly NotificationStatus[] = ['NO', 'NOT_SENT', 'READ'];
