// An in-process SMTP server (smtp-server) that records what it receives, parsed by mailparser,
// with the DSN extension visible (hideDSN: false). Behaviour can make it refuse MAIL/RCPT/DATA
// with any reply code, or answer DATA slowly. Reusable by the dispatcher and e2e suites.
import { SMTPServer, type SMTPServerAddress, type SMTPServerDataStream } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface SmtpReply {
  code: number;
  message: string;
}

export interface SmtpSinkBehaviour {
  /** Reply to RCPT TO; a function decides per address (null/undefined = accept). */
  rcpt?: SmtpReply | ((address: string) => SmtpReply | null | undefined);
  /** Reply to MAIL FROM (refusal). */
  mailFrom?: SmtpReply;
  /** Reply to the end of DATA (refusal). */
  data?: SmtpReply;
  /** Wait this long before answering DATA (to provoke client timeouts). */
  dataDelayMs?: number;
  /** Wait this long before answering MAIL FROM: the message is in flight but not accepted yet. */
  mailFromDelayMs?: number;
  /** Called at each MAIL FROM (a send has started). */
  onMailFrom?: () => void;
}

export interface ReceivedRecipient {
  address: string;
  /** NOTIFY values, upper case (e.g. ['FAILURE']). */
  notify: string[];
  orcpt: string | null;
}

export interface ReceivedMail {
  mailFrom: string;
  rcptTo: ReceivedRecipient[];
  /** MAIL FROM DSN parameters. */
  envid: string | null;
  ret: string | null;
  raw: Buffer;
  parsed: ParsedMail;
}

export interface SmtpSink {
  host: string;
  port: number;
  /** smtp://127.0.0.1:PORT */
  url: string;
  /** Options for nodemailer.createTransport: plain SMTP, no STARTTLS, short timeouts. */
  transportOptions: {
    host: string;
    port: number;
    secure: false;
    ignoreTLS: true;
    connectionTimeout: number;
    greetingTimeout: number;
    socketTimeout: number;
  };
  received: ReceivedMail[];
  setBehaviour(b: SmtpSinkBehaviour): void;
  /** Resolves once `count` messages have been received (rejects after timeoutMs). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export interface SmtpSinkOptions {
  host?: string;
  /** Default false: DSN advertised, its parameters recorded. */
  hideDSN?: boolean;
  behaviour?: SmtpSinkBehaviour;
}

function refusal(r: SmtpReply): Error {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const host = opts.host ?? '127.0.0.1';
  let behaviour: SmtpSinkBehaviour = opts.behaviour ?? {};
  const received: ReceivedMail[] = [];
  const waiters: { count: number; resolve: (m: ReceivedMail[]) => void }[] = [];

  const server = new SMTPServer({
    name: 'smtp-sink.test',
    authOptional: true,
    disabledCommands: ['AUTH', 'STARTTLS'],
    hideDSN: opts.hideDSN ?? false,
    logger: false,
    // no reverse DNS of 127.0.0.1 before the greeting (up to 1.5 s on a machine without a resolver)
    disableReverseLookup: true,
    closeTimeout: 1000,
    onMailFrom(_address: SMTPServerAddress, _session, cb) {
      behaviour.onMailFrom?.();
      const answer = () => cb(behaviour.mailFrom ? refusal(behaviour.mailFrom) : null);
      if (behaviour.mailFromDelayMs) setTimeout(answer, behaviour.mailFromDelayMs);
      else answer();
    },
    onRcptTo(address: SMTPServerAddress, _session, cb) {
      const r = typeof behaviour.rcpt === 'function' ? behaviour.rcpt(address.address) : behaviour.rcpt;
      cb(r ? refusal(r) : null);
    },
    onData(stream: SMTPServerDataStream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          if (behaviour.dataDelayMs) await new Promise((r) => setTimeout(r, behaviour.dataDelayMs));
          if (behaviour.data) return cb(refusal(behaviour.data));
          const env = session.envelope;
          received.push({
            mailFrom: env.mailFrom ? env.mailFrom.address : '',
            rcptTo: env.rcptTo.map((a) => ({
              address: a.address,
              notify: a.dsn?.notify ?? [],
              orcpt: a.dsn?.orcpt ?? null,
            })),
            envid: env.dsn?.envid ?? null,
            ret: env.dsn?.ret ?? null,
            raw,
            parsed: await simpleParser(raw),
          });
          for (const w of [...waiters]) {
            if (received.length >= w.count) {
              waiters.splice(waiters.indexOf(w), 1);
              w.resolve(received.slice());
            }
          }
          cb();
        })();
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    host,
    port,
    url: `smtp://${host}:${port}`,
    transportOptions: {
      host,
      port,
      secure: false,
      ignoreTLS: true,
      // generous: on a loaded machine a 3 s greeting timeout turned a first try into a retry;
      // a test about timeouts sets its own
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 15_000,
    },
    received,
    setBehaviour(b) {
      behaviour = b;
    },
    waitFor(count, timeoutMs = 20_000) {
      if (received.length >= count) return Promise.resolve(received.slice());
      return new Promise((resolve, reject) => {
        const w = { count, resolve };
        waiters.push(w);
        setTimeout(() => {
          const i = waiters.indexOf(w);
          if (i >= 0) {
            waiters.splice(i, 1);
            reject(new Error(`smtp sink: ${received.length}/${count} messages after ${timeoutMs} ms`));
          }
        }, timeoutMs).unref();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
