// The heart of the product, end to end on real sockets: a watched port stops answering,
// exactly one incident opens with its ledger rows, the owner sees it live, failure rows keep
// the OS reason; a restart mid-incident changes nothing; the port comes back and the
// incident resolves with RECOVERED rows.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { until } from '../helpers/poll.ts';

type Status = { monitorStatus: { monitorId: string; port: number; phase: string; lastErrorCode: string | null } };
const STATUS = `subscription { monitorStatus { monitorId port phase lastErrorCode } }`;
const INTERVAL_S = 4;
const RETRY_S = 2;

async function listenOn(port: number, host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer((s) => s.on('error', () => {}));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
const closeServer = (s: net.Server) => new Promise<void>((r) => s.close(() => r()));

describe(`core loop (${backend})`, () => {
  let app: TestApp;
  let probe2: ProbeRuntime | undefined;
  const servers: net.Server[] = [];
  beforeAll(async () => {
    app = await startTestApp({ PROBE_ENABLED: 'true' });
  });
  afterAll(async () => {
    await probe2?.stop();
    for (const s of servers) if (s.listening) await closeServer(s);
    await app?.close();
  });

  it('port down → one incident with ledger rows, live to the owner only; restart; recovery', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'alice');
    await makeCustomer(p, 'bob');
    await p.adminRecipient.create({ data: { name: 'NOC', email: 'noc@example.com', phone: null, language: 'ko' } });
    const a = await listenOn(0);
    const b = await listenOn(0);
    servers.push(a, b);
    const ports = [(a.address() as net.AddressInfo).port, (b.address() as net.AddressInfo).port].sort((x, y) => x - y);
    const monitor = await makeMonitor(p, {
      accountId: alice.id,
      ports,
      // a short interval keeps the real-time run quick (the retry interval is the default 2 s)
      intervalSec: INTERVAL_S,
      retryIntervalSec: RETRY_S,
      failureThreshold: 3,
      recoveryThreshold: 2,
      smsEnabled: false,
    });
    // the admin recipient list is read when the probe starts and on its resync
    await app.probe!.stop();
    probe2 = createProbeRuntime({
      prisma: p,
      events: app.services.events,
      signals: app.services.signals,
      resyncMs: 1_000,
    });
    await probe2.start();
    app.services.probe = probe2;
    app.services.signals.monitorChanged.emit(monitor.id);

    const aliceWs = wsClient(app.url, { cookie: await app.login('alice', CUSTOMER_PASSWORD) });
    const bobWs = wsClient(app.url, { cookie: await app.login('bob', CUSTOMER_PASSWORD) });
    const aliceSub = subscribe<Status>(aliceWs, STATUS);
    const bobSub = subscribe<Status>(bobWs, STATUS);
    for (const port of ports)
      await aliceSub.waitFor((e) => e.monitorStatus.port === port && e.monitorStatus.phase === 'UP', 15_000);

    await Promise.all([closeServer(a), closeServer(b)]);
    const incident = await until(
      'an incident',
      () => p.incident.findFirst({ where: { monitorId: monitor.id } }),
      30_000,
    );
    const firstFailure = await p.failureRun.findFirstOrThrow({
      where: { monitorId: monitor.id },
      orderBy: { firstAt: 'asc' },
    });
    // the 3rd failed check opens it: threshold × retry + 2 s after the first failure at most
    expect(incident.openedAt.getTime() - firstFailure.firstAt.getTime()).toBeLessThanOrEqual(
      3 * RETRY_S * 1_000 + 2_000,
    );
    await aliceSub.waitFor(
      (e) => e.monitorStatus.phase === 'DOWN' && e.monitorStatus.lastErrorCode === 'ECONNREFUSED',
      10_000,
    );

    // both ports of the host are in the one incident
    await until(
      'both ports in the incident',
      async () => (await p.incident.findUniqueOrThrow({ where: { id: incident.id } })).ports.length === 2,
      10_000,
    );
    expect(await p.incident.count({ where: { monitorId: monitor.id } })).toBe(1);
    const down = await p.notification.findMany({
      where: { incidentId: incident.id, kind: 'DOWN' },
      orderBy: [{ recipientRole: 'asc' }, { channel: 'asc' }],
    });
    expect(down.map((n) => [n.recipientRole, n.channel, n.recipient, n.status === 'NO' ? 'NO' : 'ON'])).toEqual([
      ['CONTACT', 'EMAIL', 'contact@example.com', 'ON'],
      ['CONTACT', 'SMS', '+821012345678', 'NO'],
      ['ADMIN', 'EMAIL', 'noc@example.com', 'ON'],
    ]);
    const failures = await p.failureRun.findMany({ where: { monitorId: monitor.id } });
    const failedChecks = failures.reduce((n, f) => n + f.count, 0);
    expect(failedChecks).toBeGreaterThanOrEqual(3);
    // compacted: per port, the checks before the incident and those inside it (at most a run more per port)
    const shown = failures.map((f) => [f.port, f.count, f.firstAt.toISOString(), f.incidentId, f.flapping, f.message]);
    expect(failures.length, JSON.stringify(shown)).toBeLessThanOrEqual(2 * 2);
    expect(failures.every((f) => f.code === 'ECONNREFUSED' && f.message.includes('ECONNREFUSED'))).toBe(true);
    expect(failures.some((f) => f.incidentId === incident.id)).toBe(true);

    // another customer saw nothing of alice's monitor
    expect(bobSub.received).toEqual([]);
    expect(bobSub.errors).toEqual([]);

    // restart mid-incident: state reloads from the database, nothing is opened or sent twice
    const ledgerBefore = await p.notification.count();
    await probe2.stop();
    probe2 = createProbeRuntime({
      prisma: p,
      events: app.services.events,
      signals: app.services.signals,
      resyncMs: 1_000,
    });
    await probe2.start();
    expect(probe2.status(monitor.id)?.map((s) => s.phase)).toEqual(['DOWN', 'DOWN']);
    // as many more failed checks of each port as it takes to open an incident: a restart that
    // forgot the open incident would have opened a second one by then
    const perPort = async () => {
      await probe2!.flush();
      const rows = await p.failureRun.findMany({ where: { monitorId: monitor.id } });
      return ports.map((port) => rows.filter((f) => f.port === port).reduce((n, f) => n + f.count, 0));
    };
    const before = await perPort();
    await until(
      'three more failed checks of each port',
      async () => (await perPort()).every((n, i) => n >= before[i]! + 3),
      30_000,
    );
    expect(await p.incident.count({ where: { monitorId: monitor.id } })).toBe(1);
    expect(await p.notification.count()).toBe(ledgerBefore);
    const later = await p.failureRun.aggregate({ where: { monitorId: monitor.id }, _sum: { count: true } });
    expect(later._sum.count ?? 0).toBeGreaterThan(failedChecks);

    // the ports answer again: after 2 good checks the incident resolves with RECOVERED rows
    servers.push(await listenOn(ports[0]!), await listenOn(ports[1]!));
    const resolved = await until(
      'resolution',
      async () => {
        const i = await p.incident.findUniqueOrThrow({ where: { id: incident.id } });
        return i.resolvedAt ? i : null;
      },
      40_000,
    );
    expect(resolved.resolvedAt!.getTime()).toBeGreaterThan(incident.openedAt.getTime());
    const recovered = await until(
      'RECOVERED rows',
      async () => {
        const rows = await p.notification.findMany({ where: { incidentId: incident.id, kind: 'RECOVERED' } });
        return rows.length ? rows : null;
      },
      5_000,
    );
    expect(recovered.map((n) => `${n.recipientRole}:${n.channel}`).sort()).toEqual([
      'ADMIN:EMAIL',
      'CONTACT:EMAIL',
      'CONTACT:SMS',
    ]);
    await aliceSub.waitFor(
      (e) => e.monitorStatus.port === ports[0] && e.monitorStatus.phase === 'UP' && aliceSub.received.indexOf(e) > 2,
      10_000,
    );
    expect(bobSub.received).toEqual([]);
    aliceSub.dispose();
    bobSub.dispose();
    await aliceWs.dispose();
    await bobWs.dispose();
  }, 150_000);
});
