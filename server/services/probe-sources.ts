// The addresses the prober actually connects from, found from this host's routes: for each
// destination, a UDP socket "connected" to it (no packet is sent) gets the local address the
// kernel's routing table picks. Used when no source address is configured, so the firewall
// note says something true out of the box. Destinations: the monitored hosts (a sample) and,
// for the general case, a public IPv4 and IPv6 address.
import dgram from 'node:dgram';
import net from 'node:net';

const PUBLIC_PROBES = ['192.0.2.1', '2001:db8::1'];

/** The local address the kernel would use to reach `host`, or null (no route). */
export function sourceFor(host: string, timeoutMs = 500): Promise<string | null> {
  const family = net.isIP(host);
  if (!family) return Promise.resolve(null);
  return new Promise((resolve) => {
    const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
    const done = (v: string | null) => {
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        /* already closed */
      }
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    socket.on('error', () => done(null));
    socket.connect(9, host, () => {
      try {
        const a = socket.address().address;
        done(a === '0.0.0.0' || a === '::' ? null : a);
      } catch {
        done(null);
      }
    });
  });
}

/** Distinct source addresses for these destinations (monitored hosts first, then the public ones). */
export async function discoverSources(hosts: readonly string[]): Promise<string[]> {
  const targets = [...new Set([...hosts, ...PUBLIC_PROBES])];
  const found = await Promise.all(targets.map((h) => sourceFor(h)));
  return [...new Set(found.filter((a): a is string => a !== null))];
}
