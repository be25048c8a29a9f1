// A lean HTTP/1.1 client for the providers' small JSON requests (the plain path of httpCall): one
// write per request (head and body together), the answer parsed from the socket's bytes
// (Content-Length, chunked, or until close), connections kept alive per origin. node:http's client
// (ClientRequest, the agent, header validation, the llhttp parser's callbacks, streams) cost about
// as much CPU per SMS as everything else the dispatcher does for it in a 1,000-incident burst.
// Same contract as keepalive-fetch.ts's node:http path: a network error rejects with
// TypeError('fetch failed') whose cause is the socket's error, a timeout with an error named
// 'TimeoutError'. A request is never sent twice.
import net from 'node:net';
import tls from 'node:tls';
import type { PlainHttp, PlainResponse } from './sms/provider.ts';

export interface Http1Options {
  /** Connections per origin (default 32). */
  maxSockets?: number;
  /** Largest answer body (default 1 MiB). */
  maxBodyBytes?: number;
  /** A kept-alive connection unused this long is closed (default 4 s, under common servers' keep-alive timeouts). */
  idleMs?: number;
}

interface Target {
  origin: string;
  secure: boolean;
  host: string;
  port: number;
  /** Request line's path and the Host header's value. */
  path: string;
  hostHeader: string;
}

interface Pool {
  idle: net.Socket[];
  open: number;
  waiting: ((s: net.Socket | null, err?: unknown) => void)[];
}

const targets = new Map<string, Target>();

function targetOf(url: string): Target {
  const hit = targets.get(url);
  if (hit) return hit;
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`unsupported protocol ${u.protocol}`);
  const secure = u.protocol === 'https:';
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  const t: Target = {
    origin: `${u.protocol}//${u.host}`,
    secure,
    host,
    port: Number(u.port) || (secure ? 443 : 80),
    path: `${u.pathname || '/'}${u.search}`,
    hostHeader: u.host,
  };
  if (targets.size >= 1_000) targets.clear();
  targets.set(url, t);
  return t;
}

const HEADER_SAFE = /^[\t\x20-\x7e]*$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** The parsed answer so far. */
interface Parse {
  head: Buffer | null;
  status: number;
  headers: Map<string, string>;
  /** Body bytes expected (-1: chunked, -2: until close). */
  length: number;
  body: Buffer[];
  size: number;
  keepAlive: boolean;
  /** Chunked: what comes next, and the bytes of the current chunk still to read. */
  chunk: 'size' | 'data' | 'crlf';
  chunkLeft: number;
  rest: Buffer;
}

function parseHead(text: string, p: Parse): boolean {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})/.exec(lines[0] ?? '');
  if (!m) throw new Error(`malformed status line: ${(lines[0] ?? '').slice(0, 80)}`);
  p.status = Number(m[2]);
  p.headers = new Map();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const c = line.indexOf(':');
    if (c <= 0) continue;
    const k = line.slice(0, c).trim().toLowerCase();
    const v = line.slice(c + 1).trim();
    const prev = p.headers.get(k);
    p.headers.set(k, prev === undefined ? v : `${prev}, ${v}`);
  }
  const conn = (p.headers.get('connection') ?? '').toLowerCase();
  p.keepAlive = m[1] === '1' ? !conn.includes('close') : conn.includes('keep-alive');
  const te = (p.headers.get('transfer-encoding') ?? '').toLowerCase();
  const cl = p.headers.get('content-length');
  if (p.status === 204 || p.status === 304) p.length = 0;
  else if (te.includes('chunked')) p.length = -1;
  else if (cl !== undefined && /^\d+$/.test(cl)) p.length = Number(cl);
  else {
    p.length = -2;
    p.keepAlive = false;
  }
  return p.status >= 100 && p.status < 200; // interim answer: the real one follows
}

export function createHttp1Client(opts: Http1Options = {}): { plain: PlainHttp; close(): void } {
  const maxSockets = opts.maxSockets ?? 32;
  const maxBody = opts.maxBodyBytes ?? 1 << 20;
  const idleMs = opts.idleMs ?? 4_000;
  const pools = new Map<string, Pool>();
  const idleTimers = new WeakMap<net.Socket, NodeJS.Timeout>();
  let closed = false;

  function poolOf(origin: string): Pool {
    let p = pools.get(origin);
    if (!p) {
      p = { idle: [], open: 0, waiting: [] };
      pools.set(origin, p);
    }
    return p;
  }

  function forget(pool: Pool, s: net.Socket): void {
    const i = pool.idle.indexOf(s);
    if (i >= 0) pool.idle.splice(i, 1);
    const t = idleTimers.get(s);
    if (t) clearTimeout(t);
  }

  function connect(t: Target, pool: Pool): net.Socket {
    pool.open += 1;
    const s = t.secure
      ? tls.connect({
          host: t.host,
          port: t.port,
          servername: net.isIP(t.host) ? undefined : t.host,
          ALPNProtocols: ['http/1.1'],
        })
      : net.connect({ host: t.host, port: t.port });
    s.setNoDelay(true);
    s.once('close', () => {
      pool.open -= 1;
      forget(pool, s);
      const next = pool.waiting.shift();
      if (next && !closed) next(connect(t, pool));
    });
    // an idle socket's error ends it (close follows); a busy one's is handled by its exchange
    s.on('error', () => {});
    return s;
  }

  function acquire(t: Target): Promise<net.Socket> {
    const pool = poolOf(t.origin);
    for (let s = pool.idle.pop(); s; s = pool.idle.pop()) {
      const timer = idleTimers.get(s);
      if (timer) clearTimeout(timer);
      if (!s.destroyed && s.writable) return Promise.resolve(s);
    }
    if (pool.open < maxSockets) return Promise.resolve(connect(t, pool));
    return new Promise((resolve, reject) => pool.waiting.push((s, err) => (s ? resolve(s) : reject(err))));
  }

  function release(t: Target, s: net.Socket, reuse: boolean): void {
    const pool = poolOf(t.origin);
    if (!reuse || closed || s.destroyed) {
      s.destroy();
      return;
    }
    const next = pool.waiting.shift();
    if (next) return next(s);
    pool.idle.push(s);
    const timer = setTimeout(() => {
      forget(pool, s);
      s.destroy();
    }, idleMs);
    timer.unref();
    idleTimers.set(s, timer);
  }

  function exchange(t: Target, s: net.Socket, request: string, timeoutMs: number): Promise<PlainResponse> {
    return new Promise((resolve, reject) => {
      const p: Parse = {
        head: null,
        status: 0,
        headers: new Map(),
        length: 0,
        body: [],
        size: 0,
        keepAlive: false,
        chunk: 'size',
        chunkLeft: 0,
        rest: Buffer.alloc(0),
      };
      let done = false;
      const finish = (err: unknown, res?: PlainResponse) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        s.off('data', onData);
        s.off('error', onError);
        s.off('close', onClose);
        if (err !== null) {
          s.destroy();
          reject(err);
        } else {
          release(t, s, p.keepAlive);
          resolve(res!);
        }
      };
      const answer = (): PlainResponse => {
        const headers = p.headers;
        return {
          status: p.status,
          headers: { get: (name: string) => headers.get(name.toLowerCase()) ?? null },
          body: (p.body.length === 1 ? p.body[0]! : Buffer.concat(p.body)).toString('utf8'),
        };
      };
      const take = (b: Buffer) => {
        p.size += b.length;
        if (p.size > maxBody) throw new Error(`answer larger than ${maxBody} bytes`);
        p.body.push(b);
      };
      const onData = (chunk: Buffer) => {
        try {
          let buf = p.rest.length ? Buffer.concat([p.rest, chunk]) : chunk;
          p.rest = Buffer.alloc(0);
          while (!p.head) {
            const end = buf.indexOf('\r\n\r\n');
            if (end < 0) {
              if (buf.length > 64 * 1024) throw new Error('answer headers too large');
              p.rest = buf;
              return;
            }
            const interim = parseHead(buf.toString('latin1', 0, end), p);
            buf = buf.subarray(end + 4);
            if (!interim) p.head = buf;
          }
          if (p.length >= 0) {
            if (buf.length) take(buf.subarray(0, p.length - p.size));
            if (p.size >= p.length) finish(null, answer());
            return;
          }
          if (p.length === -2) {
            if (buf.length) take(buf);
            return;
          }
          // chunked: size line, data, CRLF, … until the zero-size chunk
          for (;;) {
            if (p.chunk === 'size') {
              const nl = buf.indexOf('\r\n');
              if (nl < 0) {
                p.rest = buf;
                return;
              }
              const size = Number.parseInt(buf.toString('latin1', 0, nl).split(';')[0]!.trim(), 16);
              if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size');
              buf = buf.subarray(nl + 2);
              if (size === 0) return finish(null, answer()); // trailers, if any, are not read
              p.chunkLeft = size;
              p.chunk = 'data';
            }
            if (p.chunk === 'data') {
              if (buf.length === 0) return;
              const part = buf.subarray(0, p.chunkLeft);
              take(part);
              p.chunkLeft -= part.length;
              buf = buf.subarray(part.length);
              if (p.chunkLeft > 0) return;
              p.chunk = 'crlf';
            }
            if (buf.length < 2) {
              p.rest = buf;
              return;
            }
            buf = buf.subarray(2);
            p.chunk = 'size';
          }
        } catch (err) {
          finish(Object.assign(new TypeError('fetch failed'), { cause: err }));
        }
      };
      const onError = (err: unknown) => finish(Object.assign(new TypeError('fetch failed'), { cause: err }));
      const onClose = () => {
        if (p.head && p.length === -2) return finish(null, answer());
        const err = Object.assign(new Error('socket closed before the answer was complete'), {
          code: 'ECONNRESET',
        });
        finish(Object.assign(new TypeError('fetch failed'), { cause: err }));
      };
      const timer = setTimeout(
        () =>
          finish(Object.assign(new Error(`The operation timed out after ${timeoutMs} ms`), { name: 'TimeoutError' })),
        timeoutMs,
      );
      s.on('data', onData);
      s.on('error', onError);
      s.on('close', onClose);
      s.write(request);
    });
  }

  const plain: PlainHttp = async (url, req) => {
    if (closed) throw Object.assign(new TypeError('fetch failed'), { cause: new Error('client closed') });
    const t = targetOf(url);
    if (!TOKEN.test(req.method)) throw new TypeError(`invalid method ${req.method}`);
    let head = `${req.method} ${t.path} HTTP/1.1\r\nhost: ${t.hostHeader}\r\nconnection: keep-alive\r\n`;
    for (const [k, v] of Object.entries(req.headers)) {
      const key = k.toLowerCase();
      if (key === 'host' || key === 'connection' || key === 'content-length' || key === 'transfer-encoding') continue;
      if (!TOKEN.test(k) || !HEADER_SAFE.test(v)) throw new TypeError(`invalid header ${k}`);
      head += `${k}: ${v}\r\n`;
    }
    const body = req.body ?? '';
    if (req.body !== null || req.method === 'POST' || req.method === 'PUT')
      head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    const s = await acquire(t);
    return exchange(t, s, `${head}\r\n${body}`, req.timeoutMs);
  };

  return {
    plain,
    close() {
      closed = true;
      for (const pool of pools.values()) {
        for (const w of pool.waiting.splice(0)) w(null, new TypeError('fetch failed'));
        for (const s of pool.idle.splice(0)) s.destroy();
      }
    },
  };
}
