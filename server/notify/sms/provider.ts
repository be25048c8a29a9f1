// The SMS provider interface and helpers shared by the adapters. Providers take an injected
// `fetch`; they never throw for provider or network trouble — they return a SendOutcome.
import type { DeliveryReport, SendOutcome } from '../types.ts';

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/** A request without the WHATWG objects: string body, plain headers, a timeout in milliseconds. */
export interface PlainRequest {
  method: string;
  headers: Record<string, string>;
  body: string | null;
  timeoutMs: number;
}

export interface PlainResponse {
  status: number;
  headers: { get(name: string): string | null };
  body: string;
}

/**
 * A FetchLike may also answer plain requests (keepalive-fetch.ts does): httpCall then skips
 * Request/Response/AbortSignal, which cost more CPU than the exchange itself in a burst. A
 * timeout rejects with an error named 'TimeoutError', a network error with a TypeError whose
 * cause is the socket's error — as fetch does.
 */
export type PlainHttp = (url: string, req: PlainRequest) => Promise<PlainResponse>;

export interface SmsSendRequest {
  ledgerId: string;
  /** E.164, as normalizeMobile() returns it. */
  to: string;
  text: string;
}

/** What a webhook route hands the provider: the body exactly as received (signatures cover bytes). */
export interface WebhookRequest {
  headers: Record<string, string | undefined>;
  rawBody: string;
  /** The URL the request came to (informational; Twilio verification uses the configured URL). */
  url: string;
}

export type ParseReportResult =
  | { ok: true; reports: DeliveryReport[] }
  | { ok: false; status: 401 | 400; reason: string };

export interface SmsProvider {
  readonly name: string;
  send(req: SmsSendRequest): Promise<SendOutcome>;
  /** Verify and parse a delivery-report webhook. 401 = bad/missing signature, 400 = malformed. */
  parseReport?(req: WebhookRequest): ParseReportResult;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Case-insensitive header lookup (Node lower-cases incoming names; callers may not). */
export function header(headers: Record<string, string | undefined>, name: string): string | undefined {
  const want = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === want) return v;
  return undefined;
}

/** Retry-After: delta-seconds or an HTTP-date → milliseconds (undefined if absent/unparseable). */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

export type HttpResult =
  | { kind: 'response'; status: number; headers: { get(name: string): string | null }; body: string }
  | { kind: 'error'; outcome: Extract<SendOutcome, { status: 'RETRY' }> };

/** fetch with a timeout; network errors and timeouts become RETRY outcomes. */
export async function httpCall(
  fetchFn: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<HttpResult> {
  try {
    const plain = (fetchFn as FetchLike & { plain?: PlainHttp }).plain;
    const headers = init.headers;
    if (
      plain &&
      (init.body === undefined || init.body === null || typeof init.body === 'string') &&
      (headers === undefined ||
        (typeof headers === 'object' && !Array.isArray(headers) && !(headers instanceof Headers)))
    ) {
      const res = await plain(url, {
        method: init.method ?? 'GET',
        headers: { ...(headers as Record<string, string> | undefined) },
        body: init.body ?? null,
        timeoutMs,
      });
      return { kind: 'response', ...res };
    }
    const res = await fetchFn(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { kind: 'response', status: res.status, headers: res.headers, body };
  } catch (e) {
    const err = e as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const timedOut = err.name === 'TimeoutError' || err.name === 'AbortError';
    const detail = timedOut
      ? `timeout after ${timeoutMs} ms (the provider may still have accepted the message)`
      : `network error: ${err.cause?.code ?? err.cause?.message ?? err.message ?? String(e)}`;
    return {
      kind: 'error',
      outcome: { status: 'RETRY', detail, raw: { error: err.name ?? null, message: err.message ?? null } },
    };
  }
}

export function tryJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return undefined;
  }
}

/** Loose record access for provider JSON without `any`. */
export function rec(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined;
}
