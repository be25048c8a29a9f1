// Signed webhooks (schema and verification: docs/webhooks.md).
// Each message is one JSON event (schema "portwatch.event.v1"), POSTed with
//   X-Portwatch-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>
//   X-Portwatch-Event: <type>      X-Portwatch-Delivery: <event id, the same on every retry>
// A receiver recomputes the HMAC, compares in constant time and refuses a timestamp outside its
// replay window (default 300 s) and an event id it has already processed.
// Calls go only to addresses the injected policy allows: the host name is resolved here and the
// connection is made to the checked address (no second lookup that could answer differently).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { incidentSeconds } from './chat.ts';
import { DEFAULT_TIMEOUT_MS, parseRetryAfter } from './sms/provider.ts';
import type { AlertContent, MessageKind, SendOutcome } from './types.ts';
import { assertLedgerId } from './types.ts';

export const WEBHOOK_SCHEMA = 'portwatch.event.v1';
export const SIGNATURE_HEADER = 'X-Portwatch-Signature';
export const DEFAULT_REPLAY_WINDOW_SECONDS = 300;

export type WebhookEventType =
  | 'incident.opened'
  | 'incident.reminder'
  | 'incident.escalated'
  | 'incident.acknowledged'
  | 'incident.resolved'
  | 'incident.closed'
  | 'incident.flapping'
  | 'incident.stable'
  | 'port.state'
  | 'certificate.expiring'
  | 'probe.degraded'
  | 'probe.recovered'
  | 'test';

export function eventTypeFor(kind: MessageKind): WebhookEventType {
  const map: Record<MessageKind, WebhookEventType> = {
    DOWN: 'incident.opened',
    RECOVERED: 'incident.resolved',
    REMINDER: 'incident.reminder',
    ESCALATION: 'incident.escalated',
    PROBE_DEGRADED: 'probe.degraded',
    PROBE_RECOVERED: 'probe.recovered',
    ACKNOWLEDGED: 'incident.acknowledged',
    FLAPPING: 'incident.flapping',
    STABLE: 'incident.stable',
    CERT_EXPIRING: 'certificate.expiring',
    CLOSED: 'incident.closed',
    TEST: 'test',
  };
  return map[kind];
}

export interface WebhookEvent {
  schema: typeof WEBHOOK_SCHEMA;
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  test: boolean;
  incident: {
    id: string;
    kind: 'HOST_DOWN' | 'PROBE_DEGRADED';
    host: string;
    ports: number[];
    monitorName: string | null;
    error: { code: string; message: string } | null;
    openedAt: string | null;
    resolvedAt: string | null;
    acknowledgedAt: string | null;
    acknowledgedBy: string | null;
    durationSeconds: number | null;
    url: string;
    acknowledgeUrl: string | null;
  } | null;
  language: 'ko' | 'en';
}

/** The event for a message (id = the ledger row id: the same on every retry, a receiver's dedup key). */
export function buildWebhookEvent(id: string, c: AlertContent, opts: { test?: boolean } = {}): WebhookEvent {
  const probe = c.kind === 'PROBE_DEGRADED' || c.kind === 'PROBE_RECOVERED';
  return {
    schema: WEBHOOK_SCHEMA,
    id,
    type: opts.test ? 'test' : eventTypeFor(c.kind),
    occurredAt: c.at.toISOString(),
    test: opts.test ?? false,
    incident: {
      id: c.incidentId,
      kind: probe ? 'PROBE_DEGRADED' : 'HOST_DOWN',
      host: c.host,
      ports: [...new Set(c.ports)].sort((a, b) => a - b),
      monitorName: c.monitorName ?? null,
      error: c.error ?? null,
      openedAt: c.openedAt?.toISOString() ?? null,
      resolvedAt: c.resolvedAt?.toISOString() ?? null,
      acknowledgedAt: c.acknowledgedAt?.toISOString() ?? null,
      acknowledgedBy: c.acknowledgedBy ?? null,
      durationSeconds: incidentSeconds(c),
      url: c.logUrl,
      acknowledgeUrl: c.ackUrl ?? null,
    },
    language: c.lang,
  };
}

export function signWebhook(secret: string, timestampSec: number, rawBody: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSec}.${rawBody}`, 'utf8').digest('hex');
  return `t=${timestampSec},v1=${mac}`;
}

export type VerifyResult = { ok: true; timestamp: number } | { ok: false; reason: string };

/**
 * What a receiver does (exported for receivers written in TypeScript, and for our tests): parse the
 * header, recompute the HMAC over "<t>.<body>" with each candidate secret (rotation), compare in
 * constant time, and refuse a timestamp further than `toleranceSec` from now (replays).
 */
export function verifyWebhookSignature(opts: {
  secrets: string[];
  header: string | undefined;
  rawBody: string;
  nowMs?: number;
  toleranceSec?: number;
}): VerifyResult {
  if (!opts.header) return { ok: false, reason: `missing ${SIGNATURE_HEADER}` };
  const parts = opts.header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const sigs = parts.filter(([k]) => k === 'v1').map(([, v]) => v ?? '');
  if (!Number.isInteger(t) || sigs.length === 0) return { ok: false, reason: 'malformed signature header' };
  const now = Math.floor((opts.nowMs ?? Date.now()) / 1000);
  const tolerance = opts.toleranceSec ?? DEFAULT_REPLAY_WINDOW_SECONDS;
  if (Math.abs(now - t) > tolerance) return { ok: false, reason: `timestamp outside the ${tolerance} s replay window` };
  for (const secret of opts.secrets) {
    const want = Buffer.from(createHmac('sha256', secret).update(`${t}.${opts.rawBody}`, 'utf8').digest('hex'));
    for (const s of sigs) {
      const got = Buffer.from(s);
      if (got.length === want.length && timingSafeEqual(got, want)) return { ok: true, timestamp: t };
    }
  }
  return { ok: false, reason: 'signature does not match' };
}

/** null: the address may be called; else why not ("a private address"). */
export type AddressPolicy = (ip: string) => string | null;

export interface WebhookSendRequest {
  ledgerId: string;
  url: string;
  secret: string;
  event: WebhookEvent;
  /** Checks every address the URL resolves to. */
  policy: AddressPolicy;
}

export interface WebhookChannelOptions {
  timeoutMs?: number;
  userAgent?: string;
  /** Injected clock (seconds in the signature). */
  now?: () => number;
  /** DNS lookup (tests); default node:dns lookup. */
  lookup?: typeof dnsLookup;
}

export interface WebhookChannel {
  send(req: WebhookSendRequest): Promise<SendOutcome>;
}

export class AddressRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AddressRefused';
  }
}

/** A lookup that resolves, then refuses any answer the policy does not allow. */
export function guardedLookup(policy: AddressPolicy, lookup: typeof dnsLookup = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = (Array.isArray(addresses) ? addresses : [addresses]) as LookupAddress[];
      for (const a of list) {
        const why = policy(a.address);
        if (why) return callback(new AddressRefused(`${hostname} resolves to ${a.address}, ${why}`), '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

interface PostResult {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  lookup: LookupFunction,
): Promise<PostResult> {
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(
      url,
      { method: 'POST', headers, lookup, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= 4096) chunks.push(c);
        });
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8').slice(0, 2000),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () =>
      req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT_PW' })),
    );
    req.on('error', reject);
    req.end(body);
  });
}

export function createWebhookChannel(opts: WebhookChannelOptions = {}): WebhookChannel {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = opts.now ?? (() => Date.now());
  return {
    async send(req) {
      assertLedgerId(req.ledgerId);
      let url: URL;
      try {
        url = new URL(req.url);
      } catch {
        return { status: 'FAILED', detail: `not a URL: ${req.url}`, raw: null };
      }
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        return { status: 'FAILED', detail: 'webhook URLs must be http or https', raw: null };
      const literal = url.hostname.replace(/^\[|\]$/g, '');
      if (isIP(literal)) {
        const why = req.policy(literal);
        if (why) return { status: 'FAILED', detail: `refused by the IP policy: ${literal} is ${why}`, raw: null };
      }
      const body = JSON.stringify(req.event);
      const ts = Math.floor(now() / 1000);
      const headers = {
        'Content-Type': 'application/json; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(body)),
        'User-Agent': opts.userAgent ?? 'portwatch-webhook/1',
        [SIGNATURE_HEADER]: signWebhook(req.secret, ts, body),
        'X-Portwatch-Event': req.event.type,
        'X-Portwatch-Delivery': req.event.id,
      };
      try {
        const r = await post(url, headers, body, timeoutMs, guardedLookup(req.policy, opts.lookup));
        const raw = { status: r.status, body: r.body.slice(0, 500) };
        const said = r.body.trim().slice(0, 200);
        if (r.status >= 200 && r.status < 300)
          return { status: 'SENT', providerMessageId: null, detail: `receiver answered HTTP ${r.status}`, raw };
        // 408, 409 (receiver busy), 425, 429 and 5xx are worth another try; other 4xx are the receiver's final word
        if (r.status === 408 || r.status === 409 || r.status === 425 || r.status === 429 || r.status >= 500) {
          const ra = r.headers['retry-after'];
          const retryAfterMs = parseRetryAfter(Array.isArray(ra) ? ra[0] : ra);
          return {
            status: 'RETRY',
            detail: `receiver answered HTTP ${r.status}${said ? `: ${said}` : ''}`,
            raw,
            ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          };
        }
        return { status: 'FAILED', detail: `receiver answered HTTP ${r.status}${said ? `: ${said}` : ''}`, raw };
      } catch (e) {
        const err = e as Error & { code?: string };
        if (err instanceof AddressRefused || err.name === 'AddressRefused')
          return { status: 'FAILED', detail: `refused by the IP policy: ${err.message}`, raw: null };
        const detail =
          err.code === 'ETIMEDOUT_PW'
            ? `timeout after ${timeoutMs} ms (the receiver may still have processed the event)`
            : `network error: ${err.code ?? err.message}`;
        return { status: 'RETRY', detail, raw: { error: err.code ?? err.name } };
      }
    },
  };
}
