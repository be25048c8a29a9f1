// Delivery updates after the hand-over: SMS delivery reports, e-mail bounces, read signals.
// Each maps to a signal of transitions.ts; reports are recorded once under a row lock, bounces and reads go through applySignal.
import type { BounceInfo } from '../../notify/bounce.ts';
import type { DeliveryReport } from '../../notify/types.ts';
import type { ServiceDeps } from '../types.ts';
import type { NotificationStatus } from '../../generated/prisma/enums.ts';
import { appendEvent, applySignal, toJson, type ApplySignalResult } from './ledger.ts';
import { canApply, targetOf, type Signal } from './transitions.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now'>;

export type DeliveryUpdateResult =
  | { matched: false; reason: string }
  | { matched: true; notificationId: string; incidentId: string; changed: boolean; status: string };

function result(id: string, r: ApplySignalResult): DeliveryUpdateResult {
  return r.found
    ? { matched: true, notificationId: id, incidentId: r.incidentId, changed: r.changed, status: r.status }
    : { matched: false, reason: 'ledger row not found' };
}

/** Finds the SMS row a report is about: our ledger id when the provider echoes it (NHN), else the provider's message id. */
async function findSmsRow(deps: Deps, report: DeliveryReport): Promise<string | null> {
  if (report.ledgerId) {
    const byLedger = await deps.prisma.notification.findUnique({
      where: { id: report.ledgerId },
      select: { id: true, channel: true },
    });
    if (byLedger?.channel === 'SMS') return byLedger.id;
  }
  const byProvider = await deps.prisma.notification.findFirst({
    where: { providerMessageId: report.providerMessageId, channel: 'SMS' },
    select: { id: true },
  });
  return byProvider?.id ?? null;
}

/**
 * Records one SMS delivery report exactly once. Under a lock on the message's row (concurrent
 * reports of one message queue behind each other, in every process), a report whose text the
 * timeline already holds (a replay, or the provider retrying) changes nothing and adds nothing;
 * otherwise the report is a timeline event, and DELIVERED / FAILED move the status as
 * transitions.ts allows (a contradiction is recorded as ignored). The live change is published
 * after the commit.
 */
async function recordReportOnce(
  deps: Deps,
  id: string,
  report: DeliveryReport,
  detail: string,
): Promise<DeliveryUpdateResult> {
  const raw = toJson(report.raw);
  const signal: Signal | null =
    report.status === 'SENT' ? null : report.status === 'DELIVERED' ? 'report-delivered' : 'report-failed';
  const out = await deps.prisma.$transaction(
    async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "Notification" WHERE "id" = ${id} FOR UPDATE`;
      const row = await tx.notification.findUnique({
        where: { id },
        select: { status: true, sentAt: true, incidentId: true, accountId: true },
      });
      if (!row) return null;
      const unchanged = { row, changed: false as const, status: row.status };
      const seen = await tx.notificationEvent.findFirst({
        where: { notificationId: id, detail: { endsWith: detail } },
        select: { id: true },
      });
      if (seen) return unchanged;
      const now = deps.now();
      const event = (status: NotificationStatus, text: string) =>
        tx.notificationEvent.create({
          data: { notificationId: id, at: now, status, detail: text, ...(raw !== undefined ? { raw } : {}) },
        });
      if (!signal) {
        await event(row.status, detail);
        return unchanged;
      }
      if (!canApply(signal, row.status, row.sentAt !== null)) {
        await event(row.status, `ignored (already ${row.status}): ${detail}`);
        return unchanged;
      }
      const to = targetOf(signal);
      await tx.notification.update({
        where: { id },
        data: {
          status: to,
          statusDetail: detail,
          lockedUntil: null,
          ...(to === 'DELIVERED' ? { deliveredAt: now } : { failedAt: now }),
        },
      });
      await event(to, detail);
      return { row, changed: true as const, status: to };
    },
    { timeout: 15_000, maxWait: 10_000 },
  );
  if (!out) return { matched: false, reason: 'ledger row not found' };
  if (out.changed)
    deps.events.notification({
      notificationId: id,
      incidentId: out.row.incidentId,
      accountId: out.row.accountId,
      status: out.status,
    });
  return {
    matched: true,
    notificationId: id,
    incidentId: out.row.incidentId,
    changed: out.changed,
    status: out.status,
  };
}

export interface RecordDeliveryReportOptions {
  report: DeliveryReport;
  provider: string;
}

/**
 * An SMS delivery report (already signature-checked by the provider adapter). A report whose
 * message we do not know is answered but changes nothing: Twilio reports carry only the message
 * SID, which is unknown for the instant between the provider's answer and our ledger write.
 */
export async function recordDeliveryReport(
  deps: Deps,
  opts: RecordDeliveryReportOptions,
): Promise<DeliveryUpdateResult> {
  const { report } = opts;
  const id = await findSmsRow(deps, report);
  if (!id)
    return { matched: false, reason: `no SMS ledger row for ${opts.provider} message ${report.providerMessageId}` };
  return recordReportOnce(deps, id, report, `${opts.provider} report: ${report.detail}`);
}

export interface RecordBounceOptions {
  bounce: BounceInfo;
}

/**
 * An RFC 3464 report from the bounce receiver. `failed` (or no Action) → FAILED with the remote
 * server's diagnostic; `delayed`, `delivered`, `relayed`, `expanded` → a timeline event only.
 * A bounce after READ keeps READ (someone read the message; a forwarded copy may still bounce)
 * and is recorded as an event.
 */
export async function recordBounce(deps: Deps, opts: RecordBounceOptions): Promise<DeliveryUpdateResult> {
  const b = opts.bounce;
  if (!b.ledgerId) return { matched: false, reason: 'the report names no portwatch message' };
  const row = await deps.prisma.notification.findUnique({
    where: { id: b.ledgerId },
    select: { channel: true, incidentId: true, status: true },
  });
  if (row?.channel !== 'EMAIL') return { matched: false, reason: `no e-mail ledger row ${b.ledgerId}` };
  const raw = {
    action: b.action,
    status: b.status,
    recipient: b.recipient,
    messageId: b.messageId,
    diagnostic: b.diagnostic,
  };
  const action = b.action ?? 'failed';
  if (action !== 'failed') {
    await appendEvent(
      deps,
      b.ledgerId,
      `delivery status notification (${action}${b.status ? ` ${b.status}` : ''}): ${b.diagnostic}`,
      raw,
    );
    return {
      matched: true,
      notificationId: b.ledgerId,
      incidentId: row.incidentId,
      changed: false,
      status: row.status,
    };
  }
  const detail = `bounced${b.status ? ` (${b.status})` : ''}: ${b.diagnostic}`;
  return result(b.ledgerId, await applySignal(deps, { notificationId: b.ledgerId, signal: 'bounce', detail, raw }));
}

export type ReadVia = 'pixel' | 'link' | 'ack';

const READ_DETAIL: Record<ReadVia, string> = {
  pixel: 'read: tracking pixel fetched',
  link: 'read: log link opened',
  ack: 'read: acknowledgement link opened',
};

/** A signed read signal. Only the first one counts; later ones change nothing and add nothing. */
export async function recordRead(
  deps: Deps,
  opts: { notificationId: string; via: ReadVia; userAgent?: string | null },
): Promise<DeliveryUpdateResult> {
  const raw = opts.userAgent ? { userAgent: opts.userAgent.slice(0, 300) } : undefined;
  return result(
    opts.notificationId,
    await applySignal(deps, {
      notificationId: opts.notificationId,
      signal: 'read',
      detail: READ_DETAIL[opts.via],
      raw,
      recordIgnored: false,
    }),
  );
}
