// HTTP routes of the delivery side (AppDeps.routes):
//   GET  /t/r/<token>.gif   read pixel: READ once, answers a 1×1 GIF; a forged token gets 404
//   GET  /t/l/<token>       read link: READ once, 302 to the incident's log page
//   GET  /t/a/<token>       acknowledgement page (counts as a read; does NOT acknowledge: link scanners)
//   POST /t/a/<token>       acknowledges the incident, answers a confirmation page
//   POST /hooks/sms/nhn     NHN delivery reports     } signature checked by the provider adapter:
//   POST /hooks/sms/twilio  Twilio status callbacks  } 401 changes nothing; only the configured provider
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from './route.ts';
import type { Logger } from '../log.ts';
import type { SmsProvider } from '../notify/sms/provider.ts';
import { verifyToken } from '../notify/tracking.ts';
import { acknowledgeByLink, describeAckLink } from '../services/notifications/acknowledge.ts';
import { incidentLogPath } from '../notify/tracking.ts';
import { recordDeliveryReport, recordRead } from '../services/notifications/delivery.ts';
import type { ServiceDeps } from '../services/types.ts';
import { ackPage, notFoundPage } from './notify-pages.ts';

export interface NotifyRoutesOptions {
  deps: ServiceDeps;
  sms: SmsProvider;
  log?: Logger;
  /** Largest webhook body accepted (default 1 MiB). */
  maxBodyBytes?: number;
}

const GIF = Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64');
const TOKEN = '([A-Za-z0-9_-]{1,400}\\.[A-Za-z0-9_-]{1,100})';
const PIXEL_RE = new RegExp(`^/t/r/${TOKEN}\\.gif$`);
const LINK_RE = new RegExp(`^/t/l/${TOKEN}$`);
const ACK_RE = new RegExp(`^/t/a/${TOKEN}$`);
const HOOK_RE = /^\/hooks\/sms\/(nhn|twilio)$/;

const NO_STORE = { 'cache-control': 'no-store, no-cache, must-revalidate, private', pragma: 'no-cache' };
const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  ...NO_STORE,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
};

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage, max: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function text(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...NO_STORE }).end(body);
}

function html(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, HTML_HEADERS).end(body);
}

export function createNotifyRoutes(opts: NotifyRoutesOptions): RouteHandler[] {
  const { deps } = opts;
  const log = opts.log ?? (() => {});
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const base = deps.publicUrl.replace(/\/+$/, '');
  const ledgerOf = (token: string | undefined, purpose: 'read' | 'ack') =>
    token ? (verifyToken(deps.secret, token, purpose)?.ledgerId ?? null) : null;
  const ua = (req: IncomingMessage) => req.headers['user-agent'] ?? null;

  const pixel: RouteHandler = async (req, res, url) => {
    const m = PIXEL_RE.exec(url.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
    const id = ledgerOf(m[1], 'read');
    const r = id ? await recordRead(deps, { notificationId: id, via: 'pixel', userAgent: ua(req) }) : null;
    if (!r?.matched) {
      text(res, 404, 'not found');
      return true;
    }
    res
      .writeHead(200, { 'content-type': 'image/gif', 'content-length': GIF.length, ...NO_STORE })
      .end(req.method === 'HEAD' ? undefined : GIF);
    return true;
  };

  const readLink: RouteHandler = async (req, res, url) => {
    const m = LINK_RE.exec(url.pathname);
    if (!m || req.method !== 'GET') return false;
    const id = ledgerOf(m[1], 'read');
    const r = id ? await recordRead(deps, { notificationId: id, via: 'link', userAgent: ua(req) }) : null;
    if (!r?.matched) {
      html(res, 404, notFoundPage());
      return true;
    }
    res
      .writeHead(302, {
        location: `${base}${incidentLogPath(r.incidentId)}`,
        ...NO_STORE,
        'referrer-policy': 'no-referrer',
      })
      .end();
    return true;
  };

  const ack: RouteHandler = async (req, res, url) => {
    const m = ACK_RE.exec(url.pathname);
    if (!m || (req.method !== 'GET' && req.method !== 'POST')) return false;
    const id = ledgerOf(m[1], 'ack');
    if (!id) {
      html(res, 404, notFoundPage());
      return true;
    }
    if (req.method === 'GET') {
      const view = await describeAckLink(deps, id);
      if (!view) {
        html(res, 404, notFoundPage());
        return true;
      }
      await recordRead(deps, { notificationId: id, via: 'ack', userAgent: ua(req) });
      html(res, 200, ackPage({ ...view, outcome: null, logUrl: `${base}${incidentLogPath(view.incident.id)}` }));
      return true;
    }
    await readBody(req, 4096).catch(() => '');
    const done = await acknowledgeByLink(deps, { notificationId: id, userAgent: ua(req) });
    if (!done) {
      html(res, 404, notFoundPage());
      return true;
    }
    html(res, 200, ackPage({ ...done, logUrl: `${base}${incidentLogPath(done.incident.id)}` }));
    return true;
  };

  const hooks: RouteHandler = async (req, res, url) => {
    const m = HOOK_RE.exec(url.pathname);
    if (!m) return false;
    if (req.method !== 'POST') {
      res.writeHead(405, { allow: 'POST' }).end();
      return true;
    }
    const provider = opts.sms;
    if (provider.name !== m[1] || !provider.parseReport) {
      text(res, 404, `SMS provider ${m[1]} is not configured`);
      return true;
    }
    let rawBody: string;
    try {
      rawBody = await readBody(req, maxBody);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        text(res, 413, 'body too large');
        return true;
      }
      throw err;
    }
    const parsed = provider.parseReport({ headers: flatHeaders(req), rawBody, url: `${base}${url.pathname}` });
    if (!parsed.ok) {
      log('warn', 'delivery report refused', { provider: provider.name, status: parsed.status, reason: parsed.reason });
      text(res, parsed.status, parsed.reason);
      return true;
    }
    for (const report of parsed.reports) {
      const r = await recordDeliveryReport(deps, { report, provider: provider.name });
      if (!r.matched)
        log('info', 'delivery report for an unknown message', { provider: provider.name, reason: r.reason });
    }
    text(res, 200, 'ok');
    return true;
  };

  return [pixel, readLink, ack, hooks];
}
