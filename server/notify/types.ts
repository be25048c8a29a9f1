// Shared vocabulary of the notify layer. Pure types: no app imports (no Prisma, no GraphQL).
// The string unions mirror the Prisma enums `Channel` and `NotificationKind` one to one.

export type Channel = 'EMAIL' | 'SMS' | 'ALIMTALK' | 'SLACK' | 'TELEGRAM' | 'WEBHOOK';

export type MessageKind =
  | 'DOWN'
  | 'RECOVERED'
  | 'REMINDER'
  | 'ESCALATION'
  | 'PROBE_DEGRADED'
  | 'PROBE_RECOVERED'
  /** A port flaps (fails and answers by turns): one message when it starts. */
  | 'FLAPPING'
  /** The incident closed because its last port stopped flapping (not "recovered"). */
  | 'STABLE'
  /** A certificate's expiry is near (seq = the threshold in days). */
  | 'CERT_EXPIRING'
  | 'CLOSED'
  | 'TEST'
  /** Webhooks only: someone acknowledged the incident. */
  | 'ACKNOWLEDGED';

/** One flapping port's window when it began to flap: "port 22 failed 9 of the last 21 checks". */
export interface FlapLine {
  port: number;
  failed: number;
  checks: number;
}

/** Why an incident was closed without recovering (a CLOSED message names it). */
export type CloseReason = 'PORTS_REMOVED' | 'MONITOR_PAUSED' | 'MONITOR_DELETED';

export type Lang = 'ko' | 'en';

/** Everything a message says. All strings are treated as untrusted (escaped in HTML). */
export interface AlertContent {
  kind: MessageKind;
  lang: Lang;
  host: string;
  ports: number[];
  /** OS-level reason of the failure, e.g. { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.5:22' } */
  error?: { code: string; message: string };
  /** When it happened (DOWN: incident opened; RECOVERED: closed; REMINDER: still down at). */
  at: Date;
  incidentId: string;
  monitorName?: string;
  logUrl: string;
  /** A signed acknowledgement link (tracking.signToken purpose 'ack'), built by the integrator. */
  ackUrl?: string;
  /** IANA zone for timestamps; default Asia/Seoul for ko, UTC for en. */
  timeZone?: string;
  /** The incident's flapping ports (absent or empty: none flapped). */
  flap?: FlapLine[];
  /** CERT_EXPIRING: the certificate and how long it has left (whole days at `at`). */
  certificate?: { subject: string; validTo: Date; daysLeft: number };
  /** CLOSED: why the incident was closed (it did not recover). */
  closeReason?: CloseReason;
  /** When the incident opened (chat messages and webhooks show the duration). */
  openedAt?: Date;
  /** When it was resolved (RECOVERED). */
  resolvedAt?: Date;
  /** When and by whom it was acknowledged ("alice", "link: ops@example.com"). */
  acknowledgedAt?: Date;
  acknowledgedBy?: string;
}

/**
 * Result of one send attempt, as the dispatcher records it in the ledger.
 * - SENT: the provider took the message (ledger YES); providerMessageId correlates later reports.
 * - RETRY: transient (4xx SMTP, network, timeout, 429, 5xx): try again later, honour retryAfterMs.
 * - FAILED: permanent (5xx SMTP, rejected recipient, provider refused): ledger FAILED with detail.
 * - NOT_SENT: nothing was attempted (e.g. no SMS provider configured); the detail says why.
 */
export type SendOutcome =
  | { status: 'SENT'; providerMessageId: string | null; detail: string; raw: unknown }
  | { status: 'RETRY'; detail: string; raw: unknown; retryAfterMs?: number }
  | { status: 'FAILED'; detail: string; raw: unknown }
  | { status: 'NOT_SENT'; detail: string };

/** A carrier / provider delivery report (SMS webhook), keyed by the providerMessageId returned at send. */
export interface DeliveryReport {
  providerMessageId: string;
  status: 'DELIVERED' | 'FAILED' | 'SENT';
  detail: string;
  raw: unknown;
  /** Our ledger id when the provider echoes it back (NHN grouping keys); Twilio does not. */
  ledgerId?: string | null;
}

/** Ledger ids travel in Message-IDs, SMTP ENVID (xtext) and provider grouping keys: keep them plain. */
export const LEDGER_ID_PATTERN = /^[A-Za-z0-9._-]{1,100}$/;

export function assertLedgerId(ledgerId: string): void {
  if (!LEDGER_ID_PATTERN.test(ledgerId)) {
    throw new TypeError(`invalid ledger id ${JSON.stringify(ledgerId)}: expected 1-100 chars of [A-Za-z0-9._-]`);
  }
}
