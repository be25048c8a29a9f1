// Issue 19: two probe processes on one PostgreSQL (children, wired like server/main.ts, their
// database link through a TCP proxy that can be cut), recording every check they make. Measured
// against each port's interval I: a "missed check" is a gap between two consecutive checks of a
// port (by any process) longer than I + TOLERANCE.
// - a 10 s cut of the database while ports fail and recover and an incident is open: both keep
//   checking (no port misses a check), the incidents opened and resolved meanwhile are written
//   once with their messages, and none stays open for a host that is UP;
// - SIGTERM of one process (graceful handover) and a rolling restart of both: no missed check;
// - SIGKILL of one: at most one missed check per port.
// PostgreSQL only (several processes). Intervals and leases are short to keep it quick.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../server/db/index.ts';
import { SHARDS } from '../../server/monitoring/model.ts';
import { backend } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import {
  incidentsOf,
  postgresBehindProxy,
  switchablePort,
  until,
  type Checked,
  type TcpProxy,
} from './fault-helpers.ts';

const root = path.resolve(import.meta.dirname, '../..');
const INTERVAL_MS = 8_000;
// a check more than half an interval late counts as missed (lateness on a loaded machine and the
// handover itself stay under it; a skipped slot makes a gap of two intervals)
const TOLERANCE_MS = INTERVAL_MS / 2;
const LEASE_TTL_MS = 4_000;

interface Proc {
  name: string;
  child: ChildProcess;
  shards: number;
  stopped: boolean;
  exited: Promise<unknown>;
}

describe.skipIf(backend !== 'postgres')('continuity of probing across processes (postgres)', () => {
  const cleanups: (() => unknown)[] = [];
  let direct: Database;
  let proxy: TcpProxy;
  let viaProxyUrl: string;
  let flip: Awaited<ReturnType<typeof switchablePort>>;
  const seen: (Checked & { by: string })[] = [];
  const steady: string[] = [];
  const flipping: string[] = [];
  const procs: Proc[] = [];

  function start(name: string): Proc {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/scale/cluster-probe-child.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: viaProxyUrl, NODE_NAME: name, LEASE_TTL_MS: String(LEASE_TTL_MS) },
      stdio: ['ignore', 'pipe', process.env.TEST_LOG ? 'inherit' : 'ignore'],
    });
    const p: Proc = { name, child, shards: 0, stopped: false, exited: new Promise((r) => child.once('exit', r)) };
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      const lines = (buf + d.toString()).split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const [tag, a, b, c, e] = l.split(' ');
        if (tag === 'CHECK') seen.push({ monitorId: a!, port: Number(b), at: Number(c), ok: e === '1', by: name });
        if (tag === 'SHARDS') p.shards = Number(a);
        if (tag === 'STOPPED') p.stopped = true;
      }
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    procs.push(p);
    return p;
  }

  /** Per port, the longest time without a check in [from, to] (counting from the last check before `from`). */
  function worstGaps(from: number, to: number, ids = [...steady, ...flipping]) {
    const out = new Map<string, number>();
    for (const id of ids) {
      const times = seen
        .filter((c) => c.monitorId === id)
        .map((c) => c.at)
        .sort((x, y) => x - y);
      const before = times.filter((t) => t < from).at(-1) ?? from;
      const inside = times.filter((t) => t >= from && t <= to);
      let prev = before;
      let worst = 0;
      for (const t of [...inside, to]) {
        worst = Math.max(worst, t - prev);
        prev = t;
      }
      out.set(id, worst);
    }
    return out;
  }
  const missed = (gap: number) => Math.max(0, Math.ceil((gap - INTERVAL_MS - TOLERANCE_MS) / INTERVAL_MS));
  function report(what: string, from: number, to: number) {
    const gaps = worstGaps(from, to);
    const worst = Math.max(...gaps.values());
    const perPort = [...gaps.values()].map(missed);
    const checks = seen.filter((c) => c.at >= from && c.at <= to).length;
    for (const [id, gap] of gaps) {
      if (missed(gap) === 0) continue;
      const times = seen
        .filter((c) => c.monitorId === id && c.at >= from - 2 * INTERVAL_MS && c.at <= to)
        .map((c) => `${c.at - from}${c.by}`);
      console.log(`[continuity]   ${id}: gap ${gap} ms; checks (ms from start, process) ${times.join(' ')}`);
    }
    console.log(
      `[continuity] ${what}: ${((to - from) / 1000).toFixed(1)} s, ${checks} checks of ${gaps.size} ports (interval ${INTERVAL_MS / 1000} s), longest gap ${worst} ms, missed checks ${perPort.reduce((a, b) => a + b, 0)} (most on one port ${Math.max(...perPort)})`,
    );
    return { worst, perPort, checks };
  }
  const total = () =>
    procs
      .filter((p) => !p.stopped && p.child.exitCode === null && p.child.signalCode === null)
      .reduce((n, p) => n + p.shards, 0);

  beforeAll(async () => {
    ({ direct, proxy, viaProxyUrl } = await postgresBehindProxy(cleanups));
    const answering = await switchablePort();
    await answering.up();
    flip = await switchablePort();
    await flip.up();
    cleanups.push(
      () => answering.down(),
      () => flip.down(),
    );
    const owner = await makeCustomer(direct.prisma, 'continuity');
    const policy = {
      probeHost: '127.0.0.1',
      intervalSec: INTERVAL_MS / 1000,
      retryIntervalSec: 1,
      failureThreshold: 2,
      recoveryThreshold: 2,
      timeoutMs: 500,
    };
    for (let i = 0; i < 24; i++)
      steady.push(
        (
          await makeMonitor(direct.prisma, {
            accountId: owner.id,
            ip: `198.18.10.${i + 1}`,
            ports: [answering.port],
            ...policy,
          })
        ).id,
      );
    for (let i = 0; i < 4; i++)
      flipping.push(
        (
          await makeMonitor(direct.prisma, {
            accountId: owner.id,
            ip: `198.18.11.${i + 1}`,
            ports: [flip.port],
            ...policy,
          })
        ).id,
      );
  }, 120_000);
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  let a: Proc;
  let b: Proc;

  it('two processes split the shards and check every port', async () => {
    a = start('A');
    await until('A to hold every shard', () => a.shards === SHARDS, 150_000);
    b = start('B');
    await until('a fair split', () => a.shards === SHARDS / 2 && b.shards === SHARDS / 2, 150_000);
    const from = Date.now();
    await new Promise((r) => setTimeout(r, INTERVAL_MS + 1_000));
    expect(report('steady state, two processes', from, Date.now()).perPort.every((m) => m === 0)).toBe(true);
  }, 400_000);

  it('a 10 s database cut during probing and an open incident: checking goes on, nothing stays open', async () => {
    const open = async () => (await incidentsOf(direct.prisma, flipping)).filter((i) => !i.resolvedAt).length;
    await flip.down();
    await until("the flip hosts' incidents", async () => (await open()) === flipping.length, 30_000);
    proxy.cutOff();
    const cutAt = Date.now();
    await new Promise((r) => setTimeout(r, 3_000));
    await flip.up(); // the hosts recover while the database is away
    await new Promise((r) => setTimeout(r, 7_000));
    proxy.restore();
    const restoredAt = Date.now();
    const during = report('10 s database cut (both processes)', cutAt, restoredAt);
    expect(
      during.perPort.every((m) => m === 0),
      'a port went unchecked during the cut',
    ).toBe(true);
    await until('the incidents to be resolved', async () => (await open()) === 0, 30_000);
    await until('the shards to settle', () => total() === SHARDS, 30_000);
    const after = report('database cut, then 10 s more', cutAt, Date.now() + 0);
    expect(after.perPort.every((m) => m === 0)).toBe(true);
    // one incident per flip host, its DOWN and RECOVERED messages once per recipient and channel
    const incidents = await incidentsOf(direct.prisma, flipping);
    expect(incidents.length).toBe(flipping.length);
    for (const i of incidents) {
      expect(i.resolvedAt).not.toBeNull();
      expect(i.notifications.map((n) => `${n.kind}/${n.channel}`).sort()).toEqual([
        'DOWN/EMAIL',
        'DOWN/SMS',
        'RECOVERED/EMAIL',
        'RECOVERED/SMS',
      ]);
    }
    // the persisted state says UP, as the ports are
    const states = await direct.prisma.portState.findMany({ where: { monitorId: { in: flipping } } });
    expect(states.map((s) => s.phase)).toEqual(flipping.map(() => 'UP'));
  }, 150_000);

  it('SIGTERM: the other process takes over at once and no check is missed', async () => {
    const from = Date.now();
    a.child.kill('SIGTERM');
    await until('B to hold every shard', () => b.shards === SHARDS, 30_000);
    const handoverMs = Date.now() - from;
    await a.exited;
    await new Promise((r) => setTimeout(r, INTERVAL_MS + 1_000));
    const r = report(
      `SIGTERM handover (B held every shard ${handoverMs} ms after the signal)`,
      from - INTERVAL_MS,
      Date.now(),
    );
    expect(r.perPort.every((m) => m === 0)).toBe(true);
  }, 120_000);

  it('a rolling restart misses no check', async () => {
    const from = Date.now();
    const a2 = start('A');
    a = a2;
    await until('A2 to take its share', () => a2.shards === SHARDS / 2 && b.shards === SHARDS / 2, 150_000);
    const splitMs = Date.now() - from;
    const termAt = Date.now();
    b.child.kill('SIGTERM');
    await until('A2 to hold every shard', () => a2.shards === SHARDS, 30_000);
    const handoverMs = Date.now() - termAt;
    await b.exited;
    const b2 = start('B');
    b = b2;
    await until('B2 to take its share', () => a2.shards === SHARDS / 2 && b2.shards === SHARDS / 2, 150_000);
    await new Promise((r) => setTimeout(r, INTERVAL_MS + 1_000));
    const r = report(
      `rolling restart (A2 took its half ${splitMs} ms after starting; B's shards moved ${handoverMs} ms after SIGTERM)`,
      from - INTERVAL_MS,
      Date.now(),
    );
    expect(r.perPort.every((m) => m === 0)).toBe(true);
  }, 500_000);

  it('SIGKILL: the survivor takes over with at most one missed check per port', async () => {
    const from = Date.now();
    b.child.kill('SIGKILL');
    await b.exited;
    await until('A to hold every shard', () => a.shards === SHARDS, 30_000);
    const takeoverMs = Date.now() - from;
    await new Promise((r) => setTimeout(r, INTERVAL_MS + 1_000));
    const r = report(
      `SIGKILL takeover (A held every shard ${takeoverMs} ms after the kill; lease ttl ${LEASE_TTL_MS} ms)`,
      from - INTERVAL_MS,
      Date.now(),
    );
    expect(Math.max(...r.perPort)).toBeLessThanOrEqual(1);
    // nothing was opened for the answering hosts through all of this
    expect((await incidentsOf(direct.prisma, steady)).length).toBe(0);
  }, 120_000);
});
