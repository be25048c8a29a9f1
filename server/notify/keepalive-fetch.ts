// A small FetchLike over node:http / node:https with keep-alive agents, for the providers' JSON
// APIs (SMS, AlimTalk, Slack, Telegram). The global fetch (undici) keeps connections alive too, but
// its WHATWG machinery (Request, streams, AbortSignal plumbing) cost about 0.7 ms of CPU per SMS
// in a 1,000-incident burst — more than rendering the message. Requests and answers here are
// small: the answer's body is read whole into a string and handed back as a Response — or, on
// httpCall's plain path (`plain`, http1.ts: one write per request, no node:http client), as a
// status, a header getter and the string, with one timer for the timeout instead of an AbortSignal.
import http from 'node:http';
import https from 'node:https';
import { createHttp1Client } from './http1.ts';
import type { FetchLike, PlainHttp } from './sms/provider.ts';

export interface KeepAliveFetchOptions {
  /** Connections kept per host (default 32; the dispatcher sends at most 16 SMS at once). */
  maxSockets?: number;
  /** Largest answer body read; beyond it the request fails (default 1 MiB). */
  maxBodyBytes?: number;
}

function headerPairs(init: RequestInit): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new Headers(init.headers)) out[k] = v;
  return out;
}

function bodyOf(init: RequestInit): string | Buffer | null {
  const b = init.body;
  if (b === undefined || b === null) return null;
  if (typeof b === 'string') return b;
  if (b instanceof URLSearchParams) return b.toString();
  if (b instanceof ArrayBuffer) return Buffer.from(b);
  if (ArrayBuffer.isView(b)) return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  throw new TypeError('keepAliveFetch sends string, URLSearchParams or byte bodies only');
}

export function createKeepAliveFetch(
  opts: KeepAliveFetchOptions = {},
): FetchLike & { plain: PlainHttp; close(): void } {
  const agentOpts = {
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 32,
    maxFreeSockets: opts.maxSockets ?? 32,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);
  const maxBody = opts.maxBodyBytes ?? 1 << 20;

  /**
   * One exchange. `abort` is wired by the caller (a signal or a timer); the answer's body is read
   * whole. Network errors reject as fetch's do: TypeError('fetch failed') with the cause.
   */
  function exchange(
    input: string,
    method: string,
    headers: Record<string, string>,
    body: string | Buffer | null,
    onRequest: (abort: (reason: unknown) => void) => void,
  ): Promise<{ res: http.IncomingMessage; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const url = new URL(input);
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
      let settled = false;
      const req = (secure ? https : http).request(
        url,
        { method, headers, agent: secure ? httpsAgent : httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBody) req.destroy(new Error(`answer larger than ${maxBody} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            if (settled) return;
            settled = true;
            resolve({ res, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) });
          });
          res.on('error', fail);
        },
      );
      function fail(err: unknown): void {
        if (settled) return;
        settled = true;
        reject(err instanceof Error ? Object.assign(new TypeError('fetch failed'), { cause: err }) : err);
      }
      onRequest((reason) => {
        if (settled) return;
        settled = true;
        req.destroy();
        reject(reason);
      });
      req.on('error', fail);
      req.end(body ?? undefined);
    });
  }

  const fetchLike = async (input: string, init: RequestInit): Promise<Response> => {
    const signal = init.signal ?? undefined;
    if (signal?.aborted) throw signal.reason ?? new DOMException('aborted', 'AbortError');
    let onAbort: (() => void) | null = null;
    try {
      const { res, body } = await exchange(input, init.method ?? 'GET', headerPairs(init), bodyOf(init), (abort) => {
        if (!signal) return;
        onAbort = () => abort(signal.reason ?? new DOMException('aborted', 'AbortError'));
        signal.addEventListener('abort', onAbort, { once: true });
      });
      const h = new Headers();
      for (const [k, v] of Object.entries(res.headers)) {
        if (Array.isArray(v)) for (const x of v) h.append(k, x);
        else if (v !== undefined) h.set(k, v);
      }
      const status = res.statusCode ?? 0;
      const nullBody = status === 204 || status === 205 || status === 304;
      return new Response(nullBody ? null : body.toString('utf8'), {
        status,
        statusText: res.statusMessage ?? '',
        headers: h,
      });
    } finally {
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    }
  };

  // the providers' path (httpCall): no Headers, Response, AbortSignal or web streams, and not
  // node:http's client either — one write per request and the answer parsed as it comes (http1.ts)
  const lean = createHttp1Client({ maxSockets: agentOpts.maxSockets, maxBodyBytes: maxBody });
  const plain: PlainHttp = lean.plain;

  return Object.assign(fetchLike, {
    plain,
    close() {
      lean.close();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  });
}

let shared: (FetchLike & { close(): void }) | null = null;

/** The process's one keep-alive client for providers (created on first use). */
export function providerFetch(): FetchLike {
  shared ??= createKeepAliveFetch();
  return shared;
}
