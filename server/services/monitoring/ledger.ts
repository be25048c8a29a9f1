// Which notification ledger rows an incident event creates (pure). One row per recipient
// and channel; a switched-off channel still gets a row with status NO, as the seed's log shows.
import type { Channel, Language, NotificationKind, NotificationStatus, RecipientRole } from '../../generated/prisma/enums.ts';
import type { Contact } from './model.ts';

export interface AdminRecipientInfo {
  email: string | null;
  phone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  language: Language;
}

export interface LedgerRow {
  incidentId: string;
  accountId: string | null;
  kind: NotificationKind;
  seq: number;
  channel: Channel;
  recipient: string;
  recipientRole: RecipientRole;
  language: Language;
  status: NotificationStatus;
  statusDetail: string | null;
  nextAttemptAt: Date;
}

export interface LedgerInput {
  incidentId: string;
  kind: NotificationKind;
  /** The monitor's owner; null for admin-only incidents (probe degraded). */
  accountId: string | null;
  contact: Contact | null;
  admins: AdminRecipientInfo[];
  /** When sending may start (DOWN waits a few seconds so other failing ports can join). */
  sendAfter: Date;
}

// The NO reasons say whose switch it was: the monitor's switches govern its contact only.
export const CONTACT_MAIL_OFF = "not sent: mail to the contact is switched off on this monitor";
export const CONTACT_SMS_OFF = "not sent: SMS to the contact is switched off on this monitor";
export const ADMIN_MAIL_OFF = "not sent: mail is switched off in this admin recipient's settings (the monitor's switches apply to its contact only)";
export const ADMIN_SMS_OFF = "not sent: SMS is switched off in this admin recipient's settings (the monitor's switches apply to its contact only)";

export function ledgerRows(input: LedgerInput): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const base = { incidentId: input.incidentId, kind: input.kind, seq: 0, nextAttemptAt: input.sendAfter };
  const add = (channel: Channel, recipient: string, role: RecipientRole, language: Language, enabled: boolean, offDetail: string) => {
    if (rows.some((r) => r.channel === channel && r.recipient === recipient)) return; // same person twice: one message
    rows.push({
      ...base,
      accountId: role === 'CONTACT' ? input.accountId : null,
      channel,
      recipient,
      recipientRole: role,
      language,
      status: enabled ? 'QUEUED' : 'NO',
      statusDetail: enabled ? null : offDetail,
    });
  };
  const c = input.contact;
  if (c) {
    add('EMAIL', c.email, 'CONTACT', c.language, c.mailEnabled, CONTACT_MAIL_OFF);
    if (c.phone) add('SMS', c.phone, 'CONTACT', c.language, c.smsEnabled, CONTACT_SMS_OFF);
  }
  // admin recipients follow their own channel choices, never the monitor's switches
  for (const a of input.admins) {
    if (a.email) add('EMAIL', a.email, 'ADMIN', a.language, a.mailEnabled, ADMIN_MAIL_OFF);
    if (a.phone) add('SMS', a.phone, 'ADMIN', a.language, a.smsEnabled, ADMIN_SMS_OFF);
  }
  return rows;
}
