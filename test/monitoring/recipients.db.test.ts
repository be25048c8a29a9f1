// Admin alert recipients take effect at once: in the process that saved them before the mutation
// answers, and in another process (its own Events on the shared bus) through the event fan-out,
// not at the 10 s resync (turned off here). A deleted or switched-off recipient is not alerted.
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import {
  createAdminRecipient,
  deleteAdminRecipient,
  updateAdminRecipient,
} from '../../server/services/admin-settings.ts';
import { createEvents, type Events } from '../../server/events/events.ts';
import { createSignals } from '../../server/events/signals.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import type { ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';

async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe(`admin recipients take effect at once (${backend})`, () => {
  let t: TestDatabase;
  const probes: ProbeRuntime[] = [];
  afterAll(async () => {
    for (const p of probes) await p.stop();
    await t?.drop();
  });

  it('in the saving process and, through the fan-out, in another one', async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    const admin = await p.account.create({
      data: {
        loginId: 'boss',
        name: 'Boss',
        email: 'boss@example.com',
        passwordHash: 'x',
        role: 'ADMIN',
        language: 'en',
      },
    });
    const viewer: Viewer = {
      accountId: admin.id,
      loginId: 'boss',
      role: 'ADMIN',
      kind: null,
      language: 'en',
      via: 'session',
    };
    const owner = await makeCustomer(p, 'owner');
    const port = await closedPort();

    // two "processes" on one event bus (as Redis would be): each its own Events
    const bus = new EventTarget();
    const here = createEvents(bus as unknown as Parameters<typeof createEvents>[0]);
    const there = createEvents(bus as unknown as Parameters<typeof createEvents>[0]);
    const deps: ServiceDeps = {
      prisma: p,
      events: here,
      signals: createSignals(),
      now: () => new Date(),
      secret: 'test-installation-secret-0123456789',
      publicUrl: 'https://pw.example.com',
    };
    const probeOf = (events: Events, nodeId: string) => {
      const probe = createProbeRuntime({ prisma: p, events, nodeId, resyncMs: 600_000, flushMs: 100 });
      probes.push(probe);
      return probe;
    };
    const local = probeOf(here, 'here');
    await local.start();

    // an incident opened right after the save: with threshold 1, the first failed check opens it
    let n = 0;
    const incidentNow = async (probe: ProbeRuntime) => {
      n++;
      const m = await makeMonitor(p, {
        accountId: owner.id,
        ip: `127.0.${n}.1`,
        probeHost: '127.0.0.1',
        ports: [port],
        failureThreshold: 1,
        intervalSec: 60,
      });
      probe.monitorChanged(m.id);
      const end = Date.now() + 15_000;
      for (;;) {
        await probe.flush();
        const i = await p.incident.findFirst({ where: { monitorId: m.id }, include: { notifications: true } });
        if (i)
          return i.notifications
            .filter((r) => r.recipientRole === 'ADMIN')
            .map((r) => `${r.channel}:${r.recipient}:${r.status}`)
            .sort();
        if (Date.now() > end) throw new Error('no incident');
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const noc = await createAdminRecipient(deps, viewer, {
      name: 'NOC',
      email: 'noc@example.com',
      phone: '010-9999-0000',
      language: 'en',
    });
    expect(await incidentNow(local)).toEqual(['EMAIL:noc@example.com:QUEUED', 'SMS:+821099990000:QUEUED']);

    await updateAdminRecipient(deps, viewer, noc.id, { smsEnabled: false });
    expect(await incidentNow(local)).toEqual(['EMAIL:noc@example.com:QUEUED', 'SMS:+821099990000:NO']);

    // the other process: it loaded the list at its start, then hears of every change
    await local.stop();
    const remote = probeOf(there, 'there');
    await remote.start();
    await deleteAdminRecipient(deps, viewer, noc.id);
    await createAdminRecipient(deps, viewer, { name: 'Night', email: 'night@example.com', language: 'ko' });
    await new Promise((r) => setTimeout(r, 300)); // the fan-out is asynchronous
    expect(await incidentNow(remote)).toEqual(['EMAIL:night@example.com:QUEUED']);
  }, 150_000);
});
