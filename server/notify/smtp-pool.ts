// Pooled SMTP for alert mail: up to `maxConnections` connections, each carrying up to `maxMessages`
// messages one after the other, over nodemailer's SMTPConnection (greeting, EHLO, STARTTLS, AUTH,
// PIPELINING of the envelope and DATA, DSN parameters, reply codes on errors). nodemailer's own
// pool sends through its Mailer, MailComposer and MimeNode even for a message that is already one
// string (a raw message is re-parsed for its envelope and streamed through a tree of transforms):
// about a sixth of the dispatcher's CPU in a 1,000-incident burst. Here a message is the composed
// string (mime.ts) and its envelope, handed to the connection as it is.
// Errors are SMTPConnection's (code, responseCode, response, command), which email.ts classifies.
// A further connection the server refuses while others are open (a relay's per-client limit,
// "421 too many connections") fails no message: the waiting ones go over the open connections,
// and for a minute the pool opens no more than the server accepted.
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import { parseConnectionUrl } from 'nodemailer/lib/shared';

export interface SmtpPoolOptions {
  /** smtp://user:pass@host:587, smtps://host:465 (nodemailer's URL form, query options included). */
  url: string;
  maxConnections: number;
  /** Messages per connection before it is closed and a fresh one opened (default 1,000). */
  maxMessages?: number;
  /** An idle connection is closed (QUIT) after this long (default 30 s). */
  idleMs?: number;
  connectionTimeoutMs?: number;
  greetingTimeoutMs?: number;
  socketTimeoutMs?: number;
}

export interface SmtpEnvelope {
  from: string;
  to: string;
  /** Delivery status notification: RET, ENVID on MAIL FROM; NOTIFY, ORCPT on RCPT TO (when the server offers DSN). */
  dsn?: { ret: 'HDRS' | 'FULL'; envid: string; notify: ('FAILURE' | 'DELAY' | 'SUCCESS' | 'NEVER')[]; orcpt: string };
}

export interface SmtpSent {
  response: string;
  accepted: string[];
  rejected: string[];
  rejectedErrors?: unknown[];
}

export interface SmtpPool {
  /** Sends one composed message (CRLF line ends); rejects with SMTPConnection's error. */
  send(envelope: SmtpEnvelope, message: string | Buffer): Promise<SmtpSent>;
  /** Opens a connection, greets, authenticates and quits (for /ready). */
  verify(): Promise<true>;
  /** Closes every connection; sends waiting for one fail. */
  close(): void;
}

type ConnOptions = SMTPConnection.Options & { auth?: { user?: string; pass?: string } };

interface Conn {
  smtp: SMTPConnection;
  messages: number;
  busy: boolean;
  closed: boolean;
  idle: NodeJS.Timeout | null;
}

interface Job {
  envelope: SmtpEnvelope;
  message: string | Buffer;
  resolve: (s: SmtpSent) => void;
  reject: (e: unknown) => void;
  /** Sent again once on a fresh connection when a reused one turned out closed. */
  retried: boolean;
}

/** How long a refused extra connection keeps the pool at the count the server accepted. */
const CEILING_MS = 60_000;

// Transport-level failures (no reply code): on a reused connection these mean the server closed it
// while it sat idle, and the message is tried once more on a fresh one.
const CONNECTION_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE']);

function errorCode(err: unknown): { code?: string; responseCode?: number } {
  return typeof err === 'object' && err !== null ? (err as { code?: string; responseCode?: number }) : {};
}

export function createSmtpPool(opts: SmtpPoolOptions): SmtpPool {
  const parsed = parseConnectionUrl(opts.url) as ConnOptions;
  const { auth, ...rest } = parsed;
  const connOptions: SMTPConnection.Options = {
    ...rest,
    connectionTimeout: opts.connectionTimeoutMs ?? 10_000,
    greetingTimeout: opts.greetingTimeoutMs ?? 10_000,
    socketTimeout: opts.socketTimeoutMs ?? 30_000,
    logger: false,
  };
  const credentials = auth?.user || auth?.pass ? { user: auth.user ?? '', pass: auth.pass ?? '' } : null;
  const maxConnections = Math.max(1, opts.maxConnections);
  const maxMessages = opts.maxMessages ?? 1_000;
  const idleMs = opts.idleMs ?? 30_000;
  const conns = new Set<Conn>();
  const idle: Conn[] = [];
  const queue: Job[] = [];
  let opening = 0;
  /**
   * The server refused a further connection while others were open (a relay's per-client limit,
   * "421 too many connections"): no more than it accepted until `ceilingUntil`.
   */
  let ceiling = maxConnections;
  let ceilingUntil = 0;
  /** Connections that failed while other attempts were still under way (nothing connected yet). */
  let deferred = 0;
  /**
   * A connection failed while nothing was connected but others were still being opened: if one of
   * those connects, the failure was a limit (a relay answers 421 at once, and greets the connections
   * it accepts later), and the pool stays at what gets through.
   */
  let refusedBeforeAny = false;
  /** No more than the connections open or still being opened, for CEILING_MS: what the server accepts. */
  const limitTo = (n: number) => {
    ceiling = Math.max(1, n);
    ceilingUntil = Date.now() + CEILING_MS;
  };
  const cap = () => (Date.now() < ceilingUntil ? ceiling : maxConnections);
  let closed = false;

  function open(): Promise<SMTPConnection> {
    return new Promise((resolve, reject) => {
      const smtp = new SMTPConnection(connOptions);
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        smtp.close();
        reject(err);
      };
      smtp.on('error', fail);
      smtp.connect((err) => {
        if (err) return fail(err);
        const ready = () => {
          if (settled) return;
          settled = true;
          smtp.removeListener('error', fail);
          resolve(smtp);
        };
        if (credentials && smtp.allowsAuth)
          smtp.login(credentials, (e) => {
            if (e) fail(e);
            else ready();
          });
        else ready();
      });
    });
  }

  function retire(c: Conn): void {
    if (c.closed) return;
    c.closed = true;
    if (c.idle) clearTimeout(c.idle);
    conns.delete(c);
    const i = idle.indexOf(c);
    if (i >= 0) idle.splice(i, 1);
  }

  function release(c: Conn): void {
    c.busy = false;
    if (c.closed) return pump();
    if (c.messages >= maxMessages || closed) {
      retire(c);
      c.smtp.quit();
      return pump();
    }
    const job = queue.shift();
    if (job) return run(c, job);
    idle.push(c);
    c.idle = setTimeout(() => {
      if (c.busy || c.closed) return;
      retire(c);
      c.smtp.quit();
    }, idleMs);
    c.idle.unref();
  }

  function run(c: Conn, job: Job): void {
    c.busy = true;
    if (c.idle) {
      clearTimeout(c.idle);
      c.idle = null;
    }
    const reused = c.messages > 0;
    c.messages += 1;
    const { envelope } = job;
    const env: SMTPConnection.Envelope = {
      from: envelope.from,
      to: envelope.to,
      ...(envelope.dsn
        ? {
            dsn: {
              ret: envelope.dsn.ret === 'FULL' ? 'Full' : 'HDRS',
              envid: envelope.dsn.envid,
              notify: envelope.dsn.notify,
              orcpt: envelope.dsn.orcpt,
            },
          }
        : {}),
    };
    c.smtp.send(env, job.message, (err, info) => {
      if (!err) {
        job.resolve({
          response: info.response ?? '',
          accepted: (info.accepted ?? []).map(String),
          rejected: (info.rejected ?? []).map(String),
          ...(Array.isArray(info.rejectedErrors) ? { rejectedErrors: info.rejectedErrors } : {}),
        });
        return release(c);
      }
      const { code, responseCode } = errorCode(err);
      if (code === 'EENVELOPE' || code === 'EMESSAGE') {
        if (responseCode !== 421) {
          // the server refused this message; the connection is fine once the transaction is reset
          job.reject(err);
          c.smtp.reset((resetErr) => {
            if (resetErr) {
              retire(c);
              c.smtp.close();
              return pump();
            }
            release(c);
          });
          return;
        }
      }
      retire(c);
      c.smtp.close();
      if (reused && !job.retried && !responseCode && code && CONNECTION_CODES.has(code)) {
        job.retried = true;
        queue.unshift(job);
      } else job.reject(err);
      pump();
    });
  }

  function pump(): void {
    while (queue.length > 0 && idle.length > 0) run(idle.pop()!, queue.shift()!);
    while (!closed && queue.length > opening && conns.size + opening < cap()) {
      opening += 1;
      open().then(
        (smtp) => {
          opening -= 1;
          deferred = 0;
          if (refusedBeforeAny) {
            refusedBeforeAny = false;
            limitTo(conns.size + 1 + opening);
          }
          const c: Conn = { smtp, messages: 0, busy: false, closed: false, idle: null };
          conns.add(c);
          smtp.on('error', () => {
            // an idle connection the server dropped; a busy one reports through its send
            if (!c.busy) retire(c);
          });
          smtp.once('end', () => {
            if (!c.busy) retire(c);
          });
          if (closed) {
            retire(c);
            smtp.quit();
            return;
          }
          release(c);
        },
        (err: unknown) => {
          opening -= 1;
          if (conns.size > 0) {
            // one more connection refused while others work: the waiting messages go over those
            // (and over the ones still being opened, unless they are refused too)
            limitTo(conns.size + opening);
            return pump();
          }
          // nothing connected: each failed connection fails the oldest waiting message, once no
          // other attempt is left that could carry them (a server that refuses all fails them all)
          deferred += 1;
          if (opening > 0) {
            refusedBeforeAny = true;
            return;
          }
          refusedBeforeAny = false;
          for (; deferred > 0; deferred -= 1) queue.shift()?.reject(err);
          pump();
        },
      );
    }
  }

  return {
    send(envelope, message) {
      return new Promise<SmtpSent>((resolve, reject) => {
        if (closed) return reject(Object.assign(new Error('SMTP pool closed'), { code: 'ECONNECTION' }));
        queue.push({ envelope, message, resolve, reject, retried: false });
        pump();
      });
    },
    async verify() {
      const smtp = await open();
      smtp.quit();
      return true;
    },
    close() {
      closed = true;
      for (const job of queue.splice(0))
        job.reject(Object.assign(new Error('SMTP pool closed'), { code: 'ECONNECTION' }));
      for (const c of [...conns]) {
        retire(c);
        if (c.busy) c.smtp.close();
        else c.smtp.quit();
      }
    },
  };
}
