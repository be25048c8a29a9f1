// Delivery updates after the hand-over: SMS delivery reports, e-mail bounces, read signals.
// Each maps to a signal of transitions.ts and goes through applySignal (event + live update).
import type { BounceInfo } from '../../notify/bounce.ts';
import type { DeliveryReport } from '../../notify/types.ts';
import type { ServiceDeps } from '../types.ts';
import { appendEvent, applySignal, type ApplySignalResult } from './ledger.ts';

type Deps = Pick<ServiceDeps, 'prisma' | 'events' | 'now'>;

export type DeliveryUpdateResult =
  | { matched: false; reason: string }
  | { matched: true; notificationId: string; incidentId: string; changed: boolean; status: string };

function result(id: string, r: ApplySignalResult): DeliveryUpdateResult {
  return r.found ? { matched: true, notificationId: id, incidentId: r.incidentId, changed: r.changed, status: r.status } : { matched: false, reason: 'ledger row not found' };
}

/** Finds the SMS row a report is about: our ledger id when the provider echoes it (NHN), else the provider's message id. */
async function findSmsRow(deps: Deps, report: DeliveryReport): Promise<string | null> {
  if (report.ledgerId) {
    const byLedger = await deps.prisma.notification.findUnique({ where: { id: report.ledgerId }, select: { id: true, channel: true } });
    if (byLedger?.channel === 'SMS') return byLedger.id;
  }
  const byProvider = await deps.prisma.notification.findFirst({
    where: { providerMessageId: report.providerMessageId, channel: 'SMS' },
    select: { id: true },
  });
  return byProvider?.id ?? null;
}

/** A report that says what an earlier one for this message already said (a replay, or a provider's retry). */
async function sameReportRecorded(deps: Deps, notificationId: string, detail: string): Promise<{ incidentId: string; status: string } | null> {
  const seen = await deps.prisma.notificationEvent.findFirst({ where: { notificationId, detail: { endsWith: detail } }, select: { id: true } });
  if (!seen) return null;
  const row = await deps.prisma.notification.findUnique({ where: { id: notificationId }, select: { incidentId: true, status: true } });
  return row ? { incidentId: row.incidentId, status: row.status } : null;
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
export async function recordDeliveryReport(deps: Deps, opts: RecordDeliveryReportOptions): Promise<DeliveryUpdateResult> {
  const { report } = opts;
  const id = await findSmsRow(deps, report);
  if (!id) return { matched: false, reason: `no SMS ledger row for ${opts.provider} message ${report.providerMessageId}` };
  const detail = `${opts.provider} report: ${report.detail}`;
  // a replayed report (the same status and result for this message again) is answered and changes nothing
  const replay = await sameReportRecorded(deps, id, detail);
  if (replay) return { matched: true, notificationId: id, incidentId: replay.incidentId, changed: false, status: replay.status };
  if (report.status === 'SENT') {
    const row = await appendEvent(deps, id, detail, report.raw);
    return row ? { matched: true, notificationId: id, incidentId: row.incidentId, changed: false, status: row.status } : { matched: false, reason: 'ledger row not found' };
  }
  const signal = report.status === 'DELIVERED' ? 'report-delivered' : 'report-failed';
  return result(id, await applySignal(deps, { notificationId: id, signal, detail, raw: report.raw }));
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
  const row = await deps.prisma.notification.findUnique({ where: { id: b.ledgerId }, select: { channel: true, incidentId: true, status: true } });
  if (row?.channel !== 'EMAIL') return { matched: false, reason: `no e-mail ledger row ${b.ledgerId}` };
  const raw = { action: b.action, status: b.status, recipient: b.recipient, messageId: b.messageId, diagnostic: b.diagnostic };
  const action = b.action ?? 'failed';
  if (action !== 'failed') {
    await appendEvent(deps, b.ledgerId, `delivery status notification (${action}${b.status ? ` ${b.status}` : ''}): ${b.diagnostic}`, raw);
    return { matched: true, notificationId: b.ledgerId, incidentId: row.incidentId, changed: false, status: row.status };
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
export async function recordRead(deps: Deps, opts: { notificationId: string; via: ReadVia; userAgent?: string | null }): Promise<DeliveryUpdateResult> {
  const raw = opts.userAgent ? { userAgent: opts.userAgent.slice(0, 300) } : undefined;
  return result(opts.notificationId, await applySignal(deps, { notificationId: opts.notificationId, signal: 'read', detail: READ_DETAIL[opts.via], raw, recordIgnored: false }));
}
