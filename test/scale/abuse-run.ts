// Runs generated operations against a live server over HTTP and WebSocket and classifies every
// answer: well-formed or not, 5xx, internal (masked) errors, a closed socket, and whether the
// answer leaked text it must not (another tenant's markers).
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

export const emptyReport = (): RunReport => ({
  ops: 0,
  withData: 0,
  refused: 0,
  subscribed: 0,
  byStatus: {},
  slowest: { ms: 0, query: '' },
  problems: [],
  known: {},
});

const MASKED = 'Unexpected error.';

/**
 * Internal errors this suite found in resolvers outside its room, reported to their owners:
 * the field whose resolver fails → why. An internal error anywhere else fails the run.
 */
export const KNOWN_INTERNAL: Record<string, string> = {
  // (yearlyStatistics' bad year or time zone is now a coded BAD_USER_INPUT: issue 12.9)
};

/** The known bug behind every internal error of `body`, or null when one is unknown. */
function knownCause(
  op: GeneratedOp,
  body: { errors?: { message: string; path?: (string | number)[] }[] },
): string | null {
  const causes = new Set<string>();
  for (const e of body.errors ?? []) {
    if (e.message !== MASKED) continue;
    // subscriptions fail before they have a path: the root field names the resolver
    const field = e.path
      ? String(e.path.filter((p) => typeof p === 'string').at(-1))
      : /^\s*subscription[^{]*\{\s*(?:\w+\s*:\s*)?(\w+)/.exec(op.query)?.[1];
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
  if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data)))
    return 'data is not an object';
  if (errors !== undefined) {
    if (!Array.isArray(errors) || errors.length === 0) return 'errors is not a non-empty list';
    for (const e of errors)
      if (typeof e !== 'object' || e === null || typeof (e as { message?: unknown }).message !== 'string')
        return 'an error without a message';
  }
  return null;
}

function classify(report: RunReport, op: GeneratedOp, role: string, body: unknown, forbidden: string[]) {
  const bad = malformed(body);
  if (bad)
    return report.problems.push({ op, role, problem: `malformed: ${bad}: ${JSON.stringify(body).slice(0, 200)}` });
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
 * A bare graphql-transport-ws connection (no client library: what the server sends is exactly
 * what is observed). `run` sends one `subscribe` and collects that id's messages until
 * `complete` or `error`; a subscription is ended by us after its first `next` or 300 ms.
 */
export interface RawSocket {
  run(op: GeneratedOp): Promise<{ type: string; payload?: unknown }[]>;
  closes: { code: number; reason: string }[];
  close(): void;
}

export async function rawSocket(url: string, cookie?: string): Promise<RawSocket> {
  type Message = { type: string; payload?: unknown };
  const ws = new WebSocket(
    `${url.replace(/^http/, 'ws')}/graphql`,
    'graphql-transport-ws',
    cookie ? { headers: { cookie } } : {},
  );
  const closes: { code: number; reason: string }[] = [];
  const waiting = new Map<string, (m: Message) => void>();
  let acked!: () => void;
  const ack = new Promise<void>((r) => (acked = r));
  ws.on('close', (code, reason) => closes.push({ code, reason: reason.toString() }));
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Message & { id?: string };
    if (m.type === 'connection_ack') acked();
    else if (m.type === 'ping') ws.send(JSON.stringify({ type: 'pong' }));
    else if (m.id) waiting.get(m.id)?.({ type: m.type, payload: m.payload });
  });
  await new Promise((r) => ws.once('open', r));
  ws.send(JSON.stringify({ type: 'connection_init' }));
  await ack;
  let next = 0;
  return {
    closes,
    close: () => ws.close(),
    run(op) {
      const id = String(++next);
      return new Promise((resolve) => {
        const messages: Message[] = [];
        let timer: NodeJS.Timeout | undefined;
        const finish = () => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve(messages);
        };
        const stop = () => {
          if (!waiting.has(id)) return;
          ws.send(JSON.stringify({ id, type: 'complete' }));
          finish();
        };
        waiting.set(id, (m) => {
          messages.push(m);
          if (m.type === 'complete' || m.type === 'error') finish();
          else if (op.kind === 'subscription') stop();
        });
        ws.send(
          JSON.stringify({
            id,
            type: 'subscribe',
            payload: { query: op.query, ...(op.variables ? { variables: op.variables } : {}) },
          }),
        );
        if (op.kind === 'subscription') timer = setTimeout(stop, 300);
      });
    },
  };
}

/** The response with each path's last alias replaced by the field it aliases. */
function unalias(op: GeneratedOp, body: Parameters<typeof knownCause>[1]): Parameters<typeof knownCause>[1] {
  const errors = body.errors?.map((e) => {
    if (!e.path) return e;
    const path = e.path.map((p) =>
      typeof p === 'string' ? (new RegExp(`\\b${p}\\s*:\\s*(\\w+)`).exec(op.query)?.[1] ?? p) : p,
    );
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

export async function httpOp(
  report: RunReport,
  url: string,
  op: GeneratedOp,
  role: string,
  headers: Record<string, string>,
  forbidden: string[],
) {
  report.ops += 1;
  let res: Response;
  const started = performance.now();
  try {
    res = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json, application/json',
        ...headers,
      },
      body: JSON.stringify({ query: op.query, ...(op.variables ? { variables: op.variables } : {}) }),
      // an operation that never answers is a finding (named with its query), not a stalled run
      signal: AbortSignal.timeout(30_000),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const timedOut = (err as { name?: string }).name === 'TimeoutError';
    report.problems.push({
      op,
      role,
      problem: timedOut ? 'no answer within 30 s' : `connection failed: ${cause?.code ?? String(err)}`,
    });
    return;
  }
  report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
  let text: string;
  try {
    text = await res.text();
  } catch {
    report.problems.push({ op, role, problem: `HTTP ${res.status}: the body never ended within 30 s` });
    return;
  }
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
 * One operation on a raw socket: the answer must be `next` messages then `complete`, or one
 * `error` message with a list of GraphQL errors (a refused operation), never a closed socket.
 */
export async function wsOp(
  report: RunReport,
  socket: RawSocket,
  op: GeneratedOp,
  role: string,
  forbidden: string[],
): Promise<void> {
  report.ops += 1;
  const closedBefore = socket.closes.length;
  const started = performance.now();
  const messages = await Promise.race([socket.run(op), new Promise<null>((r) => setTimeout(() => r(null), 30_000))]);
  if (socket.closes.length > closedBefore) {
    report.problems.push({ op, role, problem: `socket closed: ${JSON.stringify(socket.closes.at(-1))}` });
    return;
  }
  if (!messages) return void report.problems.push({ op, role, problem: 'no answer within 30 s' });
  const ms = performance.now() - started;
  if (ms > report.slowest.ms) report.slowest = { ms: Math.round(ms), query: op.query.slice(0, 200) };
  const nexts = messages.filter((m) => m.type === 'next');
  const error = messages.find((m) => m.type === 'error');
  if (error) {
    if (nexts.length) report.problems.push({ op, role, problem: 'error after next' });
    if (!Array.isArray(error.payload))
      return void report.problems.push({
        op,
        role,
        problem: `error payload is not a list: ${JSON.stringify(error.payload)}`,
      });
    return void classify(report, op, role, { errors: error.payload }, forbidden);
  }
  for (const n of nexts) classify(report, op, role, n.payload, forbidden);
  if (op.kind === 'subscription') {
    if (!nexts.length && !messages.some((m) => m.type === 'complete')) report.subscribed += 1;
    return;
  }
  if (!nexts.length)
    report.problems.push({ op, role, problem: `completed without a result: ${JSON.stringify(messages)}` });
}

export function summary(r: RunReport): string {
  return `${r.ops} ops: ${r.withData} answered with data, ${r.refused} refused with errors, ${r.subscribed} live subscriptions; HTTP statuses ${JSON.stringify(r.byStatus)}; slowest ${r.slowest.ms} ms; ${r.problems.length} problems`;
}
