// The lean HTTP/1.1 client of the providers' plain path (server/notify/http1.ts) against servers
// that answer in every shape HTTP/1.1 allows: node:http (Content-Length, chunked, keep-alive,
// Connection: close) and raw sockets (byte by byte, chunked across packets, body until close, an
// idle connection closed by the server).
import { createServer as createHttpServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttp1Client } from '../../server/notify/http1.ts';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen(server: net.Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A raw server: `reply(request text)` gives the answer's pieces, written one by one. */
async function raw(
  reply: (req: string) => { pieces: (string | Buffer)[]; close?: boolean; closeAfterMs?: number },
): Promise<{
  url: string;
  connections: () => number;
  requests: string[];
}> {
  let connections = 0;
  const requests: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    connections += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    let buf = '';
    s.on('data', async (c: Buffer) => {
      buf += c.toString('utf8');
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const len = Number(/content-length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (Buffer.byteLength(buf) < end + 4 + len) return;
      const req = buf;
      buf = '';
      requests.push(req);
      const { pieces, close, closeAfterMs } = reply(req);
      for (const p of pieces) {
        s.write(p);
        await new Promise((r) => setTimeout(r, 5));
      }
      if (close) s.end();
      if (closeAfterMs) setTimeout(() => s.end(), closeAfterMs);
    });
  });
  cleanups.push(() => {
    for (const s of sockets) s.destroy();
  });
  return { url: await listen(server), connections: () => connections, requests };
}

function client() {
  const c = createHttp1Client();
  cleanups.push(() => c.close());
  return c.plain;
}

const post = (body: string, timeoutMs = 2_000) => ({
  method: 'POST',
  headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Secret-Key': 'k' },
  body,
  timeoutMs,
});

describe('lean HTTP/1.1 client', () => {
  it('node:http answers: Content-Length, chunked, headers; one connection kept alive; Connection: close honoured', async () => {
    const ports: number[] = [];
    const server = createHttpServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        ports.push(req.socket.remotePort ?? 0);
        if (req.url === '/chunked') {
          res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
          res.write('{"part":"첫');
          setTimeout(() => res.end(`번째","echo":${JSON.stringify(body)}}`), 5);
        } else if (req.url === '/close') {
          res.writeHead(503, { connection: 'close', 'retry-after': '7' });
          res.end('busy');
        } else {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ echo: body, key: req.headers['x-secret-key'], host: req.headers.host }));
        }
      });
    });
    const base = await listen(server);
    cleanups.push(() => server.closeAllConnections());
    const plain = client();
    const a = await plain(`${base}/send?x=1`, post('{"텍스트":"장애"}'));
    expect(a.status).toBe(200);
    expect(JSON.parse(a.body)).toEqual({ echo: '{"텍스트":"장애"}', key: 'k', host: new URL(base).host });
    const b = await plain(`${base}/chunked`, post('{"n":2}'));
    expect(JSON.parse(b.body)).toEqual({ part: '첫번째', echo: '{"n":2}' });
    expect(b.headers.get('Set-Cookie')).toBe('a=1, b=2');
    expect(ports[0]).toBe(ports[1]); // kept alive
    const c = await plain(`${base}/close`, post('{}'));
    expect([c.status, c.body, c.headers.get('retry-after')]).toEqual([503, 'busy', '7']);
    const d = await plain(`${base}/send`, post('{}'));
    expect(d.status).toBe(200);
    expect(ports[3]).not.toBe(ports[2]); // the server closed that one: a new connection
  });

  it('answers written byte by byte, chunked across packets, and a body that ends with the connection', async () => {
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\n\r\nhello world';
    const byByte = await raw(() => ({ pieces: [...Buffer.from(answer)].map((b) => Buffer.from([b])) }));
    expect((await client()(byByte.url, post('{}'))).body).toBe('hello world');

    const chunked = await raw(() => ({
      pieces: [
        'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n',
        '6\r\n안',
        Buffer.from([0xeb, 0x85, 0x95]), // the rest of "녕"
        '\r',
        '\n3\r\n!!!\r\n0\r\n\r\n',
      ],
    }));
    const plain = client();
    expect((await plain(chunked.url, post('{}'))).body).toBe('안녕!!!');
    expect((await plain(chunked.url, post('{}'))).body).toBe('안녕!!!');
    expect(chunked.connections()).toBe(1);

    const untilClose = await raw(() => ({ pieces: ['HTTP/1.1 200 OK\r\n\r\nthe end', ' of it'], close: true }));
    expect((await client()(untilClose.url, post('{}'))).body).toBe('the end of it');
  });

  it('sends one request per call with the body and its length; an interim 100 answer is skipped', async () => {
    const server = await raw(() => ({
      pieces: ['HTTP/1.1 100 Continue\r\n\r\n', 'HTTP/1.1 202 Accepted\r\nContent-Length: 2\r\n\r\nok'],
    }));
    const r = await client()(`${server.url}/sms/v3.0/appKeys/K/sender/sms`, post('{"body":"한글"}'));
    expect([r.status, r.body]).toEqual([202, 'ok']);
    expect(server.requests).toHaveLength(1);
    const req = server.requests[0]!;
    expect(req.startsWith('POST /sms/v3.0/appKeys/K/sender/sms HTTP/1.1\r\n')).toBe(true);
    expect(req).toMatch(/\r\ncontent-length: 17\r\n/);
    expect(req).toMatch(/\r\nX-Secret-Key: k\r\n/);
    expect(req.endsWith('\r\n\r\n{"body":"한글"}')).toBe(true);
  });

  it('a connection the server closed while idle is not used again; timeouts and refusals are errors as fetch makes them', async () => {
    // the server ends each connection 50 ms after answering (its keep-alive timeout)
    const server = await raw(() => ({ pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1'], closeAfterMs: 50 }));
    const plain = client();
    expect((await plain(server.url, post('{}'))).body).toBe('1');
    await new Promise((r) => setTimeout(r, 150));
    expect((await plain(server.url, post('{}'))).body).toBe('1');
    expect(server.connections()).toBe(2);
    expect(server.requests).toHaveLength(2);
    const hang = await raw(() => ({ pieces: [] }));
    const timedOut = await plain(hang.url, post('{}', 150)).catch((e: unknown) => e);
    expect((timedOut as Error).name).toBe('TimeoutError');
    const refused = await plain('http://127.0.0.1:1/x', post('{}')).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('ECONNREFUSED');
    const cut = await raw(() => ({ pieces: ['HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort'], close: true }));
    const truncated = await plain(cut.url, post('{}')).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(TypeError);
  });
});
