// E-mail channel over an injected nodemailer Transporter (SMTP in production, any transport in tests).
// One send = one ledger row: DSN requested (NOTIFY=FAILURE, RET=HDRS, ENVID=<ledgerId>), a
// deterministic Message-ID <ledgerId@domain> so a resend after a crash is the same message,
// and an X-Portwatch-Ledger header so a bounce can be matched even without ENVID.
import type { SendMailOptions, SentMessageInfo, Transporter } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { composeAlertMail } from './mime.ts';
import type { SmtpPool } from './smtp-pool.ts';
import { assertLedgerId, type SendOutcome } from './types.ts';

export interface EmailChannelOptions {
  /** Sends through a nodemailer Transporter (tests, other transports)… */
  transporter?: Transporter;
  /** …or through portwatch's SMTP pool (smtp-pool.ts; production, the benchmark). One of the two. */
  smtp?: SmtpPool;
  /** Header From, e.g. 'portwatch <alerts@example.com>'. */
  from: string;
  /**
   * Envelope sender (MAIL FROM) = where DSN bounces go; point it at the bounce receiver's
   * mailbox (e.g. 'bounces@portwatch.example.com'). Defaults to the address in `from`.
   */
  envelopeFrom?: string;
  /** Right-hand side of generated Message-IDs; default 'portwatch'. */
  messageIdDomain?: string;
}

export interface EmailMessage {
  ledgerId: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** Override the Message-ID (with or without <>); default <ledgerId@messageIdDomain>. */
  messageId?: string;
  /** Files to attach (the monthly SLA report's PDF); such a message is composed by nodemailer. */
  attachments?: { filename: string; contentType: string; content: Buffer }[];
}

export interface EmailChannel {
  send(msg: EmailMessage): Promise<SendOutcome>;
}

/** Error fields nodemailer attaches (all optional). */
export interface SmtpErrorLike {
  message?: string;
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejectedErrors?: SmtpErrorLike[];
}

export const LEDGER_HEADER = 'X-Portwatch-Ledger';

export function ledgerMessageId(ledgerId: string, domain = 'portwatch'): string {
  return `<${ledgerId}@${domain}>`;
}

/** Address part of 'Name <addr@x>' or 'addr@x'. */
export function addressOf(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m?.[1] ?? from).trim();
}

// Errors without an SMTP reply: the connection never got to say yes or no → try again later.
const TRANSIENT_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ETLS',
  'EPROXY',
  'EMAXLIMIT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/**
 * SMTP failure → outcome. A reply code decides when there is one: 4xx (and 503, a sequencing
 * error) → RETRY; other 5xx → FAILED with the server's text. No reply code: connection, DNS,
 * TLS, timeout and authentication problems → RETRY (authentication is our configuration, not
 * the recipient's fault); anything else (bad message, bad address) → FAILED.
 */
export function classifySmtpError(err: SmtpErrorLike): Exclude<SendOutcome, { status: 'SENT' | 'NOT_SENT' }> {
  const first = err.rejectedErrors?.find((e) => typeof e.responseCode === 'number') ?? err;
  const code = first.responseCode ?? err.responseCode;
  const text = (first.response ?? err.response ?? err.message ?? 'SMTP error').trim();
  const raw = {
    code: err.code ?? null,
    responseCode: code ?? null,
    response: first.response ?? err.response ?? null,
    command: err.command ?? null,
    message: err.message ?? null,
  };
  if (err.code === 'EAUTH' || err.code === 'ENOAUTH') {
    return { status: 'RETRY', detail: `SMTP authentication failed (check the SMTP credentials): ${text}`, raw };
  }
  if (typeof code === 'number') {
    if (code >= 500 && code !== 503) return { status: 'FAILED', detail: text, raw };
    return { status: 'RETRY', detail: text, raw };
  }
  if (err.code && TRANSIENT_CODES.has(err.code)) {
    return { status: 'RETRY', detail: `${err.code}: ${err.message ?? 'connection problem'}`, raw };
  }
  return { status: 'FAILED', detail: err.code ? `${err.code}: ${text}` : text, raw };
}

/** What the sending step answered: nodemailer's SentMessageInfo fields the outcome reads. */
interface Sent {
  messageId?: string;
  accepted?: unknown[];
  rejected?: unknown[];
  rejectedErrors?: unknown;
  response?: string;
}

export function createEmailChannel(opts: EmailChannelOptions): EmailChannel {
  const domain = opts.messageIdDomain ?? 'portwatch';
  const envelopeFrom = opts.envelopeFrom ?? addressOf(opts.from);
  const { smtp, transporter } = opts;
  if (!smtp && !transporter) throw new Error('createEmailChannel needs a transporter or an SMTP pool');

  /** Through the pool: the composed string, or nodemailer's composition for an unusual shape. */
  async function viaPool(pool: SmtpPool, msg: EmailMessage, raw: string | null, mail: SendMailOptions): Promise<Sent> {
    const message = raw ?? (await new MailComposer(mail).compile().build());
    const sent = await pool.send(
      {
        from: envelopeFrom,
        to: msg.to,
        dsn: { ret: 'HDRS', envid: msg.ledgerId, notify: ['FAILURE'], orcpt: msg.to },
      },
      message,
    );
    return { ...sent, messageId: mail.messageId as string };
  }

  return {
    async send(msg: EmailMessage): Promise<SendOutcome> {
      assertLedgerId(msg.ledgerId);
      const messageId = msg.messageId
        ? msg.messageId.startsWith('<')
          ? msg.messageId
          : `<${msg.messageId}>`
        : ledgerMessageId(msg.ledgerId, domain);
      const headers = { [LEDGER_HEADER]: msg.ledgerId, 'Auto-Submitted': 'auto-generated' };
      const envelope = { from: envelopeFrom, to: msg.to };
      // ORCPT (nodemailer's `recipient`) is the original recipient per RFC 3461, hence `to`.
      const dsn = { id: msg.ledgerId, return: 'headers' as const, notify: ['failure' as const], recipient: msg.to };
      const fields = {
        from: opts.from,
        to: msg.to,
        subject: msg.subject,
        text: msg.text,
        html: msg.html,
        messageId,
        headers,
      };
      // composed here in one string when the message has the usual shape (mime.ts), else by nodemailer
      const composed = msg.attachments?.length ? null : composeAlertMail({ ...fields, date: new Date() });
      const full: SendMailOptions = {
        ...fields,
        envelope,
        dsn,
        ...(msg.attachments?.length ? { attachments: msg.attachments } : {}),
      };
      let info: Sent;
      try {
        if (smtp) info = await viaPool(smtp, msg, composed, full);
        else {
          const mail: SendMailOptions = composed ? { raw: composed, messageId, envelope, dsn } : full;
          info = (await transporter!.sendMail(mail)) as SentMessageInfo;
        }
      } catch (e) {
        return classifySmtpError(e as SmtpErrorLike);
      }
      const rejected = (info.rejected ?? []).map(String);
      const raw = {
        messageId: info.messageId ?? messageId,
        accepted: info.accepted ?? [],
        rejected,
        response: info.response ?? null,
      };
      if (rejected.length > 0) {
        const errs: SmtpErrorLike[] = Array.isArray(info.rejectedErrors)
          ? (info.rejectedErrors as SmtpErrorLike[])
          : [];
        const c = classifySmtpError({ message: `recipient rejected: ${rejected.join(', ')}`, rejectedErrors: errs });
        return c.status === 'RETRY' ? { ...c, raw } : { status: 'FAILED', detail: c.detail, raw };
      }
      return {
        status: 'SENT',
        providerMessageId: info.messageId ?? messageId,
        detail: info.response ?? 'accepted',
        raw,
      };
    },
  };
}
