// Runs generated operations against a live server over HTTP and WebSocket and classifies every
// answer: well-formed or not, 5xx, internal (masked) errors, a closed socket, and whether the
// answer leaked text it must not (another tenant's markers).
import type { Client } from 'graphql-ws';
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
  problems: { op: GeneratedOp; role: string; problem: string }[];
}

export const emptyReport = (): RunReport => ({ ops: 0, withData: 0, refused: 0, subscribed: 0, byStatus: {}, problems: [] });

const MASKED = 'Unexpected error.';

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
  if (text.includes(MASKED)) report.problems.push({ op, role, problem: `internal error: ${text.slice(0, 300)}` });
  const leaked = forbidden.find((m) => text.includes(m));
  if (leaked) report.problems.push({ op, role, problem: `leaked ${leaked}` });
  const { data } = body as { data?: unknown };
  if (data !== undefined && data !== null) report.withData += 1;
  else report.refused += 1;
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
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json', ...headers },
    body: JSON.stringify({ query: op.query, ...(op.variables ? { variables: op.variables } : {}) }),
  });
  report.byStatus[res.status] = (report.byStatus[res.status] ?? 0) + 1;
  const text = await res.text();
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
          if (results === 0 && op.kind !== 'subscription') report.problems.push({ op, role, problem: 'completed without a result' });
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
  return `${r.ops} ops: ${r.withData} answered with data, ${r.refused} refused with errors, ${r.subscribed} live subscriptions; HTTP statuses ${JSON.stringify(r.byStatus)}; ${r.problems.length} problems`;
}
