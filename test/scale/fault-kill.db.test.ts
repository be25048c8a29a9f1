// A probe process killed with SIGKILL in the middle of a round, while some of its ports are
// deciding to go DOWN; a second process takes its shards over when the leases expire.
// Asserted against what both processes actually saw: no incident lost or opened twice, one
// ledger row per message, every failure of the killed process logged once except at most those
// of its last moments (its write interval), none of the survivor's lost, none duplicated, the
// survivor probing every port, and the persisted state equal to the survivor's. PostgreSQL only.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/index.ts';
import { createProbeRuntime } from '../../server/monitoring/runtime.ts';
import { SHARDS } from '../../server/monitoring/model.ts';
import { backend, createPostgresDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import {
  expectFailuresLoggedOnce,
  incidentsOf,
  recordingEvents,
  switchablePort,
  until,
  type Checked,
} from './fault-helpers.ts';

const root = path.resolve(import.meta.dirname, '../..');

describe.skipIf(backend !== 'postgres')('probe process killed mid-round (postgres)', () => {
  const cleanups: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  it('loses and doubles nothing when a process is SIGKILLed and another takes over', async () => {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    const db = await openDatabase({ kind: 'postgres', url: created.url, poolSize: 4 });
    cleanups.push(() => db.close());
    const refused = await switchablePort();
    const flipPort = await switchablePort();
    const upPort = await switchablePort();
    await flipPort.up();
    await upPort.up();
    cleanups.push(
      () => flipPort.down(),
      () => upPort.down(),
    );
    const owner = await makeCustomer(db.prisma, 'killed');
    const policy = { intervalSec: 2, retryIntervalSec: 1, failureThreshold: 2, recoveryThreshold: 2 };
    const make = async (group: string, n: number, port: number) => {
      const ids: string[] = [];
      for (let i = 0; i < n; i++)
        ids.push(
          (
            await makeMonitor(db.prisma, {
              accountId: owner.id,
              ip: `198.18.${group}.${i + 1}`,
              probeHost: '127.0.0.1',
              ports: [port],
              ...policy,
            })
          ).id,
        );
      return ids;
    };
    const down = await make('3', 8, refused.port);
    const flip = await make('4', 8, flipPort.port);
    const up = await make('5', 4, upPort.port);

    // process A: a child we can SIGKILL (`node --import tsx`, so the signal reaches node itself)
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/scale/fault-probe-child.ts'], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: created.url },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    cleanups.push(() => void child.kill('SIGKILL'));
    const seenA: Checked[] = [];
    let shardsA = 0;
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      const lines = (buf + d.toString()).split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        const [tag, a, b, c, d2] = l.split(' ');
        if (tag === 'CHECK') seenA.push({ monitorId: a!, port: Number(b), at: Number(c), ok: d2 === '1' });
        if (tag === 'SHARDS') shardsA = Number(a);
      }
    });
    await until('process A to hold every shard', () => shardsA === SHARDS, 180_000);
    const open = async (ids: string[]) => (await incidentsOf(db.prisma, ids)).filter((i) => !i.resolvedAt).length;
    await until("A to open the refusing hosts' incidents", async () => (await open(down)) === down.length);

    // the flip ports stop answering; A is killed while those hosts are being decided
    await flipPort.down();
    const flipDownAt = Date.now();
    await until(
      'A to be mid-decision',
      () => seenA.filter((c) => flip.includes(c.monitorId) && c.at >= flipDownAt && !c.ok).length >= flip.length,
    );
    child.kill('SIGKILL');
    const killedAt = Date.now();
    await new Promise((r) => child.once('exit', r));

    // process B takes over once A's leases expire
    const seenB: Checked[] = [];
    const b = createProbeRuntime({
      prisma: db.prisma,
      events: recordingEvents(seenB),
      nodeId: 'B',
      leaseTtlMs: 4_000,
      leaseRenewMs: 1_000,
      flushMs: 200,
      groupingDelayMs: 300,
      guardPolicy: { minHosts: 1_000_000 },
    });
    await b.start();
    cleanups.push(() => b.stop());
    await until('B to take every shard', () => b.stats().ownedShards === SHARDS, 30_000);
    const takeoverMs = Date.now() - killedAt;
    await until('an incident per flip host', async () => (await open(flip)) === flip.length, 30_000);
    const all = [...down, ...flip, ...up];
    await until('B to check every port', () => all.every((id) => seenB.some((c) => c.monitorId === id)), 30_000);
    await b.stop();

    // one incident per failing host, its DOWN message once per channel; the up hosts none
    const incidents = await incidentsOf(db.prisma, all);
    expect(incidents.map((i) => i.monitorId).sort()).toEqual([...down, ...flip].sort());
    expect(incidents.every((i) => !i.resolvedAt)).toBe(true);
    for (const i of incidents)
      expect(i.notifications.map((n) => `${n.kind}/${n.channel}`).sort()).toEqual(['DOWN/EMAIL', 'DOWN/SMS']);

    // failure runs: B's checks all once; A's all once except (possibly) its last write interval
    // (a check landed when a run of its port covers it: B's runs start after A died)
    const lastA = Math.max(...seenA.map((c) => c.at));
    const runs = await db.prisma.failureRun.findMany({
      where: { monitorId: { in: all } },
      select: { monitorId: true, port: true, firstAt: true, lastAt: true },
    });
    const landed = (c: Checked) =>
      runs.some(
        (r) =>
          r.monitorId === c.monitorId && r.port === c.port && r.firstAt.getTime() <= c.at && c.at <= r.lastAt.getTime(),
      );
    const lostA = seenA.filter((c) => !c.ok && !landed(c));
    expect(
      lostA.filter((c) => c.at < lastA - 1_000),
      'A failures lost from before its last second',
    ).toEqual([]);
    await expectFailuresLoggedOnce(db.prisma, [...seenA.filter((c) => !lostA.includes(c)), ...seenB], all);
    console.log(
      `SIGKILL: takeover in ${takeoverMs} ms (lease ttl 4 s); A logged ${seenA.filter((c) => !c.ok).length - lostA.length} failures, ` +
        `lost ${lostA.length} from its last ${lostA.length ? lastA - Math.min(...lostA.map((c) => c.at)) : 0} ms; B logged ${seenB.filter((c) => !c.ok).length}, none lost or doubled`,
    );

    // the persisted state is the survivor's
    const states = await db.prisma.portState.findMany({ where: { monitorId: { in: all } } });
    expect(states.length).toBe(all.length);
    for (const s of states) expect(s.phase, s.monitorId).toBe(up.includes(s.monitorId) ? 'UP' : 'DOWN');
  }, 400_000);
});
