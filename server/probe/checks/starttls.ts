// STARTTLS on the plain mail ports: SMTP (greeting 220, EHLO, STARTTLS → 220), IMAP (greeting
// "* OK", "a1 STARTTLS" → "a1 OK") and POP3 (greeting "+OK", STLS → "+OK"). Any other answer
// fails with STARTTLS_FAILED and the server's words; a server that does not offer it fails
// with STARTTLS_UNSUPPORTED. Replies are read line by line, at most 16 KiB in all.
import { printable } from './result.ts';
import type { Session } from './session.ts';
import type { StartTls } from './spec.ts';

interface Step {
  /** Written before waiting (null: the greeting). */
  send: string | null;
  what: string;
  /** Is this line the reply's last one? */
  last: (line: string) => boolean;
  /** Null when the whole reply is acceptable; else the failure. */
  accept: (lines: string[]) => { code: string; message: string } | null;
}

const smtpLast = (l: string) => /^\d{3}(?: |$)/.test(l);
const want = (what: string, ok: (l: string) => boolean) => (lines: string[]) => {
  const l = lines[lines.length - 1] ?? '';
  return ok(l)
    ? null
    : { code: 'STARTTLS_FAILED', message: `expected ${what}, got ${printable(Buffer.from(l, 'latin1')) || 'nothing'}` };
};

const STEPS: Record<StartTls, Step[]> = {
  SMTP: [
    { send: null, what: 'greeting', last: smtpLast, accept: want('220 greeting', (l) => l.startsWith('220')) },
    {
      send: 'EHLO portwatch.invalid\r\n',
      what: 'EHLO reply',
      last: smtpLast,
      accept: (lines) =>
        !lines[lines.length - 1]?.startsWith('250')
          ? want('250 to EHLO', () => false)(lines)
          : lines.some((l) => /^250[ -]STARTTLS\b/i.test(l))
            ? null
            : { code: 'STARTTLS_UNSUPPORTED', message: 'the SMTP server does not offer STARTTLS' },
    },
    {
      send: 'STARTTLS\r\n',
      what: 'STARTTLS reply',
      last: smtpLast,
      accept: want('220 to STARTTLS', (l) => l.startsWith('220')),
    },
  ],
  IMAP: [
    {
      send: null,
      what: 'greeting',
      last: (l) => l.startsWith('* '),
      accept: want('* OK greeting', (l) => /^\* (OK|PREAUTH)\b/i.test(l)),
    },
    {
      send: 'a1 STARTTLS\r\n',
      what: 'STARTTLS reply',
      last: (l) => l.startsWith('a1 '),
      accept: (lines) => {
        const l = lines[lines.length - 1] ?? '';
        if (/^a1 OK\b/i.test(l)) return null;
        if (/^a1 BAD\b/i.test(l))
          return {
            code: 'STARTTLS_UNSUPPORTED',
            message: `the IMAP server does not offer STARTTLS: ${printable(Buffer.from(l, 'latin1'))}`,
          };
        return want('a1 OK to STARTTLS', () => false)(lines);
      },
    },
  ],
  POP3: [
    { send: null, what: 'greeting', last: () => true, accept: want('+OK greeting', (l) => l.startsWith('+OK')) },
    { send: 'STLS\r\n', what: 'STLS reply', last: () => true, accept: want('+OK to STLS', (l) => l.startsWith('+OK')) },
  ],
};

const MAX_REPLY = 16_384;

export function startTls(s: Session, protocol: StartTls, then: () => void): void {
  const steps = STEPS[protocol];
  let i = 0;
  let pending = '';
  let lines: string[] = [];
  let total = 0;
  s.timeoutCode = 'STARTTLS_TIMEOUT';
  s.progress = () =>
    pending || lines.length
      ? `got ${printable(Buffer.from(lines[lines.length - 1] ?? pending, 'latin1'))}`
      : 'nothing received';

  const begin = (): void => {
    const step = steps[i]!;
    s.phase = `${protocol} ${step.what}`;
    lines = [];
    if (step.send) s.socket.write(step.send);
  };
  const onData = (chunk: Buffer): void => {
    if (s.settled) return;
    total += chunk.length;
    if (total > MAX_REPLY) return s.fail('STARTTLS_FAILED', `${protocol} reply longer than ${MAX_REPLY} bytes`);
    pending += chunk.toString('latin1');
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl).replace(/\r$/, '');
      pending = pending.slice(nl + 1);
      lines.push(line);
      const step = steps[i]!;
      if (!step.last(line)) continue;
      const bad = step.accept(lines);
      if (bad) return s.fail(bad.code, `${protocol} STARTTLS: ${bad.message}`);
      i += 1;
      if (i === steps.length) {
        s.socket.off('data', onData);
        s.socket.off('end', onEnd);
        s.socket.pause();
        return then();
      }
      begin();
    }
  };
  const onEnd = (): void => {
    if (!s.settled)
      s.fail('STARTTLS_FAILED', `${protocol} STARTTLS: closed by the server while waiting for the ${steps[i]!.what}`);
  };
  s.socket.on('data', onData);
  s.socket.on('end', onEnd);
  begin();
}
