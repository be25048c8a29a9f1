// Shared by the fault suites: TCP targets that can be switched between answering and refusing,
// a check wrapper that records every result, and the database-side consistency checks (every
// failed check counted exactly once in the failure runs, one incident per outage, one ledger row per message).
import net from 'node:net';
import { expect } from 'vitest';
import { openDatabase, type Database, type PrismaClient } from '../../server/db/index.ts';
import { QUARTER_MS } from '../../server/monitoring/runs.ts';
import { createPostgresDatabase } from '../helpers/db.ts';
import { quarterCounts } from '../helpers/failure-runs.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

export type TcpProxy = Awaited<ReturnType<typeof startTcpProxy>>;
import { createEvents, type Events } from '../../server/events/events.ts';
import { until as pollUntil } from '../helpers/poll.ts';

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
  // every check is recorded: the engine asks whether anyone listens before it builds the event
  events.wantsCheckResult = () => true;
  const publish = events.checkResult;
  events.checkResult = (e) => {
    log.push({ monitorId: e.monitorId, port: e.port, at: e.at.getTime(), ok: e.ok });
    publish(e);
  };
  return events;
}

/**
 * Every failed check in `checks` is counted exactly once in the failure runs, and nothing else is:
 * per port and UTC quarter hour the runs count exactly the failed checks made then, each run
 * starts and ends on a failed check, and a port's runs never overlap (no check counted twice).
 */
export async function expectFailuresLoggedOnce(prisma: PrismaClient, checks: Checked[], monitorIds: string[]) {
  const runs = await prisma.failureRun.findMany({
    where: { monitorId: { in: monitorIds } },
    select: { monitorId: true, port: true, firstAt: true, lastAt: true, slots: true, count: true },
  });
  const failed = checks.filter((c) => !c.ok && monitorIds.includes(c.monitorId));
  const expected = new Map<string, number>();
  for (const c of failed) {
    const k = `${c.monitorId}:${c.port}:${Math.floor(c.at / QUARTER_MS) * QUARTER_MS}`;
    expected.set(k, (expected.get(k) ?? 0) + 1);
  }
  const inDb = quarterCounts(runs);
  const diff = [...new Set([...expected.keys(), ...inDb.keys()])]
    .filter((k) => expected.get(k) !== inDb.get(k))
    .map((k) => [k, expected.get(k) ?? 0, inDb.get(k) ?? 0]);
  expect(diff, 'failed checks vs runs per quarter hour [key, checks, counted]').toEqual([]);
  expect(
    runs.filter((r) => r.slots.reduce((a, b) => a + b, 0) !== r.count),
    'runs whose slots do not add up to their count',
  ).toEqual([]);
  const checkAt = new Set(failed.map((c) => `${c.monitorId}:${c.port}:${c.at}`));
  const at = (r: (typeof runs)[number], d: Date) => `${r.monitorId}:${r.port}:${d.getTime()}`;
  expect(
    runs.filter((r) => !checkAt.has(at(r, r.firstAt)) || !checkAt.has(at(r, r.lastAt))).map((r) => at(r, r.firstAt)),
    'runs not bounded by failed checks',
  ).toEqual([]);
  const sorted = [...runs].sort(
    (a, b) => a.monitorId.localeCompare(b.monitorId) || a.port - b.port || a.firstAt.getTime() - b.firstAt.getTime(),
  );
  const overlaps = sorted.filter(
    (r, i) =>
      i > 0 &&
      sorted[i - 1]!.monitorId === r.monitorId &&
      sorted[i - 1]!.port === r.port &&
      sorted[i - 1]!.lastAt >= r.firstAt,
  );
  expect(
    overlaps.map((r) => at(r, r.firstAt)),
    'overlapping runs (a check counted twice)',
  ).toEqual([]);
  return failed.length;
}

/** Per monitor: how many HOST_DOWN incidents, and the DOWN ledger rows of each (by channel). */
export async function incidentsOf(prisma: PrismaClient, monitorIds: string[]) {
  const incidents = await prisma.incident.findMany({
    where: { monitorId: { in: monitorIds }, kind: 'HOST_DOWN' },
    select: {
      id: true,
      monitorId: true,
      resolvedAt: true,
      notifications: { select: { kind: true, channel: true, recipient: true } },
    },
  });
  return incidents;
}

export const until = (what: string, ok: () => boolean | Promise<boolean>, ms = 30_000): Promise<boolean> =>
  pollUntil(what, ok, ms, 100);

/**
 * A fresh PostgreSQL database with a direct connection (for the test's own reads) and a TCP
 * proxy in front of it that a test can cut off: `viaProxyUrl` is what the processes under test
 * connect to. Everything it opens is pushed onto `cleanups` (run in reverse by the caller).
 */
export async function postgresBehindProxy(
  cleanups: (() => unknown)[],
): Promise<{ direct: Database; proxy: TcpProxy; viaProxyUrl: string }> {
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
