// Several processes on one PostgreSQL share the probe work through leases: in steady state no
// port is probed by two processes; when one is killed (SIGKILL) its ports are taken over
// within 30 s. PGlite is single-process, so this suite runs only on PostgreSQL.
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.ts';
import { tcpCheck } from '../../server/probe/index.ts';
import { createEvents } from '../../server/events/events.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { SHARDS } from '../../server/monitoring/model.ts';
import { backend, createPostgresDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { until } from '../helpers/poll.ts';

const root = path.resolve(import.meta.dirname, '../..');
const MONITORS = 40;
// short enough to keep the test quick; a round is what the assertions count, at any interval
const INTERVAL_MS = 4_000;
// a window of one round plus this margin sees every port checked at least once
const MARGIN_MS = 1_500;

describe.skipIf(backend !== 'postgres')('probe work shared by two processes (postgres)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('probes each port once per round across processes and takes over a killed one', async () => {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    const db: Database = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 4 });
    cleanups.push(() => db.close());
    const listener = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => listener.close(() => r())));
    const port = (listener.address() as net.AddressInfo).port;
    const owner = await makeCustomer(db.prisma, 'sharer');
    for (let i = 0; i < MONITORS; i++) {
      await makeMonitor(db.prisma, {
        accountId: owner.id,
        ip: `198.18.0.${i + 1}`,
        probeHost: '127.0.0.1',
        ports: [port],
        intervalSec: INTERVAL_MS / 1000,
      });
    }

    // process A: a child we can SIGKILL
    // `node --import tsx` (not the tsx CLI, which runs node as a grandchild that SIGKILL would miss)
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/monitoring/probe-worker.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: created.url, NODE_ID: 'A' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const checksA: { key: string; at: number }[] = [];
    let shardsA = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        if (l.startsWith('CHECK ')) checksA.push({ key: l.slice(6), at: Date.now() });
        if (l.startsWith('SHARDS ')) shardsA = Number(l.slice(7));
      }
    });
    await until('process A to hold every shard', () => shardsA === SHARDS, 180_000);

    // process B: in this test process
    const checksB: { key: string; at: number }[] = [];
    const b: ProbeRuntime = createProbeRuntime({
      prisma: db.prisma,
      events: createEvents(),
      nodeId: 'B',
      leaseTtlMs: 4_000,
      leaseRenewMs: 1_000,
      check: (t, o) => {
        checksB.push({ key: `${t.monitorId}:${t.port}`, at: Date.now() });
        return tcpCheck(t, o);
      },
    });
    await b.start();
    cleanups.push(() => b.stop());
    await until('a fair split', () => shardsA === SHARDS / 2 && b.stats().ownedShards === SHARDS / 2, 20_000);

    // steady state: one full interval plus margin; no key checked by both
    await new Promise((r) => setTimeout(r, 2_000));
    const from = Date.now();
    await new Promise((r) => setTimeout(r, INTERVAL_MS + MARGIN_MS));
    const inWindow = (list: { key: string; at: number }[]) =>
      new Set(list.filter((c) => c.at >= from).map((c) => c.key));
    const a = inWindow(checksA);
    const bKeys = inWindow(checksB);
    expect([...a].filter((k) => bKeys.has(k))).toEqual([]);
    expect(a.size + bKeys.size).toBe(MONITORS);
    expect(a.size).toBeGreaterThan(0);
    expect(bKeys.size).toBeGreaterThan(0);

    // kill A: B takes every shard within 30 s and probes every port
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await until('B to take over', () => b.stats().ownedShards === SHARDS, 30_000);
    const takeoverMs = Date.now() - killedAt;
    expect(takeoverMs).toBeLessThan(30_000);
    console.log(`takeover after SIGKILL: ${takeoverMs} ms (lease ttl 4 s, renew 1 s)`);
    const after = Date.now();
    await new Promise((r) => setTimeout(r, INTERVAL_MS + MARGIN_MS));
    expect(new Set(checksB.filter((c) => c.at >= after).map((c) => c.key)).size).toBe(MONITORS);
  }, 400_000);
});
