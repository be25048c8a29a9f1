// Runs generated operations against a live server over HTTP and WebSocket and classifies every
// answer: well-formed or not, 5xx, internal (masked) errors, a closed socket, and whether the
// answer leaked text it must not (another tenant's markers).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import type { GeneratedOp } from './gen-ops.ts';

export interface RunReport {
  ops: number;
  /** Operations answered with data (possibly with errors too). */
  withData: number;
  /** Operations answered with errors only (refused: syntax, validation, limits, auth). */
  refused: number;
  /** Subscriptions accepted that sent nothing within 300 ms (then ended by the client). */
  subscribed: number;
  byStatus: Record<number, number>;
  /** The slowest answer (ms) and its operation. */
  slowest: { ms: number; query: string };
  problems: { op: GeneratedOp; role: string; problem: string }[];
  /** Internal errors matching a known, reported bug: field (or subscription) → count. */
  known: Record<string, number>;
}

export const emptyReport = (): RunReport => ({ ops: 0, withData: 0, refused: 0, subscribed: 0, byStatus: {}, slowest: { ms: 0, query: '' }, problems: [], known: {} });

const MASKED = 'Unexpected error.';

/**
 * Internal errors this suite found in resolvers outside its room, reported to their owners:
 * the field whose resolver fails → why. An internal error anywhere else fails the run.
 */
export const KNOWN_INTERNAL: Record<string, string> = {
  yearlyStatistics: 'statistics.ts throws a ValidationError (bad year or time zone) from a field without an errors union',
  acknowledgeIncident: 'acknowledge.ts: an empty Prisma select when the result selects only __typename',
  checkResults: 'live.ts: a non-Monitor ID (or a monitor not yours) throws inside subscribe',
  monitorStatus: 'live.ts: a non-Monitor ID throws inside subscribe',
};

/** The known bug behind every internal error of `body`, or null when one is unknown. */
function knownCause(op: GeneratedOp, body: { errors?: { message: string; path?: (string | number)[] }[] }): string | null {
  const causes = new Set<string>();
  for (const e of body.errors ?? []) {
    if (e.message !== MASKED) continue;
    // subscriptions fail before they have a path: the root field names the resolver
    const field = e.path ? String(e.path.filter((p) => typeof p === 'string').at(-1)) : /^\s*subscription[^{]*\{\s*(?:\w+\s*:\s*)?(\w+)/.exec(op.query)?.[1];
    if (!field || !(field in KNOWN_INTERNAL)) return null;
    causes.add(field);
  }
  return [...causes].join('+') || null;
}

/** null when `body` is a well-formed GraphQL response; otherwise why not. */
export function malformed(body: unknown): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'not an object';
  const keys = Object.keys(body);
  if (keys.some((k) => !['data', 'errors', 'extensions'].includes(k))) return `unexpected keys ${keys.join(',')}`;
  const { data, errors } = body as { data?: unknown; errors?: unknown };
  if (data === undefined && errors === undefined) return 'neither data nor errors';
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) return 'data is not an object';
  if (errors !== undefined) {
    if (!Array.isArray(errors) || errors.length === 0) return 'errors is not a non-empty list';
    for (const e of errors) if (typeof e !== 'object' || e === null || typeof (e as { message?: unknown }).message !== 'string') return 'an error without a message';
  }
  return null;
}

function classify(report: RunReport, op: GeneratedOp, role: string, body: unknown, forbidden: string[]) {
  const bad = malformed(body);
  if (bad) return report.problems.push({ op, role, problem: `malformed: ${bad}: ${JSON.stringify(body).slice(0, 200)}` });
  const text = JSON.stringify(body);
  if (text.includes(MASKED)) {
    // aliases hide the field name in the path: look the alias up in the query
    const known = knownCause(op, unalias(op, body as Parameters<typeof knownCause>[1]));
    if (known) report.known[known] = (report.known[known] ?? 0) + 1;
    else report.problems.push({ op, role, problem: `internal error: ${text.slice(0, 300)}` });
  }
  const leaked = forbidden.find((m) => text.includes(m));
  if (leaked) report.problems.push({ op, role, problem: `leaked ${leaked}` });
  const { data } = body as { data?: unknown };
  if (data !== undefined && data !== null) report.withData += 1;
  else report.refused += 1;
}

/**
 * A graphql-ws client that opens its socket at once and keeps it (the test helper's client is
 * lazy: it closes the socket whenever no operation is in flight, which would hide a server-side
 * close among its own). Every `closed` event is recorded.
 */
export function persistentClient(url: string, cookie?: string): { client: Client; closes: unknown[] } {
  const closes: unknown[] = [];
  class CookieSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, cookie ? { headers: { cookie } } : {});
    }
  }
  const client = createClient({ url: `${url.replace(/^http/, 'ws')}/graphql`, webSocketImpl: CookieSocket, lazy: false, retryAttempts: 0, keepAlive: 10_000, on: { closed: (e) => closes.push(e) } });
  return { client, closes };
}

/** The response with each path's last alias replaced by the field it aliases. */
function unalias(op: GeneratedOp, body: Parameters<typeof knownCause>[1]): Parameters<typeof knownCause>[1] {
  const errors = body.errors?.map((e) => {
    if (!e.path) return e;
    const path = e.path.map((p) => (typeof p === 'string' ? (new RegExp(`\\b${p}\\s*:\\s*(\\w+)`).exec(op.query)?.[1] ?? p) : p));
    return { ...e, path };
  });
  return errors ? { errors } : {};
}

/** Runs `items` with at most `concurrency` in flight. */
export async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

export async function httpOp(report: RunReport, url: string, op: GeneratedOp, role: string, headers: Record<string, string>, forbidden: string[]) {
  report.ops += 1;
  let res: Response;
  const started = performance.now();
  try {
    res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
      body: JSON.stringify({ query: op.query, ...(op.variables ? { variables: op.variables } : {}) }),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    report.problems.push({ op, role, problem: `connection failed: ${cause?.code ?? String(err)}` });
    return;
  }
  report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
  const text = await res.text();
  const ms = performance.now() - started;
  if (ms > report.slowest.ms) report.slowest = { ms: Math.round(ms), query: op.query.slice(0, 200) };
  if (res.status >= 500 || (res.status !== 200 && res.status !== 400)) {
    report.problems.push({ op, role, problem: `HTTP ${res.status}: ${text.slice(0, 200)}` });
    return;
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    report.problems.push({ op, role, problem: `not JSON: ${text.slice(0, 200)}` });
    return;
  }
  classify(report, op, role, body, forbidden);
}

/**
 * One operation on a graphql-ws client: the answer is `next` messages then `complete`, or one
 * `error` message (a list of GraphQL errors). A subscription is ended after its first event or
 * 300 ms. Anything else (the socket closing, a non-list error) is a problem.
 */
export function wsOp(report: RunReport, client: Client, op: GeneratedOp, role: string, forbidden: string[]): Promise<void> {
  report.ops += 1;
  return new Promise<void>((resolve) => {
    let settled = false;
    let results = 0;
    let timer: NodeJS.Timeout | undefined;
    const started = performance.now();
    const done = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      dispose();
      resolve();
    };
    const dispose = client.subscribe(
      { query: op.query, ...(op.variables ? { variables: op.variables } : {}) },
      {
        next: (value) => {
          results += 1;
          classify(report, op, role, value, forbidden);
          if (op.kind === 'subscription') done();
        },
        error: (err) => {
          if (Array.isArray(err)) classify(report, op, role, { errors: err }, forbidden);
          else report.problems.push({ op, role, problem: `socket-level error: ${String((err as { code?: number }).code ?? err)}` });
          done();
        },
        complete: () => {
          if (settled) return; // our own dispose after an error
          if (results === 0 && op.kind !== 'subscription') report.problems.push({ op, role, problem: `completed without a result after ${Math.round(performance.now() - started)} ms` });
          if (results === 0 && op.kind === 'subscription') report.refused += 1;
          done();
        },
      },
    );
    if (op.kind === 'subscription') {
      timer = setTimeout(() => {
        if (results === 0) report.subscribed += 1;
        done();
      }, 300);
    }
  });
}

export function summary(r: RunReport): string {
  return `${r.ops} ops: ${r.withData} answered with data, ${r.refused} refused with errors, ${r.subscribed} live subscriptions; HTTP statuses ${JSON.stringify(r.byStatus)}; slowest ${r.slowest.ms} ms; ${r.problems.length} problems`;
}
