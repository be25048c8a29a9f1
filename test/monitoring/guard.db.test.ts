// The prober must not page customers for its own outage: when an unusual share of all ports
// fail at once, customer alerts are held and the admins get one PROBE_DEGRADED incident;
// when it clears, held alerts are re-evaluated (ports that recovered open nothing).
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createEvents } from '../../server/services/events.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/services/monitoring/runtime.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';

const until = async (what: string, ok: () => Promise<boolean>, ms: number) => {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
};

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
    const owner = await makeCustomer(p, 'many');
    // a port that refuses for now (bound, then released)
    const probeSock = net.createServer();
    await new Promise<void>((r) => probeSock.listen(0, '127.0.0.1', r));
    const port = (probeSock.address() as net.AddressInfo).port;
    await new Promise<void>((r) => probeSock.close(() => r()));
    // 40 ports on a 10 s interval: 4 checks/s, so the mass rule (20 checks in its window) can
    // decide within ~5 s, before any port's 3rd failure (first failure + 2 × 5 s retry)
    for (let i = 0; i < 40; i++) {
      await makeMonitor(p, { accountId: owner.id, ip: `198.18.1.${i + 1}`, probeHost: '127.0.0.1', ports: [port], intervalSec: 10, retryIntervalSec: 5, failureThreshold: 3 });
    }
    probe = createProbeRuntime({
      prisma: p,
      events: createEvents(),
      guardPolicy: { massFailureShare: 0.5, minPortsForMassRule: 20, windowMs: 10_000, clearAfterMs: 3_000 },
    });
    await probe.start();

    await until('a PROBE_DEGRADED incident', async () => (await p.incident.count({ where: { kind: 'PROBE_DEGRADED' } })) === 1, 30_000);
    // every port keeps failing past its threshold; no customer incident, no customer message
    await new Promise((r) => setTimeout(r, 12_000));
    await probe.flush();
    expect(await p.incident.count({ where: { kind: 'HOST_DOWN' } })).toBe(0);
    expect(await p.notification.count({ where: { recipientRole: 'CONTACT' } })).toBe(0);
    const degraded = await p.incident.findFirstOrThrow({ where: { kind: 'PROBE_DEGRADED' }, include: { notifications: true } });
    expect(degraded.reason).toContain('checks failed in one round');
    expect(degraded.notifications.map((n) => [n.kind, n.recipient])).toEqual([['PROBE_DEGRADED', 'noc@example.com']]);
    expect(await p.failureLog.count()).toBeGreaterThanOrEqual(40 * 2); // failures are still logged

    // the "outage" ends: the ports answer; the guard clears; held alerts find the ports UP
    listener = net.createServer((s) => s.on('error', () => {}));
    await new Promise<void>((r) => listener!.listen(port, '127.0.0.1', r));
    await until('the degraded incident to resolve', async () => (await p.incident.findUniqueOrThrow({ where: { id: degraded.id } })).resolvedAt !== null, 60_000);
    await probe.flush();
    expect(await p.incident.count({ where: { kind: 'HOST_DOWN' } })).toBe(0);
    expect(await p.notification.count({ where: { incidentId: degraded.id, kind: 'PROBE_RECOVERED' } })).toBe(1);
    expect(await p.notification.count({ where: { recipientRole: 'CONTACT' } })).toBe(0);
  }, 120_000);
});
