// Validating a monitor's per-port check kinds (pure). Input: a list of { port, kind, … } as the
// API takes it; output: the map stored in Monitor.checks ({ "443": CheckSpec }), TCP_CONNECT
// ports left out. Every problem is collected with its path (input.checks.<i>.<field>).
import {
  BANNER_LIMITS,
  BANNER_PRESETS,
  DEFAULT_BANNER_MAX_BYTES,
  DEFAULT_HTTP_MAX_BODY_BYTES,
  HTTP_LIMITS,
  PRESETS,
  regexProblem,
  type BannerPreset,
  type CheckKind,
  type CheckSpec,
  type MatchMode,
  type StartTls,
} from '../probe/index.ts';
import type { FieldProblem, ProblemParams } from './errors.ts';

/** The code of a bound message built here ("From 1 to 65535", "At most 100 characters"). */
function boundCode(message: string): { code?: string; params?: ProblemParams } {
  const range = /^From (\d+) to (\d+)$/.exec(message);
  if (range) return { code: 'OUT_OF_RANGE', params: { min: Number(range[1]), max: Number(range[2]) } };
  const long = /^At most (\d+) characters$/.exec(message);
  if (long) return { code: 'TOO_LONG', params: { max: Number(long[1]) } };
  return {};
}

export interface PortCheckInput {
  port: number;
  kind: CheckKind;
  preset?: BannerPreset | null;
  send?: string | null;
  match?: MatchMode | null;
  expect?: string | null;
  maxBytes?: number | null;
  serverName?: string | null;
  verifyChain?: boolean | null;
  verifyName?: boolean | null;
  starttls?: StartTls | null;
  method?: 'GET' | 'HEAD' | null;
  path?: string | null;
  hostHeader?: string | null;
  tls?: boolean | null;
  statusMin?: number | null;
  statusMax?: number | null;
  keyword?: string | null;
  maxBodyBytes?: number | null;
  followRedirects?: number | null;
}

export type StoredChecks = Record<string, CheckSpec>;

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;

/** "PING\r\n" as typed in a form → the bytes to send. */
export function decodeEscapes(text: string): string {
  return text.replace(/\\(r|n|t|\\)/g, (_m, c: string) => ({ r: '\r', n: '\n', t: '\t', '\\': '\\' })[c] ?? c);
}

export function encodeEscapes(text: string): string {
  return text.replace(/[\\\r\n\t]/g, (c) => ({ '\\': '\\\\', '\r': '\\r', '\n': '\\n', '\t': '\\t' })[c] ?? c);
}

const intIn = (v: number | null | undefined, dflt: number, [min, max]: readonly [number, number]): number | string => {
  const n = v ?? dflt;
  return Number.isInteger(n) && n >= min && n <= max ? n : `From ${min} to ${max}`;
};

/** Checks the list against the monitor's ports; returns the map to store. */
export function validateChecks(
  list: readonly PortCheckInput[],
  ports: readonly number[],
): { value: StoredChecks; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const value: StoredChecks = {};
  const checkOne = (c: PortCheckInput, i: number): void => {
    const at = (field: string, message: string, code?: string, params?: ProblemParams): void =>
      void problems.push({
        path: ['input', 'checks', String(i), field],
        message,
        ...(code ? { code, ...(params ? { params } : {}) } : boundCode(message)),
      });
    if (!ports.includes(c.port))
      return at('port', `Port ${c.port} is not one of this monitor's ports`, 'PORT_NOT_MONITORED', { port: c.port });
    if (value[String(c.port)] || list.findIndex((o) => o.port === c.port) !== i)
      return at('port', `Port ${c.port} is given twice`, 'PORT_TWICE', { port: c.port });
    const name = (field: 'serverName' | 'hostHeader'): string | null => {
      const raw = c[field]?.trim() ?? '';
      if (!raw) return null;
      if (!HOSTNAME.test(raw))
        at(field, 'Enter a host name such as www.example.com (it is sent, never looked up)', 'HOSTNAME');
      return raw.toLowerCase();
    };
    switch (c.kind) {
      case 'TCP_CONNECT':
        return;
      case 'BANNER': {
        const maxBytes = intIn(c.maxBytes, DEFAULT_BANNER_MAX_BYTES, BANNER_LIMITS.maxBytes);
        if (typeof maxBytes === 'string') at('maxBytes', maxBytes);
        if (c.preset) {
          if (!BANNER_PRESETS.includes(c.preset)) return at('preset', 'Unknown preset');
          const p = PRESETS[c.preset];
          value[String(c.port)] = {
            kind: 'BANNER',
            preset: c.preset,
            send: p.send,
            match: p.match,
            expect: p.expect,
            maxBytes: typeof maxBytes === 'number' ? maxBytes : DEFAULT_BANNER_MAX_BYTES,
          };
          return;
        }
        const send = c.send ? decodeEscapes(c.send) : null;
        if (send && send.length > BANNER_LIMITS.sendLength)
          at('send', `At most ${BANNER_LIMITS.sendLength} characters`);
        const expect = c.expect ?? '';
        const match = c.match ?? 'STARTS_WITH';
        if (!expect)
          at('expect', 'Enter what the answer must start with, contain or match, or pick a preset', 'BANNER_EXPECT');
        else if (expect.length > BANNER_LIMITS.expectLength)
          at('expect', `At most ${BANNER_LIMITS.expectLength} characters`);
        else if (match === 'REGEX') {
          const bad = regexProblem(expect);
          if (bad) at('expect', bad, 'REGEX_INVALID', { detail: bad });
        }
        if (typeof maxBytes === 'number')
          value[String(c.port)] = { kind: 'BANNER', preset: null, send, match, expect, maxBytes };
        return;
      }
      case 'TLS': {
        const serverName = name('serverName');
        value[String(c.port)] = {
          kind: 'TLS',
          serverName,
          verifyChain: c.verifyChain ?? true,
          verifyName: c.verifyName ?? serverName !== null,
          starttls: c.starttls ?? null,
        };
        return;
      }
      case 'HTTP': {
        const hostHeader = name('hostHeader');
        const path = c.path?.trim() || '/';
        if (!path.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(path))
          at('path', 'Start with / and use no spaces (encode them as %20)', 'HTTP_PATH');
        else if (path.length > HTTP_LIMITS.path) at('path', `At most ${HTTP_LIMITS.path} characters`);
        const statusMin = intIn(c.statusMin, 200, [100, 599]);
        const statusMax = intIn(c.statusMax, 399, [100, 599]);
        if (typeof statusMin === 'string') at('statusMin', statusMin);
        if (typeof statusMax === 'string') at('statusMax', statusMax);
        if (typeof statusMin === 'number' && typeof statusMax === 'number' && statusMin > statusMax)
          at('statusMax', 'Must not be below the lowest status', 'NOT_BELOW', { min: statusMin });
        const method = c.method ?? 'GET';
        const keyword = c.keyword?.length ? c.keyword : null;
        if (keyword && method === 'HEAD')
          at('keyword', 'A HEAD request has no body: use GET to look for a keyword', 'HEAD_NO_BODY');
        if (keyword && keyword.length > HTTP_LIMITS.keyword) at('keyword', `At most ${HTTP_LIMITS.keyword} characters`);
        const maxBodyBytes = intIn(c.maxBodyBytes, DEFAULT_HTTP_MAX_BODY_BYTES, HTTP_LIMITS.maxBodyBytes);
        if (typeof maxBodyBytes === 'string') at('maxBodyBytes', maxBodyBytes);
        const followRedirects = intIn(c.followRedirects, 0, [0, HTTP_LIMITS.followRedirects]);
        if (typeof followRedirects === 'string') at('followRedirects', followRedirects);
        const tls = c.tls ?? false;
        if (
          typeof statusMin === 'number' &&
          typeof statusMax === 'number' &&
          typeof maxBodyBytes === 'number' &&
          typeof followRedirects === 'number'
        ) {
          value[String(c.port)] = {
            kind: 'HTTP',
            method,
            path,
            hostHeader,
            tls,
            verifyChain: c.verifyChain ?? true,
            verifyName: c.verifyName ?? (tls && hostHeader !== null),
            statusMin,
            statusMax,
            keyword,
            maxBodyBytes,
            followRedirects,
          };
        }
        return;
      }
      default:
        at('kind', 'Unknown check kind');
    }
  };
  for (const [i, c] of list.entries()) checkOne(c, i);
  return { value, problems };
}

/** Monitor.checks as stored → port → spec (unknown shapes are ignored: the port is a TCP connect). */
export function readChecks(json: unknown): Map<number, CheckSpec> {
  const out = new Map<number, CheckSpec>();
  if (!json || typeof json !== 'object' || Array.isArray(json)) return out;
  for (const [port, spec] of Object.entries(json as Record<string, unknown>)) {
    const kind = (spec as { kind?: unknown } | null)?.kind;
    if ((kind === 'BANNER' || kind === 'TLS' || kind === 'HTTP') && /^\d+$/.test(port))
      out.set(Number(port), spec as CheckSpec);
  }
  return out;
}

/** The stored map as a JSON value (specs are plain JSON data). */
export const checksJson = (c: StoredChecks): Record<string, Record<string, string | number | boolean | null>> =>
  c as unknown as Record<string, Record<string, string | number | boolean | null>>;

/** Keeps only the ports still monitored (a removed port's check goes with it). */
export function pruneChecks(checks: StoredChecks, ports: readonly number[]): StoredChecks {
  return Object.fromEntries(Object.entries(checks).filter(([p]) => ports.includes(Number(p))));
}
