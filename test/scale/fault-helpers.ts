// Shared by the fault suites: TCP targets that can be switched between answering and refusing,
// a check wrapper that records every result, and the database-side consistency checks (every
// failed check logged exactly once, one incident per outage, one ledger row per message).
import net from 'node:net';
import { expect } from 'vitest';
import { openDatabase, type Database, type PrismaClient } from '../../server/db/index.ts';
import { createPostgresDatabase } from '../helpers/db.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

export type TcpProxy = Awaited<ReturnType<typeof startTcpProxy>>;
import { createEvents, type Events } from '../../server/services/events.ts';

/**
 * A free port under Linux's ephemeral range (32768+): a port taken from that range and later
 * closed can become the source port of some outgoing connection, and listening on it again fails.
 */
async function freePortBelowEphemeral(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const s = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => resolve(true));
    });
    if (ok) {
      await new Promise<void>((r) => s.close(() => r()));
      return port;
    }
  }
}

/** A loopback port that answers while `up` and refuses (ECONNREFUSED) while down. */
export async function switchablePort() {
  let server: net.Server | null = null;
  const port = await freePortBelowEphemeral();
  const sockets = new Set<net.Socket>();
  return {
    port,
    async up() {
      server = net.createServer((s) => {
        sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => sockets.delete(s));
      });
      await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    },
    async down() {
      for (const s of sockets) s.destroy();
      if (server) await new Promise<void>((r) => server!.close(() => r()));
      server = null;
    },
  };
}

export interface Checked {
  monitorId: string;
  port: number;
  at: number;
  ok: boolean;
}

/** Events whose every check result (published as it is processed) is also recorded in `log`. */
export function recordingEvents(log: Checked[]): Events {
  const events = createEvents();
  const publish = events.checkResult;
  events.checkResult = (e) => {
    log.push({ monitorId: e.monitorId, port: e.port, at: e.at.getTime(), ok: e.ok });
    publish(e);
  };
  return events;
}

/** Every failed check in `checks` has exactly one FailureLog row, and no row exists without a check. */
export async function expectFailuresLoggedOnce(prisma: PrismaClient, checks: Checked[], monitorIds: string[]) {
  const rows = await prisma.failureLog.findMany({ where: { monitorId: { in: monitorIds } }, select: { monitorId: true, port: true, at: true } });
  const key = (m: string, p: number, at: number) => `${m}:${p}:${at}`;
  const inDb = new Map<string, number>();
  for (const r of rows) inDb.set(key(r.monitorId, r.port, r.at.getTime()), (inDb.get(key(r.monitorId, r.port, r.at.getTime())) ?? 0) + 1);
  const failed = checks.filter((c) => !c.ok && monitorIds.includes(c.monitorId)).map((c) => key(c.monitorId, c.port, c.at));
  expect([...inDb].filter(([, n]) => n > 1), 'duplicated failure rows').toEqual([]);
  expect(failed.filter((k) => !inDb.has(k)), 'failed checks without a row').toEqual([]);
  expect([...inDb.keys()].filter((k) => !failed.includes(k)), 'rows without a failed check').toEqual([]);
  return failed.length;
}

/** Per monitor: how many HOST_DOWN incidents, and the DOWN ledger rows of each (by channel). */
export async function incidentsOf(prisma: PrismaClient, monitorIds: string[]) {
  const incidents = await prisma.incident.findMany({
    where: { monitorId: { in: monitorIds }, kind: 'HOST_DOWN' },
    select: { id: true, monitorId: true, resolvedAt: true, notifications: { select: { kind: true, channel: true, recipient: true } } },
  });
  return incidents;
}

export async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A fresh PostgreSQL database with a direct connection (for the test's own reads) and a TCP
 * proxy in front of it that a test can cut off: `viaProxyUrl` is what the processes under test
 * connect to. Everything it opens is pushed onto `cleanups` (run in reverse by the caller).
 */
export async function postgresBehindProxy(cleanups: (() => unknown)[]): Promise<{ direct: Database; proxy: TcpProxy; viaProxyUrl: string }> {
  const created = await createPostgresDatabase();
  cleanups.push(created.drop);
  const direct = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 2 });
  cleanups.push(() => direct.close());
  const pg = new URL(created.url);
  const proxy = await startTcpProxy({ host: pg.hostname, port: Number(pg.port || 5432) });
  cleanups.push(proxy.close);
  pg.host = `127.0.0.1:${proxy.port}`;
  return { direct, proxy, viaProxyUrl: pg.toString() };
}
