import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { tcpCheckOn } from '../../server/probe/tcp-check.ts';
import { connectsUnderWay, tcpHandles } from '../../server/probe/tcp-handle.ts';
import type { ProbeResult, ProbeTarget, TcpCheckOptions } from '../../server/probe/types.ts';
import { ipv6Loopback, openTarget, refusingPort, timeoutTarget, timeWaitCount } from './helpers.ts';
import { until as pollUntil } from '../helpers/poll.ts';

const hasIpv6 = await ipv6Loopback();
const NO_IPV6 = '::1 cannot be bound on this machine (no IPv6 loopback), IPv6 probing not testable here';

function failure(r: ProbeResult): Extract<ProbeResult, { ok: false }> {
  if (r.ok) throw new Error(`expected a failure, got ${JSON.stringify(r)}`);
  return r;
}

const handles = tcpHandles();
// tcpCheck connects on Node's TCP handle; without it (a Node whose binding differs) on a net.Socket:
// every case below runs on both paths
const PATHS = [
  { path: 'net.Socket', run: (t: ProbeTarget, o: TcpCheckOptions) => tcpCheckOn(null, t, o) },
  { path: 'TCP handle', run: (t: ProbeTarget, o: TcpCheckOptions) => tcpCheckOn(handles, t, o) },
];

it('this Node has the TCP handle binding that tcpCheck uses', () => {
  expect(handles).not.toBeNull();
});

const until = (cond: () => boolean, ms = 2000): Promise<boolean> => pollUntil('the condition', cond, ms, 5);

describe.each(PATHS)('on a $path', ({ run: tcpCheck }) => {
  describe.each([
    { family: 'IPv4', host: '127.0.0.1' },
    { family: 'IPv6', host: '::1' },
  ])('tcpCheck over $family', ({ family, host }) => {
    const skipIfNoV6 = (ctx: { skip: (cond: boolean, note?: string) => void }): void =>
      ctx.skip(family === 'IPv6' && !hasIpv6, NO_IPV6);

    it('reports an open port as ok with its latency and start time', async (ctx) => {
      skipIfNoV6(ctx);
      const target = await openTarget({ host });
      const before = Date.now();
      const r = await tcpCheck(target, { timeoutMs: 2000 });
      expect(r).toMatchObject({ ok: true });
      expect(r.at).toBeGreaterThanOrEqual(before);
      expect(r.at).toBeLessThanOrEqual(Date.now());
      expect(r.latencyMs).toBeGreaterThan(0);
      expect(r.latencyMs).toBeLessThan(2000);
      await until(() => target.accepted() === 1);
    });

    it('reports a closed port as ECONNREFUSED with the OS-style message', async (ctx) => {
      skipIfNoV6(ctx);
      const { port } = await refusingPort(host);
      const r = failure(await tcpCheck({ host, port }, { timeoutMs: 2000 }));
      expect(r.code).toBe('ECONNREFUSED');
      expect(r.message).toBe(`connect ECONNREFUSED ${host}:${port}`);
      expect(r.latencyMs).toBeLessThan(2000);
    });

    it('reports a port that drops SYNs as ETIMEDOUT after timeoutMs', async (ctx) => {
      skipIfNoV6(ctx);
      const target = await timeoutTarget(host);
      const timeoutMs = 300;
      const r = failure(await tcpCheck(target, { timeoutMs }));
      expect(r.code).toBe('ETIMEDOUT');
      expect(r.message).toBe(`connect ETIMEDOUT ${host}:${target.port} (no answer within ${timeoutMs} ms)`);
      expect(r.latencyMs).toBeGreaterThanOrEqual(timeoutMs - 5);
      expect(r.latencyMs).toBeLessThan(timeoutMs + 500);
    });
  });

  describe('tcpCheck closes with a reset', () => {
    it('the server side sees ECONNRESET, not an orderly end', async () => {
      const seen: { error?: string; ended: boolean; closed: boolean }[] = [];
      const target = await openTarget({
        onConnection: (s) => {
          const rec: { error?: string; ended: boolean; closed: boolean } = { ended: false, closed: false };
          seen.push(rec);
          s.on('error', (e: NodeJS.ErrnoException) => (rec.error = e.code));
          s.on('end', () => (rec.ended = true));
          s.on('close', () => (rec.closed = true));
        },
      });
      for (let i = 0; i < 5; i++) expect((await tcpCheck(target, { timeoutMs: 2000 })).ok).toBe(true);
      await until(() => seen.length === 5 && seen.every((r) => r.closed));
      expect(seen.map((r) => r.error)).toEqual(Array(5).fill('ECONNRESET'));
      expect(seen.some((r) => r.ended)).toBe(false);
    });

    it('leaves no TIME_WAIT sockets, where a FIN close does', async () => {
      const rst = await openTarget();
      // a port number may still carry another test's old TIME_WAIT entry (the listener could bind
      // it through SO_REUSEADDR): what counts is that the checks add none
      const before = await timeWaitCount(rst.port);
      for (let i = 0; i < 20; i++) expect((await tcpCheck(rst, { timeoutMs: 2000 })).ok).toBe(true);
      await until(() => rst.accepted() === 20);
      expect(await timeWaitCount(rst.port)).toBeLessThanOrEqual(before);

      // Control: the detector does see TIME_WAIT left by a FIN close.
      const fin = await openTarget();
      for (let i = 0; i < 3; i++) {
        await new Promise<void>((resolve, reject) => {
          const s = net.connect(fin.port, '127.0.0.1', () => s.end());
          s.on('close', () => resolve());
          s.on('error', reject);
        });
      }
      await until(() => fin.accepted() === 3);
      expect(await timeWaitCount(fin.port)).toBeGreaterThanOrEqual(3);
    });
  });

  describe('tcpCheck edge cases (never throws)', () => {
    it('an abort signal ends a hanging connect with ABORT_ERR', async () => {
      const target = await timeoutTarget();
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const r = failure(await tcpCheck(target, { timeoutMs: 5000, signal: ac.signal }));
      expect(r.code).toBe('ABORT_ERR');
      expect(r.latencyMs).toBeLessThan(1000);
      const pre = failure(await tcpCheck(target, { timeoutMs: 5000, signal: AbortSignal.abort() }));
      expect(pre.code).toBe('ABORT_ERR');
    });

    it('refuses host names (no DNS) and bad ports with EINVAL', async () => {
      for (const t of [
        { host: 'localhost', port: 80 },
        { host: '127.0.0.1', port: 0 },
        { host: '127.0.0.1', port: 70000 },
        { host: '127.0.0.1', port: 1.5 },
      ]) {
        const r = failure(await tcpCheck(t, { timeoutMs: 1000 }));
        expect(r.code).toBe('EINVAL');
        expect(r.message).toContain(`${t.host}:${t.port}`);
      }
    });

    it('binds the given source address', async () => {
      const remotes: string[] = [];
      const target = await openTarget({ onConnection: (s) => remotes.push(String(s.remoteAddress)) });
      const r = await tcpCheck(target, { timeoutMs: 2000, localAddress: '127.0.0.2' });
      expect(r.ok).toBe(true);
      await until(() => remotes.length === 1);
      expect(remotes).toEqual(['127.0.0.2']);
    });

    it('refuses a source address that is not an IP, as net.connect does', async () => {
      const target = await openTarget();
      const r = failure(await tcpCheck(target, { timeoutMs: 2000, localAddress: 'eth0' }));
      expect(r.code).toBe('ERR_INVALID_IP_ADDRESS');
      expect(r.message).toBe('Invalid IP address: eth0');
    });

    it('leaves no socket handle open after any outcome (ok, refused, timed out, aborted)', async () => {
      const sockets = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
      const open = await openTarget();
      const { port: closed } = await refusingPort('127.0.0.1');
      const silent = await timeoutTarget(); // (its own sockets fill the listener's queue: counted in `before`)
      const before = sockets();
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      const results = await Promise.all([
        tcpCheck(open, { timeoutMs: 2000 }),
        tcpCheck({ host: '127.0.0.1', port: closed }, { timeoutMs: 2000 }),
        tcpCheck(silent, { timeoutMs: 200 }),
        tcpCheck(silent, { timeoutMs: 5000, signal: ac.signal }),
      ]);
      expect(results.map((r) => (r.ok ? 'ok' : r.code))).toEqual(['ok', 'ECONNREFUSED', 'ETIMEDOUT', 'ABORT_ERR']);
      // the open target's accepted socket counts too: it closes with the reset
      expect(await until(() => sockets() <= before)).toBe(true);
      // and the handle path keeps no state of a connect that ended (its map of connects under way)
      expect(connectsUnderWay()).toBe(0);
    });

    it('passes OS errors through, e.g. an unusable source address', async () => {
      const target = await openTarget();
      const r = failure(await tcpCheck(target, { timeoutMs: 2000, localAddress: '192.0.2.1' }));
      expect(r.code).toBe('EADDRNOTAVAIL');
      expect(r.message).toContain('EADDRNOTAVAIL');
    });
  });
});
