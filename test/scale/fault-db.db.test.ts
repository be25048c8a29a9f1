// PostgreSQL going away under a probing process (its link cut at a TCP proxy, then restored; the
// shared server itself is never restarted). Ports fail and recover while the database is away.
// Asserted afterwards, against what the probe actually saw: every failed check logged exactly
// once, one incident per outage (none lost, none opened twice), one ledger row per message,
// the probe loop checking through a short outage and again after a long one, and the state in
// the database equal to the state in memory. PostgreSQL only (PGlite runs inside the process).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../../server/db/index.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { backend } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import {
  expectFailuresLoggedOnce,
  incidentsOf,
  postgresBehindProxy,
  recordingEvents,
  switchablePort,
  until,
  type Checked,
  type TcpProxy,
} from './fault-helpers.ts';

const LEASE_TTL_MS = 10_000; // shorter than the long outage below: the leases expire in the database meanwhile

describe.skipIf(backend !== 'postgres')('PostgreSQL cut during probing (postgres)', () => {
  const cleanups: (() => unknown)[] = [];
  let direct: Database;
  let proxy: TcpProxy;
  let probe: ProbeRuntime;
  const seen: Checked[] = [];
  const down: string[] = []; // always refusing
  const flip: string[] = []; // fail during the first cut, recover during the second
  let flipPort: Awaited<ReturnType<typeof switchablePort>>;

  beforeAll(async () => {
    let viaProxyUrl: string;
    ({ direct, proxy, viaProxyUrl } = await postgresBehindProxy(cleanups));
    const viaProxy = await openDatabase({ kind: 'postgres', url: viaProxyUrl, poolSize: 3 }, { migrate: false });
    cleanups.push(() => viaProxy.close());

    const refused = await switchablePort();
    flipPort = await switchablePort();
    await flipPort.up();
    cleanups.push(() => flipPort.down());
    const owner = await makeCustomer(direct.prisma, 'faulty');
    const policy = {
      intervalSec: 2,
      retryIntervalSec: 1,
      failureThreshold: 2,
      recoveryThreshold: 2,
      smsEnabled: false,
    };
    for (let i = 0; i < 6; i++) {
      down.push(
        (
          await makeMonitor(direct.prisma, {
            accountId: owner.id,
            ip: `198.18.1.${i + 1}`,
            probeHost: '127.0.0.1',
            ports: [refused.port],
            ...policy,
          })
        ).id,
      );
      flip.push(
        (
          await makeMonitor(direct.prisma, {
            accountId: owner.id,
            ip: `198.18.2.${i + 1}`,
            probeHost: '127.0.0.1',
            ports: [flipPort.port],
            ...policy,
          })
        ).id,
      );
    }
    probe = createProbeRuntime({
      prisma: viaProxy.prisma,
      events: recordingEvents(seen),
      nodeId: 'cut',
      leaseTtlMs: LEASE_TTL_MS,
      leaseRenewMs: 1_000,
      flushMs: 200,
      groupingDelayMs: 300,
      // half of these ports fail on purpose: the prober's self-outage guard is not under test here
      guardPolicy: { minHosts: 1_000_000 },
    });
    await probe.start();
    cleanups.push(() => probe.stop());
    for (const id of [...down, ...flip]) probe.monitorChanged(id); // first checks now, not at their phase
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  const openIncidents = async (ids: string[]) =>
    (await incidentsOf(direct.prisma, ids)).filter((i) => !i.resolvedAt).length;
  const checksBetween = (from: number, to: number) => seen.filter((c) => c.at >= from && c.at <= to).length;

  it('keeps probing through a short outage and writes what happened meanwhile once', async () => {
    await until('an incident per refusing host', async () => (await openIncidents(down)) === down.length);
    // the database goes away for less than half the lease ttl; the flip ports start refusing
    proxy.cutOff();
    const cutAt = Date.now();
    await flipPort.down();
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS / 2 - 1_000));
    proxy.restore();
    const restoredAt = Date.now();
    expect(checksBetween(cutAt, restoredAt)).toBeGreaterThan(flip.length); // the loop kept checking
    expect(flip.every((id) => probe.status(id)?.[0]?.phase === 'DOWN')).toBe(true); // decided while the database was away
    await until(
      'the incidents opened during the outage to be written',
      async () => (await openIncidents(flip)) === flip.length,
    );
    await until('the backlog to drain', () => probe.stats().pendingWrites === 0 && probe.healthy());
    const incidents = await incidentsOf(direct.prisma, [...down, ...flip]);
    expect(incidents.length).toBe(down.length + flip.length);
    // the contact's mail, and its SMS recorded as NO (switched off): one row each
    for (const i of incidents)
      expect(i.notifications.map((n) => `${n.kind}/${n.channel}`).sort()).toEqual(['DOWN/EMAIL', 'DOWN/SMS']);
  }, 90_000);

  // An outage longer than the lease ttl: the process keeps its shards and keeps probing (nobody is
  // proven to hold them instead); when the database is back its renewal finds them still its own.
  it('keeps probing through a long outage and loses or doubles nothing', async () => {
    // away for longer than the lease ttl; the flip ports answer again meanwhile
    proxy.cutOff();
    const cutAt = Date.now();
    await flipPort.up();
    await new Promise((r) => setTimeout(r, LEASE_TTL_MS + 2_000));
    proxy.restore();
    const restoredAt = Date.now();
    // every port was checked throughout (intervals of 2 s: at least 5 checks each in 12 s)
    for (const id of [...down, ...flip])
      expect(
        seen.filter((c) => c.monitorId === id && c.at >= cutAt && c.at <= restoredAt).length,
        id,
      ).toBeGreaterThanOrEqual(5);
    await until(
      'probing to go on',
      () => probe.stats().ownedShards > 0 && seen.some((c) => c.at > restoredAt),
      30_000,
    ).catch(async (err: unknown) => {
      const leases = await direct.prisma.$queryRawUnsafe<{ holder: string; n: number }[]>(
        `SELECT "holder", count(*)::int AS n FROM "ProbeLease" GROUP BY 1`,
      );
      throw new Error(
        `${String(err)}; owned in memory ${probe.stats().ownedShards}, leases in the database ${JSON.stringify(leases)}`,
      );
    });
    await until('the flip hosts to recover', async () => (await openIncidents(flip)) === 0, 30_000);
    await until('the backlog to drain', () => probe.stats().pendingWrites === 0 && probe.healthy());
    console.log(
      `long outage: ${checksBetween(cutAt, restoredAt)} checks during ${((restoredAt - cutAt) / 1000).toFixed(1)} s without the database`,
    );

    await probe.stop();
    const incidents = await incidentsOf(direct.prisma, [...down, ...flip]);
    // one incident per host over both outages: the refusing hosts' still open, the flip hosts' resolved
    expect(incidents.filter((i) => down.includes(i.monitorId!)).map((i) => !!i.resolvedAt)).toEqual(
      down.map(() => false),
    );
    expect(incidents.filter((i) => flip.includes(i.monitorId!)).map((i) => !!i.resolvedAt)).toEqual(
      flip.map(() => true),
    );
    for (const i of incidents) {
      expect(i.notifications.map((n) => `${n.kind}/${n.channel}`).sort()).toEqual(
        flip.includes(i.monitorId!)
          ? ['DOWN/EMAIL', 'DOWN/SMS', 'RECOVERED/EMAIL', 'RECOVERED/SMS']
          : ['DOWN/EMAIL', 'DOWN/SMS'],
      );
    }
    const failures = await expectFailuresLoggedOnce(direct.prisma, seen, [...down, ...flip]);
    console.log(`${seen.length} checks, ${failures} failures, each logged once`);
    // the state in the database is the state the probe ended with
    const states = await direct.prisma.portState.findMany({ where: { monitorId: { in: [...down, ...flip] } } });
    const last = new Map<string, Checked>();
    for (const c of seen) last.set(c.monitorId, c);
    for (const s of states) {
      expect(s.phase, s.monitorId).toBe(down.includes(s.monitorId) ? 'DOWN' : 'UP');
      expect(s.lastCheckAt?.getTime(), s.monitorId).toBe(last.get(s.monitorId)?.at);
    }
    expect(states.length).toBe(down.length + flip.length);
  }, 120_000);
});
