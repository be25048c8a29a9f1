// The opt-in monthly SLA report e-mail (issue 17), through the ledger like every message.
// - Queueing (a timer beside reminders.ts): once local midnight of the 1st has passed in a
//   customer's time zone, an account with the e-mail switched on (Account.slaReportMail) since
//   before that midnight gets one anchor incident of kind SLA_REPORT for the month just ended —
//   id 'sla-<accountId>-<YYYY-MM>', closed at once, listed nowhere — and one QUEUED EMAIL row
//   (kind SLA_REPORT, seq YYYYMM, the account's address and language). The anchor's primary key
//   and the ledger's unique key make a second process or a restart unable to queue it twice; a
//   process that was down on the 1st queues it when it comes back (within that month).
// - Sending: the dispatcher claims the row like any other and asks `slaReportEmail` for the
//   message, rendered when sent from the report (services/sla) in the account's zone and the row's
//   language, with the report's PDF attached. SMTP failures are retried by the dispatcher's policy.
import type { Logger } from '../log.ts';
import { periodicPass, type PeriodicPass } from './periodic.ts';
import { renderSlaMail } from '../notify/sla-mail.ts';
import type { EmailMessage } from '../notify/email.ts';
import type { SendOutcome } from '../notify/types.ts';
import { isEmailAddress } from '../notify/email-address.ts';
import { monthSpan } from '../services/availability/zone.ts';
import { previousMonth } from '../services/sla/month.ts';
import { slaPdf } from '../services/sla/pdf.ts';
import { accountSlaReport } from '../services/sla/report.ts';
import type { ServiceDeps } from '../services/types.ts';
import type { ClaimedRow } from './claim.ts';
import { trackingUrls } from './content.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now' | 'signals'>;

/** The anchor incident of an account's month: its id is the uniqueness. */
export const slaAnchorId = (accountId: string, month: string) => `sla-${accountId}-${month}`;

/** seq of the ledger row: 2026-11 → 202611. */
export const slaSeq = (month: string) => Number(month.replace('-', ''));
export const monthOfSeq = (seq: number) => `${Math.floor(seq / 100)}-${String(seq % 100).padStart(2, '0')}`;

export interface RunSlaMailResult {
  /** Rows queued by this pass. */
  queued: number;
}

/** One pass: queues the monthly report of every account whose month has ended and that has not had it. */
export async function runSlaMail(
  deps: Deps,
  now: Date = deps.now(),
  log: Logger = () => {},
): Promise<RunSlaMailResult> {
  const accounts = await deps.prisma.account.findMany({
    where: { role: 'CUSTOMER', slaReportMail: true, disabledAt: null },
    select: { id: true, email: true, language: true, timeZone: true, slaReportMailSince: true },
  });
  const due = accounts.flatMap((a) => {
    let month: string;
    let end: number;
    try {
      month = previousMonth(now, a.timeZone);
      end = monthSpan(month, a.timeZone).to;
    } catch (err) {
      log('warn', 'sla mail: bad time zone', { err, accountId: a.id, timeZone: a.timeZone });
      return [];
    }
    // it must have been on when the month ended (switched on later: the next month is the first)
    if (!a.slaReportMailSince || a.slaReportMailSince.getTime() > end) return [];
    return [{ ...a, month, anchorId: slaAnchorId(a.id, month) }];
  });
  if (due.length === 0) return { queued: 0 };
  const done = new Set(
    (
      await deps.prisma.incident.findMany({
        where: { id: { in: due.map((d) => d.anchorId) } },
        select: { id: true },
      })
    ).map((i) => i.id),
  );
  let queued = 0;
  for (const a of due) {
    if (done.has(a.anchorId)) continue;
    const valid = isEmailAddress(a.email);
    const rows = await deps.prisma.$transaction(async (tx) => {
      const made = await tx.incident.createMany({
        data: [
          {
            id: a.anchorId,
            kind: 'SLA_REPORT',
            accountId: a.id,
            ports: [],
            reason: a.month,
            openedAt: now,
            resolvedAt: now,
          },
        ],
        skipDuplicates: true,
      });
      if (made.count === 0) return []; // another process queued it first
      return tx.notification.createManyAndReturn({
        data: [
          {
            incidentId: a.anchorId,
            accountId: a.id,
            kind: 'SLA_REPORT',
            seq: slaSeq(a.month),
            channel: 'EMAIL',
            recipient: a.email,
            recipientRole: 'CONTACT',
            language: a.language,
            nextAttemptAt: now,
            createdAt: now,
            status: valid ? 'QUEUED' : 'FAILED',
            statusDetail: valid ? null : 'the account has no valid e-mail address',
            ...(valid ? {} : { failedAt: now }),
          },
        ],
        skipDuplicates: true,
        select: { id: true, incidentId: true, accountId: true, status: true },
      });
    });
    for (const r of rows) {
      if (r.status === 'QUEUED') queued += 1;
      deps.events.notification({
        notificationId: r.id,
        incidentId: r.incidentId,
        accountId: r.accountId,
        status: r.status,
      });
    }
  }
  if (queued > 0) deps.signals.notificationsQueued.emit();
  return { queued };
}

export type SlaMailScheduler = PeriodicPass;

/** Runs `runSlaMail` every `intervalMs` (default 5 min); a pass never overlaps the previous one. */
export function createSlaMailScheduler(deps: Deps, opts: { intervalMs?: number; log?: Logger } = {}): SlaMailScheduler {
  return periodicPass(() => runSlaMail(deps, deps.now(), opts.log ?? (() => {})), {
    intervalMs: opts.intervalMs ?? 300_000,
    log: opts.log ?? (() => {}),
    failure: 'sla mail: pass failed; the next pass retries',
  });
}

/**
 * The message of an SLA_REPORT row, rendered now: the report of the month (seq) in the account's
 * zone, the row's language, a read pixel, a link to the report page and the PDF attached. A
 * database failure while reading the report is a RETRY (the row is sent later), an account that
 * is gone a FAILED.
 */
export async function slaReportEmail(
  deps: ServiceDeps,
  row: ClaimedRow,
): Promise<EmailMessage | Exclude<SendOutcome, { status: 'SENT' }>> {
  const month = monthOfSeq(row.seq);
  let report: Awaited<ReturnType<typeof accountSlaReport>>;
  try {
    report = row.accountId ? await accountSlaReport(deps, row.accountId, month) : null;
  } catch (err) {
    return {
      status: 'RETRY',
      detail: `could not read the SLA report: ${err instanceof Error ? err.message : String(err)}`,
      raw: null,
    };
  }
  if (!report) return { status: 'FAILED', detail: 'the account no longer exists', raw: null };
  const base = deps.publicUrl.replace(/\/+$/, '');
  const urls = trackingUrls(deps.publicUrl, deps.secret, row.id);
  const mail = renderSlaMail(report, {
    lang: row.language,
    reportUrl: `${base}/sla?month=${month}`,
    trackingPixelUrl: urls.pixel,
    withPdf: true,
  });
  return {
    ledgerId: row.id,
    to: row.recipient,
    ...mail,
    attachments: [
      {
        filename: `sla-${report.loginId}-${month}.pdf`,
        contentType: 'application/pdf',
        content: slaPdf(report, row.language, deps.now()),
      },
    ],
  };
}
