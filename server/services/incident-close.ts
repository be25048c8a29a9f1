// Closing a host's open incident for a reason other than recovery, from the API side (a
// monitor deleted): the incident records the reason and every recipient of its DOWN message
// gets a CLOSED message saying so, in the same transaction. The probe engine closes incidents
// of monitors it runs the same way (paused, ports edited); the ledger's unique key makes the
// two writers agree on one message per recipient and channel.
import type { Prisma } from '../generated/prisma/client.ts';
import type { IncidentCloseReason } from '../generated/prisma/enums.ts';
import { ledgerRows, type AdminRecipientInfo } from './notifications/rows.ts';
import { endpointInfoSelect, toEndpointInfo } from './notify-endpoints/info.ts';

type Tx = Prisma.TransactionClient;

/** The admin alert recipients as the ledger needs them. */
export async function adminRecipientInfo(db: Pick<Tx, 'adminRecipient'>): Promise<AdminRecipientInfo[]> {
  const rows = await db.adminRecipient.findMany({
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    include: { endpoints: { select: endpointInfoSelect } },
  });
  return rows.map((a) => ({
    email: a.email,
    phone: a.phone,
    mailEnabled: a.mailEnabled,
    smsEnabled: a.smsEnabled,
    alimtalkEnabled: a.alimtalkEnabled,
    endpoints: a.endpoints.map(toEndpointInfo),
    language: a.language,
  }));
}

export interface ClosableMonitor {
  id: string;
  accountId: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  account: { language: 'ko' | 'en' };
}

/** Closes the monitor's open incidents with `reason`; returns their ids. */
export async function closeMonitorIncidents(
  tx: Tx,
  m: ClosableMonitor,
  reason: Exclude<IncidentCloseReason, 'RECOVERED'>,
  now: Date,
): Promise<string[]> {
  const open = await tx.incident.findMany({ where: { monitorId: m.id, resolvedAt: null }, select: { id: true } });
  if (!open.length) return [];
  await tx.incident.updateMany({
    where: { id: { in: open.map((i) => i.id) }, resolvedAt: null },
    data: { resolvedAt: now, openMonitorId: null, closeReason: reason },
  });
  const admins = await adminRecipientInfo(tx);
  const contact = {
    name: m.contactName,
    email: m.contactEmail,
    phone: m.contactPhone,
    mailEnabled: m.mailEnabled,
    smsEnabled: m.smsEnabled,
    language: m.account.language,
  };
  const data = open.flatMap((i) =>
    ledgerRows({ incidentId: i.id, kind: 'CLOSED', accountId: m.accountId, contact, admins, sendAfter: now }),
  );
  if (data.length) await tx.notification.createMany({ data, skipDuplicates: true });
  return open.map((i) => i.id);
}
