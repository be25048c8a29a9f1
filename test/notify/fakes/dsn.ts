// Builds realistic RFC 3464 bounces (multipart/report; report-type=delivery-status, with a
// text/rfc822-headers part as RET=HDRS produces) and delivers raw messages over SMTP with the
// null sender, the way an MTA returns a bounce.
import nodemailer from 'nodemailer';
import type { ReceivedMail } from './smtp-sink.ts';

export interface DsnSpec {
  /** Original-Envelope-Id (the ENVID we sent); omitted → no such field (old MTAs). */
  envid?: string;
  /** Message-ID of the original message, with <>. */
  originalMessageId: string;
  /** Extra header lines for the returned original headers (e.g. X-Portwatch-Ledger). */
  originalHeaders?: string[];
  recipient: string;
  action?: string;
  status?: string;
  /** e.g. 'smtp; 550 5.1.1 <x@y>: Recipient address rejected: User unknown' */
  diagnosticCode?: string;
  reportingMta?: string;
  /** Bounce addressed to (our envelope sender). */
  to?: string;
  /** Put the delivery-status part in as an attachment (Content-Disposition: attachment). */
  statusAsAttachment?: boolean;
}

/** Folds a header value at the last space before `width` (RFC 5322 folding: CRLF before WSP). */
function fold(v: string, width: number): string {
  const i = v.lastIndexOf(' ', width);
  return v.length > width && i > 0 ? `${v.slice(0, i)}\r\n   ${v.slice(i)}` : v;
}

export function buildDsn(spec: DsnSpec): string {
  const b = 'DSN-BOUNDARY-7d1f';
  const mta = spec.reportingMta ?? 'mx.example.net';
  const diag =
    spec.diagnosticCode ??
    `smtp; 550 5.1.1 <${spec.recipient}>: Recipient address rejected: User unknown in virtual mailbox table`;
  const lines = [
    `From: Mail Delivery System <MAILER-DAEMON@${mta}>`,
    `To: ${spec.to ?? 'bounces@portwatch.test'}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Date: Mon, 24 Nov 2025 18:21:00 +0900',
    `Message-ID: <bounce.${Date.now()}@${mta}>`,
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    `Content-Type: multipart/report; report-type=delivery-status; boundary="${b}"`,
    '',
    'This is a MIME-encapsulated message.',
    '',
    `--${b}`,
    'Content-Type: text/plain; charset=us-ascii',
    'Content-Description: Notification',
    '',
    `This is the mail system at host ${mta}.`,
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${spec.recipient}>: host mail.example.org said: 550 5.1.1 user unknown`,
    '',
    `--${b}`,
    'Content-Type: message/delivery-status',
    ...(spec.statusAsAttachment ? ['Content-Disposition: attachment; filename="status.txt"'] : []),
    'Content-Description: Delivery report',
    '',
    `Reporting-MTA: dns; ${mta}`,
    `X-Postfix-Queue-ID: 4ABCD1234`,
    ...(spec.envid ? [`Original-Envelope-Id: ${spec.envid}`] : []),
    'Arrival-Date: Mon, 24 Nov 2025 18:20:58 +0900',
    '',
    `Final-Recipient: rfc822; ${spec.recipient}`,
    `Original-Recipient: rfc822;${spec.recipient}`,
    `Action: ${spec.action ?? 'failed'}`,
    `Status: ${spec.status ?? '5.1.1'}`,
    'Remote-MTA: dns; mail.example.org',
    // folded the way Postfix folds long Diagnostic-Code lines
    `Diagnostic-Code: ${fold(diag, 60)}`,
    '',
    `--${b}`,
    'Content-Type: text/rfc822-headers',
    'Content-Description: Undelivered Message Headers',
    '',
    'From: portwatch <alerts@portwatch.test>',
    `To: ${spec.recipient}`,
    'Subject: [portwatch] DOWN: 203.0.113.5',
    `Message-ID: ${spec.originalMessageId}`,
    ...(spec.originalHeaders ?? []),
    '',
    `--${b}--`,
    '',
  ];
  return lines.join('\r\n');
}

/** Delivers `raw` to host:port over SMTP with the null reverse-path (MAIL FROM:<>). */
export async function deliverRaw(opts: {
  host: string;
  port: number;
  raw: string | Buffer;
  to: string;
}): Promise<void> {
  const t = nodemailer.createTransport({
    host: opts.host,
    port: opts.port,
    secure: false,
    ignoreTLS: true,
    connectionTimeout: 3000,
  });
  try {
    await t.sendMail({ envelope: { from: '', to: opts.to }, raw: opts.raw });
  } finally {
    t.close();
  }
}

/**
 * Bounces a message the SMTP sink received back to a bounce receiver, as the recipient's MTA
 * would: ENVID, Message-ID and recipient taken from what was actually sent.
 */
export async function bounceReceived(
  mail: ReceivedMail,
  target: { host?: string; port: number },
  spec: Partial<Omit<DsnSpec, 'originalMessageId'>> = {},
): Promise<string> {
  const raw = buildDsn({
    envid: mail.envid ?? undefined,
    originalMessageId: mail.parsed.messageId ?? '',
    recipient: mail.rcptTo[0]?.address ?? '',
    to: mail.mailFrom,
    ...spec,
  });
  await deliverRaw({
    host: target.host ?? '127.0.0.1',
    port: target.port,
    raw,
    to: mail.mailFrom || 'bounces@portwatch.test',
  });
  return raw;
}
