// A small FetchLike over node:http / node:https with keep-alive agents, for the providers' JSON
// APIs (SMS, AlimTalk, Slack, Telegram). The global fetch (undici) keeps connections alive too, but
// its WHATWG machinery (Request, streams, AbortSignal plumbing) cost about 0.7 ms of CPU per SMS
// in a 1,000-incident burst — more than rendering the message. Requests and answers here are
// small: the answer's body is read whole into a string and handed back as a Response.
import http from 'node:http';
import https from 'node:https';
import type { FetchLike } from './sms/provider.ts';

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

export function createKeepAliveFetch(opts: KeepAliveFetchOptions = {}): FetchLike & { close(): void } {
  const agentOpts = {
    keepAlive: true,
    maxSockets: opts.maxSockets ?? 32,
    maxFreeSockets: opts.maxSockets ?? 32,
    scheduling: 'lifo' as const,
  };
  const httpAgent = new http.Agent(agentOpts);
  const httpsAgent = new https.Agent(agentOpts);
  const maxBody = opts.maxBodyBytes ?? 1 << 20;

  const fetchLike = (input: string, init: RequestInit): Promise<Response> =>
    new Promise<Response>((resolve, reject) => {
      const url = new URL(input);
      const secure = url.protocol === 'https:';
      if (!secure && url.protocol !== 'http:') return reject(new TypeError(`unsupported protocol ${url.protocol}`));
      const signal = init.signal ?? undefined;
      if (signal?.aborted) return reject(signal.reason ?? new DOMException('aborted', 'AbortError'));
      const body = bodyOf(init);
      const headers = headerPairs(init);
      if (body !== null) headers['content-length'] = String(Buffer.byteLength(body));
      const req = (secure ? https : http).request(
        url,
        { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > maxBody) req.destroy(new Error(`answer larger than ${maxBody} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => {
            signal?.removeEventListener('abort', onAbort);
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (Array.isArray(v)) for (const x of v) h.append(k, x);
              else if (v !== undefined) h.set(k, v);
            }
            const status = res.statusCode ?? 0;
            const nullBody = status === 204 || status === 205 || status === 304;
            resolve(
              new Response(nullBody ? null : Buffer.concat(chunks).toString('utf8'), {
                status,
                statusText: res.statusMessage ?? '',
                headers: h,
              }),
            );
          });
          res.on('error', fail);
        },
      );
      function fail(err: unknown): void {
        signal?.removeEventListener('abort', onAbort);
        reject(err instanceof Error ? Object.assign(new TypeError('fetch failed'), { cause: err }) : err);
      }
      function onAbort(): void {
        req.destroy();
        signal?.removeEventListener('abort', onAbort);
        reject(signal?.reason ?? new DOMException('aborted', 'AbortError'));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', fail);
      req.end(body ?? undefined);
    });
  return Object.assign(fetchLike, {
    close() {
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
