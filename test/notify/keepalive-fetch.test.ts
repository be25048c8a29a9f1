// The providers' keep-alive HTTP client: what a provider adapter reads from a Response (status,
// headers, body), one connection reused for consecutive requests, and timeouts and refused
// connections turned into the outcomes httpCall expects (RETRY with the reason).
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createKeepAliveFetch } from '../../server/notify/keepalive-fetch.ts';
import { httpCall } from '../../server/notify/sms/provider.ts';

describe('keep-alive provider client', () => {
  const seen: { method: string; url: string; body: string; type: string | undefined; port: number }[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        body,
        type: req.headers['content-type'],
        port: req.socket.remotePort ?? 0,
      });
      if (req.url === '/hang') return; // never answers
      res.writeHead(req.url === '/busy' ? 429 : 200, { 'content-type': 'application/json', 'retry-after': '3' });
      res.end(JSON.stringify({ echo: body, 한글: '확인' }));
    });
  });
  let base = '';
  const f = createKeepAliveFetch();
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    f.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('posts the body with its headers and hands back status, headers and the UTF-8 body; one connection for consecutive requests', async () => {
    const r1 = await f(`${base}/send`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json;charset=UTF-8' },
      body: '{"a":"장애"}',
    });
    const r2 = await f(`${base}/busy`, { method: 'POST', body: 'x' });
    expect(r1.status).toBe(200);
    expect(await r1.json()).toEqual({ echo: '{"a":"장애"}', 한글: '확인' });
    expect(r2.status).toBe(429);
    expect(r2.headers.get('retry-after')).toBe('3');
    expect(seen.slice(-2).map((s) => [s.method, s.url, s.body, s.type])).toEqual([
      ['POST', '/send', '{"a":"장애"}', 'application/json;charset=UTF-8'],
      ['POST', '/busy', 'x', undefined],
    ]);
    expect(seen.at(-1)?.port).toBe(seen.at(-2)?.port); // the same client socket: kept alive
  });

  it("httpCall's plain path (no Request/Response) hands back what the fetch path does", async () => {
    const viaFetch: typeof f = Object.assign((u: string, i: RequestInit) => f(u, i), {
      plain: undefined as never,
      close() {},
    });
    const init = { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"b":"복구"}' };
    const fast = await httpCall(f, `${base}/busy`, init, 2_000);
    const slow = await httpCall(viaFetch, `${base}/busy`, init, 2_000);
    expect(seen.slice(-2).map((s) => [s.method, s.url, s.body, s.type])).toEqual([
      ['POST', '/busy', '{"b":"복구"}', 'application/json'],
      ['POST', '/busy', '{"b":"복구"}', 'application/json'],
    ]);
    if (fast.kind !== 'response' || slow.kind !== 'response') throw new Error('expected answers');
    expect([fast.status, fast.body, fast.headers.get('Retry-After'), fast.headers.get('content-type')]).toEqual([
      slow.status,
      slow.body,
      slow.headers.get('Retry-After'),
      slow.headers.get('content-type'),
    ]);
    expect(fast.status).toBe(429);
    expect(JSON.parse(fast.body)).toEqual({ echo: '{"b":"복구"}', 한글: '확인' });
  });

  it('a timeout and a refused connection become RETRY outcomes naming why', async () => {
    const timedOut = await httpCall(f, `${base}/hang`, { method: 'POST', body: '{}' }, 200);
    expect(timedOut).toMatchObject({
      kind: 'error',
      outcome: { status: 'RETRY', detail: 'timeout after 200 ms (the provider may still have accepted the message)' },
    });
    const refused = await httpCall(f, 'http://127.0.0.1:1/x', { method: 'POST', body: '{}' }, 2_000);
    expect(refused).toMatchObject({
      kind: 'error',
      outcome: { status: 'RETRY', detail: 'network error: ECONNREFUSED' },
    });
  });
});
