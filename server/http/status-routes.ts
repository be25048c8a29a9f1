// Public status pages (AppDeps.routes), no sign-in:
//   GET /status/<slug>                       the page: HTML + CSS, works without JavaScript
//   GET /status/<slug>/events                live updates (SSE; the page's inline script reads them)
//   GET /status/<slug>/badge/<item id>.svg   one host's badge (state, uptime); the id is the page item's
// ?lang=ko|en, else Accept-Language, else the page's language. An unknown slug, an unpublished
// page, an unknown badge and a malformed address all get the same 404 (same body, same headers).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../log.ts';
import type { ServiceDeps } from '../services/types.ts';
import type { RouteHandler } from './route.ts';
import { renderBadge } from './status-badge.ts';
import { createStatusCache, type StatusCacheOptions } from './status-cache.ts';
import { NOT_FOUND_HTML, STATUS_CSP } from './status-html.ts';
import { chooseLang, type StatusLang } from './status-i18n.ts';
import { createStatusLive, type StatusLiveOptions } from './status-live.ts';

export interface StatusRoutesOptions {
  deps: ServiceDeps;
  log?: Logger;
  cache?: StatusCacheOptions;
  live?: StatusLiveOptions;
}

export interface StatusRoutes {
  route: RouteHandler;
  stop(): void;
  /** Open SSE streams (metrics, the bench). */
  viewers(): number;
}

const SEGMENT = '([A-Za-z0-9-]{1,64})';
const PAGE_RE = new RegExp(`^/status/${SEGMENT}/?$`);
const EVENTS_RE = new RegExp(`^/status/${SEGMENT}/events$`);
const BADGE_RE = new RegExp(`^/status/${SEGMENT}/badge/([A-Za-z0-9]{1,40})\\.svg$`);

/** Browsers and proxies may keep a page this long; the ETag makes revalidation cheap. */
const PAGE_CACHE_CONTROL = 'public, max-age=10, must-revalidate';
const BADGE_CACHE_CONTROL = 'public, max-age=60';

function notFound(res: ServerResponse, head: boolean): void {
  res.writeHead(404, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  });
  res.end(head ? undefined : NOT_FOUND_HTML);
}

export function createStatusRoutes(opts: StatusRoutesOptions): StatusRoutes {
  const cache = createStatusCache(opts.deps, opts.cache);
  const live = createStatusLive(cache, {
    onError: (err) => opts.log?.('error', 'status page live refresh failed', { err }),
    ...opts.live,
  });

  const langOf = (req: IncomingMessage, url: URL, fallback: StatusLang) =>
    chooseLang(url.searchParams.get('lang'), req.headers['accept-language'], fallback);

  async function page(req: IncomingMessage, res: ServerResponse, url: URL, slug: string, head: boolean) {
    const view = await cache.view(slug);
    if (!view) return notFound(res, head);
    const lang = langOf(req, url, view.language);
    const r = await cache.html(slug, lang);
    if (!r) return notFound(res, head);
    const headers = {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': PAGE_CACHE_CONTROL,
      etag: r.page.etag,
      vary: 'Accept-Language',
      'content-language': lang,
      'content-security-policy': STATUS_CSP,
    };
    if (req.headers['if-none-match'] === r.page.etag) {
      res.writeHead(304, headers).end();
      return;
    }
    res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(r.page.body) });
    res.end(head ? undefined : r.page.body);
  }

  async function events(req: IncomingMessage, res: ServerResponse, url: URL, slug: string) {
    const view = await cache.view(slug);
    if (!view) return notFound(res, false);
    if (!live.join(slug, langOf(req, url, view.language), res)) {
      res.writeHead(503, { 'retry-after': '30', 'cache-control': 'no-store' }).end();
    }
  }

  async function badge(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    slug: string,
    itemId: string,
    head: boolean,
  ) {
    const view = await cache.view(slug);
    const item = view?.items.find((i) => i.id === itemId);
    if (!view || !item) return notFound(res, head);
    const svg = renderBadge(item, langOf(req, url, view.language));
    res.writeHead(200, {
      'content-type': 'image/svg+xml; charset=utf-8',
      'cache-control': BADGE_CACHE_CONTROL,
      vary: 'Accept-Language',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
      // embedding a badge in another site's page is its purpose
      'cross-origin-resource-policy': 'cross-origin',
      'content-length': Buffer.byteLength(svg),
    });
    res.end(head ? undefined : svg);
  }

  const route: RouteHandler = async (req, res, url) => {
    const path = url.pathname;
    if (path !== '/status' && !path.startsWith('/status/')) return false;
    const head = req.method === 'HEAD';
    if (req.method !== 'GET' && !head) {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return true;
    }
    try {
      let m = PAGE_RE.exec(path);
      if (m) await page(req, res, url, (m[1] as string).toLowerCase(), head);
      else if ((m = EVENTS_RE.exec(path)) && !head) await events(req, res, url, (m[1] as string).toLowerCase());
      else if ((m = BADGE_RE.exec(path)))
        await badge(req, res, url, (m[1] as string).toLowerCase(), m[2] as string, head);
      else notFound(res, head);
    } catch (err) {
      opts.log?.('error', 'status page failed', { err: String(err) });
      if (!res.headersSent) res.writeHead(500, { 'cache-control': 'no-store' }).end();
    }
    return true;
  };

  return {
    route,
    viewers: () => live.viewers(),
    stop() {
      live.stop();
      cache.stop();
    },
  };
}
