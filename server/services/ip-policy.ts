// Which addresses portwatch may connect to. Pure: no I/O, no Prisma.
// Without this rule the product is a port scanner for hire: loopback, link-local, multicast,
// private and reserved ranges are refused unless an admin allowed that server (allowPrivate).
import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 4 | 6;

export interface ParsedIp {
  /** Canonical text: IPv4 dotted quad; IPv6 lower-case, RFC 5952 compressed; IPv4-mapped IPv6 → IPv4. */
  ip: string;
  family: IpFamily;
}

/** Why an address may not be probed without an admin's permission. */
export type IpRangeKind =
  | 'UNSPECIFIED'
  | 'LOOPBACK'
  | 'LINK_LOCAL'
  | 'MULTICAST'
  | 'PRIVATE'
  | 'SHARED'
  | 'RESERVED'
  | 'DOCUMENTATION'
  | 'BROADCAST';

const RANGE_TEXT: Record<IpRangeKind, string> = {
  UNSPECIFIED: 'an unspecified address',
  LOOPBACK: 'a loopback address',
  LINK_LOCAL: 'a link-local address',
  MULTICAST: 'a multicast address',
  PRIVATE: 'a private address',
  SHARED: 'a carrier-grade NAT (shared) address',
  RESERVED: 'a reserved address',
  DOCUMENTATION: 'a documentation address',
  BROADCAST: 'the broadcast address',
};

// Most specific first: the first match names the reason.
const RANGES: [IpRangeKind, string, number, 'ipv4' | 'ipv6'][] = [
  ['BROADCAST', '255.255.255.255', 32, 'ipv4'],
  ['UNSPECIFIED', '0.0.0.0', 8, 'ipv4'],
  ['LOOPBACK', '127.0.0.0', 8, 'ipv4'],
  ['LINK_LOCAL', '169.254.0.0', 16, 'ipv4'],
  ['MULTICAST', '224.0.0.0', 4, 'ipv4'],
  ['PRIVATE', '10.0.0.0', 8, 'ipv4'],
  ['PRIVATE', '172.16.0.0', 12, 'ipv4'],
  ['PRIVATE', '192.168.0.0', 16, 'ipv4'],
  ['SHARED', '100.64.0.0', 10, 'ipv4'],
  ['DOCUMENTATION', '192.0.2.0', 24, 'ipv4'],
  ['DOCUMENTATION', '198.51.100.0', 24, 'ipv4'],
  ['DOCUMENTATION', '203.0.113.0', 24, 'ipv4'],
  ['RESERVED', '192.0.0.0', 24, 'ipv4'],
  ['RESERVED', '198.18.0.0', 15, 'ipv4'],
  ['RESERVED', '240.0.0.0', 4, 'ipv4'],
  ['UNSPECIFIED', '::', 128, 'ipv6'],
  ['LOOPBACK', '::1', 128, 'ipv6'],
  ['LINK_LOCAL', 'fe80::', 10, 'ipv6'],
  ['MULTICAST', 'ff00::', 8, 'ipv6'],
  ['PRIVATE', 'fc00::', 7, 'ipv6'],
  ['DOCUMENTATION', '2001:db8::', 32, 'ipv6'],
  ['RESERVED', '100::', 64, 'ipv6'],
  ['RESERVED', 'fec0::', 10, 'ipv6'],
];

const LISTS = RANGES.map(([kind, net, prefix, type]) => {
  const list = new BlockList();
  list.addSubnet(net, prefix, type);
  return { kind, type, list };
});

function parseHextets(text: string): number[] | null {
  // Expand an IPv6 address (optionally with a dotted IPv4 tail) into 8 numbers.
  let head = text;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const maybeV4 = text.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    if (!isIPv4(maybeV4)) return null;
    const [a, b, c, d] = maybeV4.split('.').map(Number) as [number, number, number, number];
    tail.push((a << 8) | b, (c << 8) | d);
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const parts = head.split('::');
  if (parts.length > 2) return null;
  const toNums = (s: string) =>
    s === '' ? [] : s.split(':').map((h) => (/^[0-9a-f]{1,4}$/i.test(h) ? parseInt(h, 16) : NaN));
  const left = toNums(parts[0] ?? '');
  const right = parts.length === 2 ? toNums(parts[1] ?? '') : [];
  const known = left.length + right.length + tail.length;
  if ([...left, ...right].some(Number.isNaN)) return null;
  if (parts.length === 1) return known === 8 ? [...left, ...tail] : null;
  if (known > 7) return null;
  return [...left, ...new Array<number>(8 - known).fill(0), ...right, ...tail];
}

/** RFC 5952 text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as "::". */
function formatHextets(h: number[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (h[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = h.map((n) => n.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** Parses and canonicalises an IP address; null when it is not one (host names, zones, CIDR…). */
export function parseIp(input: string): ParsedIp | null {
  const text = input.trim().replace(/^\[(.*)\]$/, '$1');
  if (!text || text.length > 45) return null;
  if (isIPv4(text)) return { ip: text, family: 4 };
  if (text.includes('%') || !isIPv6(text)) return null;
  const h = parseHextets(text);
  if (!h) return null;
  // IPv4-mapped (::ffff:a.b.c.d) is the IPv4 address itself.
  if (h.slice(0, 5).every((n) => n === 0) && h[5] === 0xffff) {
    const [hi = 0, lo = 0] = h.slice(6);
    return { ip: `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`, family: 4 };
  }
  return { ip: formatHextets(h), family: 6 };
}

const v4 = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 addresses an IPv6 address carries and leads to: IPv4-compatible (::a.b.c.d), NAT64
 * (64:ff9b::/96 and the local-use 64:ff9b:1::/48), 6to4 (2002::/16, the relay's address in bits
 * 16–47) and Teredo (2001::/32: the server in bits 32–63, the client obfuscated in the last 32).
 */
export function embeddedIpv4(ip: ParsedIp): string[] {
  if (ip.family !== 6) return [];
  const h = parseHextets(ip.ip);
  if (!h) return [];
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, k = 0] = h;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0 && (g !== 0 || k > 1)) return [v4(g, k)];
  if (a === 0x64 && b === 0xff9b && c === 0 && d === 0 && e === 0 && f === 0) return [v4(g, k)];
  if (a === 0x64 && b === 0xff9b && c === 1) return [v4(g, k)];
  if (a === 0x2002) return [v4(b, c)];
  if (a === 0x2001 && b === 0) return [v4(c, d), v4(g ^ 0xffff, k ^ 0xffff)];
  return [];
}

/** The restricted range a canonical address falls in, or null for an ordinary public address. An IPv6 address that embeds an IPv4 one is judged by that address too. */
export function restrictedRange(ip: ParsedIp): IpRangeKind | null {
  const type = ip.family === 4 ? 'ipv4' : 'ipv6';
  for (const r of LISTS) if (r.type === type && r.list.check(ip.ip, type)) return r.kind;
  for (const inner of embeddedIpv4(ip)) {
    const kind = restrictedRange({ ip: inner, family: 4 });
    if (kind) return kind;
  }
  return null;
}

export type IpCheck =
  | { ok: true; ip: string; family: IpFamily; range: IpRangeKind | null }
  | { ok: false; message: string; code: 'INVALID_IP' | 'IP_NOT_PUBLIC'; params?: { ip: string; range: IpRangeKind } };

/** Whether an address is in a restricted range (private, loopback…), and which; null when public or not an address. */
export function ipRangeOf(ip: string): IpRangeKind | null {
  const parsed = parseIp(ip);
  return parsed ? restrictedRange(parsed) : null;
}

/**
 * Checks an address typed by a person: must be an IP address, and outside the restricted
 * ranges unless `allowPrivate` (an admin's explicit permission for that server).
 */
export function checkIp(input: string, opts: { allowPrivate?: boolean } = {}): IpCheck {
  const parsed = parseIp(input);
  if (!parsed)
    return {
      ok: false,
      code: 'INVALID_IP',
      message: 'Enter an IPv4 or IPv6 address (e.g. 203.0.113.10), not a host name or range',
    };
  const range = restrictedRange(parsed);
  if (range && !opts.allowPrivate) {
    return {
      ok: false,
      code: 'IP_NOT_PUBLIC',
      params: { ip: parsed.ip, range },
      message: `${parsed.ip} is ${RANGE_TEXT[range]}; only an administrator can allow monitoring it`,
    };
  }
  return { ok: true, ip: parsed.ip, family: parsed.family, range };
}

/** The check code of a probe the address policy refused: no packet was sent. */
export const ADDRESS_REFUSED_CODE = 'EPOLICY';

/**
 * The prober's connect-time check: why `host` may not be probed under the policy in force
 * (`allowPrivate`: an admin's permission for its server), or null when it may. Registration
 * checked the address too; this catches what changed since (the admin withdrew the permission,
 * or the rules now classify the address differently).
 */
export function probeRefusal(host: string, allowPrivate: boolean): string | null {
  const parsed = parseIp(host);
  if (!parsed) return `not checked: ${host} is not an IP address`;
  const range = restrictedRange(parsed);
  if (!range || allowPrivate) return null;
  return `not checked: ${parsed.ip} is ${RANGE_TEXT[range]}, which the address policy does not allow for this server (an administrator can allow it)`;
}

/** A refused address as a field problem's message, code and params (see services/errors.ts). */
export function problemOf(check: Extract<IpCheck, { ok: false }>): {
  message: string;
  code: string;
  params?: Record<string, string>;
} {
  return { message: check.message, code: check.code, ...(check.params ? { params: check.params } : {}) };
}
