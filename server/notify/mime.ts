// The alert mail as one MIME string (multipart/alternative: text and HTML, UTF-8, base64), handed
// to nodemailer as `raw`. nodemailer's own composer streams each message through a tree of
// transforms and writes it to the socket in a dozen chunks: a third of the dispatcher's CPU in a
// 1,000-incident burst. This covers the messages alerts are made of — plain ASCII addresses, a
// From of "Name <address>" — and answers null for anything else, which nodemailer then composes.
// Pure, and deterministic but for the Date header: a resend after a crash is the same message.

export interface AlertMail {
  /** 'Name <address>' or 'address' (the configured sender). */
  from: string;
  to: string;
  subject: string;
  text: string;
  html: string;
  /** With the angle brackets. */
  messageId: string;
  /** Extra header fields (ASCII names and values). */
  headers: Record<string, string>;
  date: Date;
}

const ASCII_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+$/;
const PRINTABLE = /^[\x20-\x7e]*$/;
const HEADER_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const SPECIALS = /[()<>[\]:;@\\,."]/;

function base64Lines(s: string): string {
  const b64 = Buffer.from(s, 'utf8').toString('base64');
  let out = '';
  for (let i = 0; i < b64.length; i += 76) out += `${b64.slice(i, i + 76)}\r\n`;
  return out;
}

/**
 * An unstructured header value (RFC 5322 / 2047): printable ASCII as it is, anything else as
 * UTF-8 B encoded-words of at most 45 bytes each (whole characters), one per folded line.
 */
export function encodeWords(value: string): string {
  if (PRINTABLE.test(value) && value.length <= 900 && !value.includes('=?')) return value;
  const words: string[] = [];
  let chunk = '';
  let bytes = 0;
  for (const ch of value) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (bytes + n > 45 && chunk) {
      words.push(chunk);
      chunk = '';
      bytes = 0;
    }
    chunk += ch;
    bytes += n;
  }
  if (chunk) words.push(chunk);
  return words.map((w) => `=?UTF-8?B?${Buffer.from(w, 'utf8').toString('base64')}?=`).join('\r\n ');
}

/** 'Name <address>' → a From field value; null when it is not that simple shape. */
function fromField(from: string): string | null {
  const m = /^\s*(.*?)\s*<([^<>]+)>\s*$/.exec(from);
  const address = (m?.[2] ?? from).trim();
  if (!ASCII_ADDRESS.test(address)) return null;
  const name = (m?.[1] ?? '').replace(/^"(.*)"$/, '$1');
  if (!name) return address;
  if (/[\r\n"\\]/.test(name)) return null;
  if (!PRINTABLE.test(name)) return `${encodeWords(name)} <${address}>`;
  return SPECIALS.test(name) ? `"${name}" <${address}>` : `${name} <${address}>`;
}

function rfc5322Date(d: Date): string {
  return d.toUTCString().replace(/GMT$/, '+0000');
}

/** The whole message with CRLF line ends, or null when nodemailer should compose it. */
export function composeAlertMail(m: AlertMail): string | null {
  const from = fromField(m.from);
  if (!from || !ASCII_ADDRESS.test(m.to) || !/^<[\x21-\x3b\x3d\x3f-\x7e]+>$/.test(m.messageId)) return null;
  if (/[\r\n]/.test(m.subject)) return null;
  for (const [k, v] of Object.entries(m.headers)) if (!HEADER_NAME.test(k) || !PRINTABLE.test(v)) return null;
  // base64 never contains '-' or '_', so the boundary cannot occur in the parts
  const boundary = `--_pw-${m.messageId
    .slice(1, -1)
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 60)}`;
  const head = [
    ...Object.entries(m.headers).map(([k, v]) => `${k}: ${v}`),
    `From: ${from}`,
    `To: ${m.to}`,
    `Subject: ${encodeWords(m.subject)}`,
    `Message-ID: ${m.messageId}`,
    `Date: ${rfc5322Date(m.date)}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/alternative;\r\n boundary="${boundary}"`,
  ].join('\r\n');
  return (
    `${head}\r\n\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(m.text)}` +
    `--${boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64Lines(m.html)}` +
    `--${boundary}--\r\n`
  );
}
