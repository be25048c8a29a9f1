// The prober must not page customers for its own outage: when most hosts of several customers
// and networks fail their regular checks at once, customer alerts are held (the API says so) and
// the admins get one PROBE_DEGRADED incident; when it clears, held alerts are re-evaluated
// (ports that recovered open nothing). Real sockets: 24 hosts are 127.0.N.1 loopback addresses.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { monitorAlertsHeld } from '../../server/services/alerts-held.ts';
import { createEvents } from '../../server/events/events.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { until } from '../helpers/poll.ts';

describe(`prober self-outage guard (${backend})`, () => {
  let t: TestDatabase;
  let probe: ProbeRuntime | undefined;
  let listener: net.Server | undefined;
  afterAll(async () => {
    await probe?.stop();
    listener?.close();
    await t?.drop();
  });

  it('holds customer alerts during a mass failure and re-evaluates them when it clears', async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    await p.adminRecipient.create({ data: { name: 'NOC', email: 'noc@example.com', language: 'en' } });
    const owners = [await makeCustomer(p, 'one'), await makeCustomer(p, 'two'), await makeCustomer(p, 'three')];
    // a port that refuses for now (bound, then released)
    const probeSock = net.createServer();
    await new Promise<void>((r) => probeSock.listen(0, '127.0.0.1', r));
    const port = (probeSock.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probeSock.close(() => r()));
    // 24 hosts (each its own /24, three customers) on a 6 s interval: the mass rule (10 hosts in a
    // 6 s window) decides within ~3 s, before any port's 3rd failure (first failure + 2 × 3 s retry);
    // one good check makes a port UP again (recoveryThreshold 1), so the guard may clear after one
    // interval (the tuning rule in server/alerting/guard.ts: clearAfterMs ≥ recoveryThreshold × interval)
    const ids: string[] = [];
    for (let i = 0; i < 24; i++) {
      const host = `127.0.${i + 1}.1`;
      const m = await makeMonitor(p, {
        accountId: owners[i % 3]!.id,
        ip: host,
        probeHost: host,
        ports: [port],
        intervalSec: 6,
        retryIntervalSec: 3,
        failureThreshold: 3,
        recoveryThreshold: 1,
      });
      ids.push(m.id);
    }
    probe = createProbeRuntime({
      prisma: p,
      events: createEvents(),
      guardPolicy: { massFailureShare: 0.5, minHosts: 10, windowMs: 6_000, clearAfterMs: 6_000 },
    });
    await probe.start();

    await until(
      'a PROBE_DEGRADED incident',
      async () => (await p.incident.count({ where: { kind: 'PROBE_DEGRADED' } })) === 1,
      30_000,
    );
    // every port keeps failing past its threshold (3 failed checks each); no customer incident,
    // no customer message
    await until(
      'every port past its failure threshold',
      async () => {
        await probe!.flush();
        const runs = await p.failureRun.groupBy({ by: ['monitorId'], _sum: { count: true } });
        return runs.length === ids.length && runs.every((r) => (r._sum.count ?? 0) >= 3);
      },
      30_000,
    );
    expect(await p.incident.count({ where: { kind: 'HOST_DOWN' } })).toBe(0);
    expect(await p.notification.count({ where: { recipientRole: 'CONTACT' } })).toBe(0);
    const degraded = await p.incident.findFirstOrThrow({
      where: { kind: 'PROBE_DEGRADED' },
      include: { notifications: true },
    });
    expect(degraded.reason).toMatch(
      /\d+ of \d+ hosts \(\d+ of \d+ networks, [23] customers\) answered none of their regular checks/,
    );
    expect(degraded.notifications.map((n) => [n.kind, n.recipient])).toEqual([['PROBE_DEGRADED', 'noc@example.com']]);
    expect((await p.failureRun.aggregate({ _sum: { count: true } }))._sum.count ?? 0).toBeGreaterThanOrEqual(24 * 3); // failures are still logged
    // the monitors say their alerts are held: from the probing process, and from the database alone
    const row = await p.monitor.findFirstOrThrow({
      where: { id: { in: ids }, portStates: { some: { phase: 'DOWN' } } },
      include: { portStates: true },
    });
    expect(await monitorAlertsHeld({ prisma: p, probe }, row)).toBe(true);
    expect(await monitorAlertsHeld({ prisma: p }, row)).toBe(true);

    // the "outage" ends: the ports answer; the guard clears; held alerts find the ports UP
    listener = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => listener!.listen(port, '0.0.0.0', r));
    await until(
      'the degraded incident to resolve',
      async () => (await p.incident.findUniqueOrThrow({ where: { id: degraded.id } })).resolvedAt !== null,
      60_000,
    );
    // a held port that answered once (RECOVERING) stays pending until its recovery completes
    await until(
      "the held monitor's ports to be UP",
      async () => probe!.status(row.id)?.every((s) => s.phase === 'UP') === true,
      30_000,
    );
    await probe.flush();
    expect(await p.incident.count({ where: { kind: 'HOST_DOWN' } })).toBe(0);
    expect(await p.notification.count({ where: { incidentId: degraded.id, kind: 'PROBE_RECOVERED' } })).toBe(1);
    expect(await p.notification.count({ where: { recipientRole: 'CONTACT' } })).toBe(0);
    const after = await p.monitor.findUniqueOrThrow({ where: { id: row.id }, include: { portStates: true } });
    expect(await monitorAlertsHeld({ prisma: p, probe }, after)).toBe(false);
  }, 120_000);
});
