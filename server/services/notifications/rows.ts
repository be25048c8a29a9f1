// Which notification ledger rows an incident event creates (pure). One row per recipient
// and channel; a switched-off mail/SMS channel or Slack/Telegram/webhook destination still gets a
// row with status NO, as the seed's log shows. AlimTalk rows exist only for recipients who chose it.
import type {
  Channel,
  Language,
  NotificationKind,
  NotificationStatus,
  RecipientRole,
} from '../../generated/prisma/enums.ts';

/** Whom a monitor's alerts go to, and by which channels. */
export interface Contact {
  name: string;
  email: string;
  phone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  /** KakaoTalk AlimTalk to the phone, the SMS being its fallback. */
  alimtalkEnabled?: boolean;
  /** The account's Slack / Telegram / webhook destinations. */
  endpoints?: EndpointInfo[];
  language: Language;
}

/** A Slack / Telegram / webhook destination of a contact's account or of an admin recipient. */
export interface EndpointInfo {
  id: string;
  channel: Channel;
  /** What the ledger shows as the recipient (no secrets): also the dedup key per channel. */
  recipient: string;
  enabled: boolean;
}

export interface AdminRecipientInfo {
  email: string | null;
  phone: string | null;
  mailEnabled: boolean;
  smsEnabled: boolean;
  /** KakaoTalk AlimTalk to `phone`, with the SMS as its fallback. */
  alimtalkEnabled?: boolean;
  endpoints?: EndpointInfo[];
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
  endpointId?: string | null;
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

const CHANNEL_NAME: Record<Channel, string> = {
  EMAIL: 'mail',
  SMS: 'SMS',
  ALIMTALK: 'AlimTalk',
  SLACK: 'Slack',
  TELEGRAM: 'Telegram',
  WEBHOOK: 'webhook',
};

/** Detail of a switched-off SMS row whose recipient gets AlimTalk: the row becomes the fallback when AlimTalk fails. */
export const SMS_OFF_FALLBACK =
  'not sent: SMS is switched off (it is sent only as the fallback when KakaoTalk AlimTalk fails)';

// The NO reasons say whose switch it was: the monitor's switches govern its contact only.
export const CONTACT_MAIL_OFF = 'not sent: mail to the contact is switched off on this monitor';
export const CONTACT_SMS_OFF = 'not sent: SMS to the contact is switched off on this monitor';
export const ADMIN_MAIL_OFF =
  "not sent: mail is switched off in this admin recipient's settings (the monitor's switches apply to its contact only)";
export const ADMIN_SMS_OFF =
  "not sent: SMS is switched off in this admin recipient's settings (the monitor's switches apply to its contact only)";

export function ledgerRows(input: LedgerInput): LedgerRow[] {
  const rows: LedgerRow[] = [];
  const base = { incidentId: input.incidentId, kind: input.kind, seq: 0, nextAttemptAt: input.sendAfter };
  const add = (
    channel: Channel,
    recipient: string,
    role: RecipientRole,
    language: Language,
    enabled: boolean,
    offDetail: string,
    endpointId: string | null = null,
  ) => {
    if (rows.some((r) => r.channel === channel && r.recipient === recipient)) return; // same person twice: one message
    rows.push({
      ...(endpointId ? { endpointId } : {}),
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
  const addEndpoints = (list: EndpointInfo[] | undefined, role: RecipientRole, language: Language, whose: string) => {
    for (const e of list ?? [])
      add(
        e.channel,
        e.recipient,
        role,
        language,
        e.enabled,
        `not sent: this ${CHANNEL_NAME[e.channel]} destination is switched off for ${whose}`,
        e.id,
      );
  };
  if (c) {
    add('EMAIL', c.email, 'CONTACT', c.language, c.mailEnabled, CONTACT_MAIL_OFF);
    if (c.phone) {
      // the SMS row of an AlimTalk recipient is its fallback: NO until AlimTalk fails (server/dispatch/fallback.ts)
      add('SMS', c.phone, 'CONTACT', c.language, c.smsEnabled, c.alimtalkEnabled ? SMS_OFF_FALLBACK : CONTACT_SMS_OFF);
      if (c.alimtalkEnabled) add('ALIMTALK', c.phone, 'CONTACT', c.language, true, '');
    }
    addEndpoints(c.endpoints, 'CONTACT', c.language, 'this account');
  }
  // admin recipients follow their own channel choices, never the monitor's switches
  for (const a of input.admins) {
    if (a.email) add('EMAIL', a.email, 'ADMIN', a.language, a.mailEnabled, ADMIN_MAIL_OFF);
    if (a.phone) {
      add('SMS', a.phone, 'ADMIN', a.language, a.smsEnabled, a.alimtalkEnabled ? SMS_OFF_FALLBACK : ADMIN_SMS_OFF);
      if (a.alimtalkEnabled) add('ALIMTALK', a.phone, 'ADMIN', a.language, true, '');
    }
    addEndpoints(a.endpoints, 'ADMIN', a.language, 'this admin recipient');
  }
  return rows;
}
