// The real client address behind reverse proxies (TRUST_PROXY). Pure: node:net only.
// Off (the default): the socket's address, whatever X-Forwarded-For says (anyone can send it).
// A hop count N: the N proxies nearest to us are trusted; the client is the address N entries
// from the right of "X-Forwarded-For, socket address". A CIDR list: walking from the socket
// address leftwards, every address inside the list is a trusted proxy; the first one outside is
// the client.
import { BlockList, isIP } from 'node:net';

/** TRUST_PROXY as parsed by config.ts (plain data). */
export type TrustProxy =
  | { kind: 'off' }
  | { kind: 'hops'; hops: number }
  | { kind: 'cidrs'; cidrs: { address: string; prefix: number; family: 4 | 6 }[] };

const lists = new WeakMap<object, BlockList>();
function blockList(t: Extract<TrustProxy, { kind: 'cidrs' }>): BlockList {
  let list = lists.get(t);
  if (!list) {
    list = new BlockList();
    for (const c of t.cidrs) list.addSubnet(c.address, c.prefix, c.family === 6 ? 'ipv6' : 'ipv4');
    lists.set(t, list);
  }
  return list;
}

function normalise(ip: string): string {
  const s = ip.trim().replace(/^\[(.*)\](:\d+)?$/, '$1');
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(s);
  if (m?.[1]) return m[1];
  // "1.2.3.4:5678" (some proxies append the port)
  const v4port = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(s);
  return v4port?.[1] ?? s;
}

function trusted(list: BlockList, ip: string): boolean {
  const family = isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}

/** The client's address: `socketAddress` and the X-Forwarded-For header(s) under `trust`. */
export function clientAddress(
  trust: TrustProxy,
  socketAddress: string | null | undefined,
  forwardedFor: string | string[] | null | undefined,
): string | null {
  const socket = socketAddress ? normalise(socketAddress) : null;
  if (trust.kind === 'off' || !socket) return socket;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const chain = [
    ...header
      .split(',')
      .map(normalise)
      .filter((s) => isIP(s) !== 0),
    socket,
  ];
  if (trust.kind === 'hops') {
    // chain[last] is the nearest proxy; N trusted hops → the client is chain[last - N]
    return chain[Math.max(0, chain.length - 1 - trust.hops)] ?? socket;
  }
  const list = blockList(trust);
  for (let i = chain.length - 1; i >= 0; i--) if (!trusted(list, chain[i]!)) return chain[i]!;
  return chain[0] ?? socket;
}
