// Serves the built SvelteKit client (a static SPA) with an index.html fallback. Text files are
// sent precompressed (file.br / file.gz, written at build time by scripts/compress-static.mjs)
// when the browser accepts it; hashed assets (/_app/immutable/) are cached for a year.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { dashboardCsp } from './security-headers.ts';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.webmanifest', '.txt']);

/** The encodings the request accepts (q > 0), from Accept-Encoding. */
function accepted(header: string | string[] | undefined): Set<string> {
  const out = new Set<string>();
  for (const part of String(header ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
    if (name && (q === undefined || Number(q) > 0)) out.add(name);
  }
  return out;
}

/** The .br or .gz copy of `file` the client accepts (br first), when the build wrote one. */
async function precompressed(
  file: string,
  header: string | string[] | undefined,
): Promise<{ file: string; encoding: string; size: number } | null> {
  if (!COMPRESSIBLE.has(path.extname(file))) return null;
  const ok = accepted(header);
  for (const [encoding, ext] of [
    ['br', '.br'],
    ['gzip', '.gz'],
  ] as const) {
    if (!ok.has(encoding)) continue;
    const info = await stat(file + ext).catch(() => null);
    if (info?.isFile()) return { file: file + ext, encoding, size: info.size };
  }
  return null;
}

const PLACEHOLDER = `<!doctype html><html lang="en"><meta charset="utf-8"><title>portwatch</title>
<body style="font-family:system-ui;max-width:40rem;margin:4rem auto">
<h1>portwatch</h1><p>The API is running at <a href="/graphql">/graphql</a>.
The dashboard has not been built: run <code>npm run build</code>.</p></body></html>`;

export function createStaticHandler(dir: string) {
  const root = path.resolve(dir);
  const htmlCache = new Map<string, string>();
  return async function serveStatic(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    let file = path.resolve(root, `.${rel}`);
    if (!file.startsWith(root)) {
      res.writeHead(404).end();
      return;
    }
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info) {
      // SPA fallback for client-side routes (not for missing assets)
      if (path.extname(rel)) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      file = path.join(root, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info) {
        res
          .writeHead(200, {
            'content-type': 'text/html; charset=utf-8',
            'content-security-policy': dashboardCsp(PLACEHOLDER),
          })
          .end(PLACEHOLDER);
        return;
      }
    }
    const immutable = rel.includes('/_app/immutable/');
    if (path.extname(file) === '.html') {
      // the policy allows this page's own inline boot script by its hash
      const key = `${file}:${info.mtimeMs}`;
      let html = htmlCache.get(key);
      if (html === undefined) {
        html = await readFile(file, 'utf8');
        htmlCache.set(key, html);
      }
      res.setHeader('content-security-policy', dashboardCsp(html, req.headers.host));
    }
    const variant = await precompressed(file, req.headers['accept-encoding']);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': variant ? variant.size : info.size,
      'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
      ...(variant ? { 'content-encoding': variant.encoding } : {}),
      ...(COMPRESSIBLE.has(path.extname(file)) ? { vary: 'Accept-Encoding' } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(variant ? variant.file : file).pipe(res);
  };
}
