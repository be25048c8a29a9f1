// The HTTP router: which handler answers each request (GraphQL, /schema.graphql, /ready, the
// extra routes, the client files), the origin check before GraphQL, and the body limits.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ReadinessReport } from './readiness.ts';
import type { RouteHandler } from './route.ts';
import { setBaseSecurityHeaders } from './security-headers.ts';
import { createStaticHandler } from './static.ts';

export interface RouterOptions {
  /** GraphQL over HTTP and SSE (/graphql) and /health. */
  graphql: (req: IncomingMessage, res: ServerResponse) => unknown;
  /** The printed SDL for token holders (/schema.graphql). */
  schemaRoute: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readiness: () => Promise<ReadinessReport>;
  /** False for a browser page on an origin that may not call the API. */
  originAllowed: (req: IncomingMessage) => boolean;
  routes?: RouteHandler[] | undefined;
  staticDir: string;
  /** Largest GraphQL request body accepted, in bytes. */
  maxBodyBytes: number;
  log?: ((level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void) | undefined;
}

export function createRouter(opts: RouterOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const serveStatic = createStaticHandler(opts.staticDir);
  const maxBody = opts.maxBodyBytes;
  return (req, res) => {
    setBaseSecurityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/graphql' && !opts.originAllowed(req)) {
      // a browser page on another origin: nothing runs, no CORS header lets it read the answer
      res.writeHead(403, { 'content-type': 'application/json', vary: 'Origin' });
      res.end(
        JSON.stringify({
          errors: [
            {
              message: 'This origin may not call the API (set CORS_ORIGINS)',
              extensions: { code: 'ORIGIN_NOT_ALLOWED' },
            },
          ],
        }),
      );
      return;
    }
    if (path === '/schema.graphql') {
      void opts.schemaRoute(req, res);
      return;
    }
    if (path === '/ready') {
      void opts.readiness().then(
        (report) => {
          res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(report));
        },
        (err: unknown) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, checks: { readiness: { ok: false, detail: String(err) } } }));
        },
      );
      return;
    }
    if (path === '/graphql' || path === '/health') {
      if (refuseBody(req, res)) return;
      void opts.graphql(req, res);
      return;
    }
    if (opts.routes?.length) {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        for (const route of opts.routes ?? []) if (await route(req, res, url)) return;
        await staticOrReject(req, res);
      })().catch((err: unknown) => {
        opts.log?.('error', 'route failed', { err });
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    void staticOrReject(req, res);
  };

  // A GraphQL body must say its length (every browser and fetch does) and stay under the limit:
  // 411 / 413 before Yoga reads a byte of it.
  function refuseBody(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return false;
    const declared = req.headers['content-length'];
    const status =
      declared === undefined ? (req.headers['transfer-encoding'] ? 411 : 0) : Number(declared) > maxBody ? 413 : 0;
    if (!status) return false;
    const message = status === 413 ? `Request body over ${maxBody} bytes` : 'Content-Length required';
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(
      JSON.stringify({
        errors: [{ message, extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'LENGTH_REQUIRED' } }],
      }),
    );
    return true;
  }

  async function staticOrReject(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    await serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  }
}
