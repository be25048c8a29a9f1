// Real local servers the check kinds are tested against: line-speaking TCP servers (SSH-like,
// SMTP, Redis, MySQL), TLS servers (certificates from certs.ts), STARTTLS mail servers and HTTP(S)
// servers. Each listens on 127.0.0.1:0 and is closed after the file.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll } from 'vitest';

const closers: (() => void)[] = [];
afterAll(() => {
  for (const c of closers.splice(0)) c();
});

export interface Listening {
  host: string;
  port: number;
}

function listen(server: net.Server): Promise<Listening> {
  const sockets = new Set<net.Socket>();
  server.on('connection', (s: net.Socket) => {
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  server.on('secureConnection', (s: tls.TLSSocket) => s.on('error', () => {}));
  server.on('tlsClientError', () => {});
  closers.push(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }),
    ),
  );
}

/** Sends `greeting` on connect (optionally answers lines with `reply`), then keeps or closes. */
export function lineServer(
  greeting: string | Buffer | null,
  opts: { reply?: (line: string) => string | null; closeAfterGreeting?: boolean } = {},
) {
  return listen(
    net.createServer((s) => {
      if (greeting !== null) s.write(greeting);
      if (opts.closeAfterGreeting) return void s.end();
      let pending = '';
      s.on('data', (d: Buffer) => {
        pending += d.toString('latin1');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          const out = opts.reply?.(line);
          if (out) s.write(out);
        }
      });
    }),
  );
}

export interface TlsServerInfo extends Listening {
  /** SNI names the server saw, in order (a ClientHello without SNI adds nothing). */
  servernames: string[];
  connections: () => number;
}

export async function tlsServer(cert: string, key: string): Promise<TlsServerInfo> {
  const servernames: string[] = [];
  let connections = 0;
  const ctx = tls.createSecureContext({ cert, key });
  const server = tls.createServer(
    {
      cert,
      key,
      SNICallback: (name, cb) => {
        servernames.push(name);
        cb(null, ctx);
      },
    },
    (s) => s.end(),
  );
  server.on('connection', () => (connections += 1));
  return { ...(await listen(server)), servernames, connections: () => connections };
}

type Mail = 'SMTP' | 'IMAP' | 'POP3';

/** A plain-text mail server that upgrades to TLS after its STARTTLS command (offered or not). */
export function startTlsServer(kind: Mail, cert: string, key: string, opts: { offer?: boolean } = {}) {
  const offer = opts.offer ?? true;
  const ctx = tls.createSecureContext({ cert, key });
  return listen(
    net.createServer((s) => {
      const greeting = {
        SMTP: '220 mail.test ESMTP ready\r\n',
        IMAP: '* OK [CAPABILITY IMAP4rev1 STARTTLS] ready\r\n',
        POP3: '+OK POP3 ready\r\n',
      }[kind];
      s.write(greeting);
      let pending = '';
      const onData = (d: Buffer): void => {
        pending += d.toString('latin1');
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          const line = pending.slice(0, nl).replace(/\r$/, '');
          pending = pending.slice(nl + 1);
          const upgrade = (answer: string) => {
            s.off('data', onData);
            s.write(answer, () => {
              const t = new tls.TLSSocket(s, { isServer: true, secureContext: ctx });
              t.on('error', () => {});
              t.on('secure', () => t.end());
            });
          };
          if (kind === 'SMTP' && /^EHLO /i.test(line))
            s.write(`250-mail.test\r\n${offer ? '250-STARTTLS\r\n' : ''}250 8BITMIME\r\n`);
          else if (kind === 'SMTP' && line === 'STARTTLS')
            offer ? upgrade('220 go ahead\r\n') : s.write('502 not implemented\r\n');
          else if (kind === 'IMAP' && /^a1 STARTTLS$/i.test(line))
            offer ? upgrade('a1 OK begin TLS\r\n') : s.write('a1 BAD unknown command\r\n');
          else if (kind === 'POP3' && line === 'STLS')
            offer ? upgrade('+OK begin TLS\r\n') : s.write('-ERR unknown command\r\n');
          else s.write(kind === 'SMTP' ? '500 what?\r\n' : kind === 'IMAP' ? '* BAD what?\r\n' : '-ERR what?\r\n');
        }
      };
      s.on('data', onData);
    }),
  );
}

export interface HttpSeen {
  method: string;
  url: string;
  host: string | undefined;
  servername?: string | false;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export async function httpServer(
  handler: Handler,
  tlsOpts?: { cert: string; key: string },
): Promise<Listening & { seen: HttpSeen[]; aborted: () => number }> {
  const seen: HttpSeen[] = [];
  let aborted = 0;
  const wrapped: Handler = (req, res) => {
    seen.push({
      method: req.method ?? '',
      url: req.url ?? '',
      host: req.headers.host,
      ...(tlsOpts ? { servername: (req.socket as tls.TLSSocket).servername ?? false } : {}),
    });
    res.on('close', () => {
      if (!res.writableFinished) aborted += 1;
    });
    handler(req, res);
  };
  const server = tlsOpts ? https.createServer(tlsOpts, wrapped) : http.createServer(wrapped);
  return { ...(await listen(server)), seen, aborted: () => aborted };
}
