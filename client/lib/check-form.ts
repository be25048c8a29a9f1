// The check kind of each port in the register / edit forms, and its conversion to the API's
// PortCheckInput. One row per port of the form's port text, in that order (error paths
// `checks.<i>.<field>` point at the rows).
import type {
  BannerPreset,
  CheckKind,
  HttpMethod,
  MatchMode,
  PortCheckFieldsFragment,
  PortCheckInput,
  StartTls,
} from './api';

export const KINDS: CheckKind[] = [
  'TCP_CONNECT' as CheckKind,
  'BANNER' as CheckKind,
  'TLS' as CheckKind,
  'HTTP' as CheckKind,
];
export const PRESETS = ['SSH', 'SMTP', 'FTP', 'POP3', 'IMAP', 'MYSQL', 'REDIS'] as const;
/** The usual port of each preset: picking BANNER on such a port suggests it. */
export const PRESET_PORT: Record<number, (typeof PRESETS)[number]> = {
  22: 'SSH',
  25: 'SMTP',
  587: 'SMTP',
  21: 'FTP',
  110: 'POP3',
  143: 'IMAP',
  3306: 'MYSQL',
  6379: 'REDIS',
};

export interface CheckRow {
  port: number;
  kind: string;
  preset: string; // '' = custom
  send: string;
  match: string;
  expect: string;
  serverName: string;
  verifyChain: boolean;
  verifyName: boolean;
  starttls: string; // '' = none
  method: string;
  path: string;
  hostHeader: string;
  tls: boolean;
  statusMin: string;
  statusMax: string;
  keyword: string;
  followRedirects: string;
}

export function defaultRow(port: number): CheckRow {
  return {
    port,
    kind: 'TCP_CONNECT',
    preset: PRESET_PORT[port] ?? '',
    send: '',
    match: 'STARTS_WITH',
    expect: '',
    serverName: '',
    verifyChain: true,
    verifyName: true,
    starttls: '',
    method: 'GET',
    path: '/',
    hostHeader: '',
    tls: port === 443 || port === 8443,
    statusMin: '200',
    statusMax: '399',
    keyword: '',
    followRedirects: '0',
  };
}

export function rowFromCheck(c: PortCheckFieldsFragment): CheckRow {
  const r = defaultRow(c.port);
  r.kind = c.kind;
  if (c.kind === 'BANNER') {
    r.preset = c.preset ?? '';
    r.send = c.send ?? '';
    r.match = c.match ?? 'STARTS_WITH';
    r.expect = c.preset ? '' : (c.expect ?? '');
  }
  if (c.kind === 'TLS') {
    r.serverName = c.serverName ?? '';
    r.starttls = c.starttls ?? '';
  }
  if (c.kind === 'HTTP') {
    r.method = c.method ?? 'GET';
    r.path = c.path ?? '/';
    r.hostHeader = c.hostHeader ?? '';
    r.tls = c.tls ?? false;
    r.statusMin = String(c.statusMin ?? 200);
    r.statusMax = String(c.statusMax ?? 399);
    r.keyword = c.keyword ?? '';
    r.followRedirects = String(c.followRedirects ?? 0);
  }
  r.verifyChain = c.verifyChain ?? true;
  r.verifyName = c.verifyName ?? true;
  return r;
}

/** The ports typed in the form ("21,22/23 80"), valid ones only, in order. */
export function portsOf(text: string): number[] {
  const out: number[] = [];
  for (const t of text.split(/[\s,/]+/))
    if (/^\d{1,5}$/.test(t) && Number(t) >= 1 && Number(t) <= 65535 && !out.includes(Number(t))) out.push(Number(t));
  return out;
}

/** Keeps one row per port of `ports`, reusing rows of ports that stay. */
export function syncRows(rows: CheckRow[], ports: number[]): CheckRow[] {
  return ports.map((p) => rows.find((r) => r.port === p) ?? defaultRow(p));
}

const int = (s: string): number | null => (s.trim() === '' ? null : Number(s));

export function checksInput(rows: CheckRow[]): PortCheckInput[] {
  return rows.map((r): PortCheckInput => {
    const base = { port: r.port, kind: r.kind as CheckKind };
    if (r.kind === 'BANNER') {
      return r.preset
        ? { ...base, preset: r.preset as BannerPreset }
        : { ...base, send: r.send || null, match: r.match as MatchMode, expect: r.expect };
    }
    if (r.kind === 'TLS')
      return {
        ...base,
        serverName: r.serverName.trim() || null,
        verifyChain: r.verifyChain,
        verifyName: r.verifyName,
        starttls: (r.starttls || null) as StartTls | null,
      };
    if (r.kind === 'HTTP') {
      return {
        ...base,
        method: r.method as HttpMethod,
        path: r.path,
        hostHeader: r.hostHeader.trim() || null,
        tls: r.tls,
        verifyChain: r.verifyChain,
        verifyName: r.verifyName,
        statusMin: int(r.statusMin),
        statusMax: int(r.statusMax),
        keyword: r.keyword || null,
        followRedirects: int(r.followRedirects),
      };
    }
    return base;
  });
}
