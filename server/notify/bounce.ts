// Bounces: RFC 3464 delivery status notifications → ledger id + diagnostic text, and a small
// SMTP receiver (smtp-server) that MTAs deliver them to. The envelope sender of our alert mail
// (email.ts `envelopeFrom`) must route to this receiver.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer, type SMTPServerDataStream } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { LEDGER_ID_PATTERN } from './types.ts';
import { LEDGER_HEADER } from './email.ts';

export interface BounceInfo {
  ledgerId: string | null;
  /** Message-ID of the original message, with <>. */
  messageId: string | null;
  recipient: string | null;
  /** failed | delayed | delivered | relayed | expanded */
  action: string | null;
  /** Enhanced status code, e.g. 5.1.1 */
  status: string | null;
  /** The remote server's words (Diagnostic-Code without its type), else a summary. Never empty. */
  diagnostic: string;
}

export interface ParseBounceOptions {
  /** Message-ID domain used by the e-mail channel; default 'portwatch'. */
  messageIdDomain?: string;
}

type Fields = Map<string, string>;

/** RFC 822-style header block → lower-cased name → value (continuation lines unfolded). */
function parseFieldBlock(block: string): Fields {
  const out: Fields = new Map();
  let last: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && last) {
      out.set(last, `${out.get(last) ?? ''} ${line.trim()}`);
      continue;
    }
    const m = /^([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    last = m[1].toLowerCase();
    if (!out.has(last)) out.set(last, (m[2] ?? '').trim());
  }
  return out;
}

/** Decodes RFC 3461 xtext ("+2B" → "+"). */
function decodeXtext(s: string): string {
  return s.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

/** "rfc822; a@b" → "a@b" ; "smtp; 550 ..." → "550 ..." */
function stripType(v: string | undefined): string | null {
  if (!v) return null;
  const i = v.indexOf(';');
  const s = (i >= 0 ? v.slice(i + 1) : v).trim();
  return s || null;
}

function isDsn(mail: ParsedMail): boolean {
  const ct = mail.headers.get('content-type');
  if (ct && typeof ct === 'object' && !Array.isArray(ct) && 'value' in ct && 'params' in ct) {
    const { value: v, params } = ct as { value: unknown; params: Record<string, string | undefined> };
    const value = String(v).toLowerCase();
    const rt = String(params['report-type'] ?? '').toLowerCase();
    if (value === 'multipart/report' && (rt === 'delivery-status' || rt === 'global-delivery-status')) return true;
  }
  return mail.attachments.some((a) => /^message\/(global-)?delivery-status$/i.test(a.contentType));
}

/** Text of the message/delivery-status part: an attachment, or (mailparser's default) folded into .text. */
function deliveryStatusText(mail: ParsedMail): string {
  const att = mail.attachments.find((a) => /^message\/(global-)?delivery-status$/i.test(a.contentType));
  if (att) return att.content.toString('utf8');
  const text = mail.text ?? '';
  const start = text.search(
    /^(Reporting-MTA|Original-Envelope-Id|Arrival-Date|Final-Recipient|Received-From-MTA)[ \t]*:/im,
  );
  return start >= 0 ? text.slice(start) : '';
}

function originalHeaders(mail: ParsedMail): Fields {
  const att = mail.attachments.find((a) =>
    /^(text|message)\/(rfc822-headers|rfc822|global-headers|global)$/i.test(a.contentType),
  );
  if (!att) return new Map();
  const s = att.content.toString('utf8');
  const end = s.search(/\r?\n\r?\n/);
  return parseFieldBlock(end >= 0 ? s.slice(0, end) : s);
}

function ledgerFromMessageId(messageId: string | null, domain: string): string | null {
  const m = messageId ? /^<?([^@<>]+)@([^<>]+)>?$/.exec(messageId.trim()) : null;
  if (!m?.[1] || (m[2] ?? '').toLowerCase() !== domain.toLowerCase()) return null;
  return LEDGER_ID_PATTERN.test(m[1]) ? m[1] : null;
}

/** Parses an RFC 3464 DSN. Returns null when the message is not a delivery status report. */
export async function parseBounce(raw: Buffer | string, opts: ParseBounceOptions = {}): Promise<BounceInfo | null> {
  const mail = await simpleParser(raw);
  if (!isDsn(mail)) return null;
  const blocks = deliveryStatusText(mail)
    .split(/\r?\n[ \t]*\r?\n/)
    .map((b) => parseFieldBlock(b))
    .filter((f) => f.size > 0);
  const perMessage =
    blocks.find((b) => b.has('original-envelope-id') || b.has('reporting-mta')) ?? new Map<string, string>();
  const recipients = blocks.filter((b) => b.has('final-recipient') || b.has('action'));
  const rcpt =
    recipients.find((b) => (b.get('action') ?? '').toLowerCase() === 'failed') ??
    recipients[0] ??
    new Map<string, string>();

  const headers = originalHeaders(mail);
  const messageId = headers.get('message-id') ?? null;
  const envid = perMessage.get('original-envelope-id');
  const candidates = [envid ? decodeXtext(envid.trim()) : null, headers.get(LEDGER_HEADER.toLowerCase()) ?? null];
  const ledgerId =
    candidates.find((c): c is string => !!c && LEDGER_ID_PATTERN.test(c)) ??
    ledgerFromMessageId(messageId, opts.messageIdDomain ?? 'portwatch');

  const action = rcpt.get('action')?.toLowerCase() ?? null;
  const status = rcpt.get('status')?.split(/\s/)[0] ?? null;
  const human = (mail.text ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join(' ');
  const diagnostic =
    stripType(rcpt.get('diagnostic-code')) ??
    (status || action ? [action, status].filter(Boolean).join(' ') : null) ??
    (human || mail.subject || 'delivery status notification');
  return {
    ledgerId: ledgerId ?? null,
    messageId,
    recipient: stripType(rcpt.get('final-recipient') ?? rcpt.get('original-recipient')),
    action,
    status,
    diagnostic,
  };
}

export interface BounceReceiverOptions {
  port: number;
  host?: string;
  /** Called for each DSN; if it throws, the MTA gets 451 and will deliver the bounce again. */
  onBounce(bounce: BounceInfo, raw: Buffer): void | Promise<void>;
  /** Non-DSN mail is accepted and dropped; this sees parse errors and handler failures. */
  onError?(err: unknown): void;
  /** Maximum message size in bytes (default 10 MiB). */
  maxBytes?: number;
  messageIdDomain?: string;
}

export interface BounceReceiver {
  port: number;
  close(): Promise<void>;
}

function smtpError(message: string, responseCode: number): Error {
  return Object.assign(new Error(message), { responseCode });
}

/** Starts an SMTP server (no auth, no TLS; put it behind your MX) that turns DSNs into onBounce calls. */
export async function startBounceReceiver(opts: BounceReceiverOptions): Promise<BounceReceiver> {
  const maxBytes = opts.maxBytes ?? 10 * 1024 * 1024;
  const server = new SMTPServer({
    name: 'portwatch-bounces',
    banner: 'portwatch bounce receiver',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    size: maxBytes,
    logger: false,
    onData(stream: SMTPServerDataStream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err) => callback(err));
      stream.on('end', () => {
        if (stream.sizeExceeded) return callback(smtpError('Message exceeds the size limit', 552));
        const raw = Buffer.concat(chunks);
        void (async () => {
          try {
            const bounce = await parseBounce(raw, { messageIdDomain: opts.messageIdDomain });
            if (bounce) await opts.onBounce(bounce, raw);
            callback();
          } catch (err) {
            opts.onError?.(err);
            callback(smtpError('Temporary failure recording the bounce, try again later', 451));
          }
        })();
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(opts.port, opts.host ?? '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (err) => opts.onError?.(err));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
