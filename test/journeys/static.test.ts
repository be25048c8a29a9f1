// Issue 13 item 15: the dashboard's files are sent precompressed (br, else gzip) when the
// browser accepts it, hashed assets are cached for a year, and nothing is compressed for a
// client that does not ask. Real HTTP server, real files written by the build step's code.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStaticHandler } from '../../server/http/static.ts';
// @ts-expect-error a plain .mjs build script without types
import { compressStatic } from '../../scripts/compress-static.mjs';

function get(
  port: number,
  p: string,
  encoding?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { port, path: p, headers: encoding === undefined ? {} : { 'accept-encoding': encoding } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('static files', () => {
  let dir: string;
  let server: Server;
  let port: number;
  const js = `export const app = ${JSON.stringify('x'.repeat(20_000))};\n`;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pw-static-'));
    mkdirSync(path.join(dir, '_app/immutable'), { recursive: true });
    writeFileSync(path.join(dir, 'index.html'), `<!doctype html><title>portwatch</title>${'<p>hello</p>'.repeat(200)}`);
    writeFileSync(path.join(dir, '_app/immutable/app.abc123.js'), js);
    writeFileSync(path.join(dir, 'favicon.png'), Buffer.alloc(2048, 1));
    expect(compressStatic(dir)).toBe(2); // the png is not compressed
    const serve = createStaticHandler(dir);
    server = createServer((req, res) => void serve(req, res));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends brotli when accepted, with a year of caching for hashed assets', async () => {
    const r = await get(port, '/_app/immutable/app.abc123.js', 'gzip, deflate, br');
    expect(r.headers['content-encoding']).toBe('br');
    expect(r.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(r.headers.vary).toBe('Accept-Encoding');
    expect(Number(r.headers['content-length'])).toBe(r.body.length);
    expect(r.body.length).toBeLessThan(js.length / 10);
    expect(brotliDecompressSync(r.body).toString()).toBe(js);
  });

  it('falls back to gzip, then to the plain file; br;q=0 is a refusal', async () => {
    const gz = await get(port, '/_app/immutable/app.abc123.js', 'gzip');
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(js);
    const refused = await get(port, '/_app/immutable/app.abc123.js', 'br;q=0, gzip;q=0.5');
    expect(refused.headers['content-encoding']).toBe('gzip');
    const plain = await get(port, '/_app/immutable/app.abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(js);
  });

  it('the SPA fallback (index.html) is compressed but never cached long; images are sent as they are', async () => {
    const page = await get(port, '/monitors/some-id', 'br');
    expect(page.headers['content-encoding']).toBe('br');
    expect(page.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(page.body).toString()).toContain('<title>portwatch</title>');
    const png = await get(port, '/favicon.png', 'br, gzip');
    expect(png.headers['content-encoding']).toBeUndefined();
    expect(png.body.length).toBe(2048);
  });
});
