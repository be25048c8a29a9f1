// Issue 11 item 3: messages claimed (SENDING) by a process that is known dead are taken back at
// once, without waiting for their lease: a process whose heartbeat is older than the bound, one
// whose row is gone (replaced by its own restart), while a live process's claims and anonymous
// claims (no node) wait for their lease. Both backends.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEmailChannel } from '../../server/notify/email.ts';
import { createNoneProvider } from '../../server/notify/sms/none.ts';
import { createDispatcher } from '../../server/dispatch/dispatcher.ts';
import { createNodeRegistry } from '../../server/cluster/nodes.ts';
import nodemailer from 'nodemailer';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/index.ts';
import { makeDeps, makeIncident, queueRows, waitFor } from './helpers.ts';

describe(`claims of a dead process (${backend})`, () => {
  let t: TestDatabase;
  let sink: SmtpSink;
  const cleanups: (() => unknown)[] = [];
  beforeAll(async () => {
    t = await createTestDatabase();
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await sink.close();
    await t.drop();
  });

  it("takes back a dead or replaced node's claims at once, never a live node's", async () => {
    const prisma = t.db.prisma;
    const { incident } = await makeIncident(prisma);
    const rows = await queueRows(
      prisma,
      incident,
      ['silent', 'replaced', 'alive', 'anonymous'].map((r) => ({
        channel: 'EMAIL' as const,
        recipient: `${r}@example.com`,
      })),
    );
    // three processes: one silent for a minute, one alive; "replaced" has no row any more
    await prisma.$executeRawUnsafe(
      `INSERT INTO "ProbeNode" ("id","startedAt","heartbeatAt","probing") VALUES ('silent', now() - interval '1 hour', (now() AT TIME ZONE 'UTC') - interval '60 seconds', false)`,
    );
    const alive = createNodeRegistry({ prisma, nodeId: 'alive', probing: false, heartbeatMs: 200 });
    await alive.start();
    cleanups.push(() => alive.stop());
    // each row claimed by its process, with a lease that would last ten more minutes
    const lockedUntil = new Date(Date.now() + 600_000);
    for (const [i, by] of ['silent', 'replaced', 'alive', null].entries()) {
      await prisma.notification.update({
        where: { id: rows[i]!.id },
        data: { status: 'SENDING', attempts: 1, lockedUntil, lockedBy: by },
      });
    }

    const transporter = nodemailer.createTransport({ ...sink.transportOptions });
    cleanups.push(() => transporter.close());
    const me = createNodeRegistry({ prisma, nodeId: 'me', probing: false });
    await me.start();
    cleanups.push(() => me.stop());
    const d = createDispatcher(makeDeps(prisma), {
      email: createEmailChannel({
        transporter,
        from: 'portwatch <alerts@pw.example.com>',
        messageIdDomain: 'pw.example.com',
      }),
      sms: createNoneProvider(),
      pollMs: 100,
      node: { nodeId: 'me', deadAfterMs: 5_000 },
    });
    cleanups.push(() => d.stop());
    const started = Date.now();
    d.start();
    await waitFor(
      async () => (await prisma.notification.count({ where: { incidentId: incident.id, status: 'YES' } })) === 2,
      10_000,
      "the dead nodes' rows sent",
    );
    console.log(
      `[dead node] claims of a dead and a replaced process resent ${Date.now() - started} ms after the dispatcher started`,
    );
    await new Promise((r) => setTimeout(r, 1_000)); // a few more polls: the others must stay put
    const after = await prisma.notification.findMany({
      where: { incidentId: incident.id },
      include: { events: true },
      orderBy: { recipient: 'asc' },
    });
    const by: Record<string, (typeof after)[number]> = Object.fromEntries(
      after.map((r) => [r.recipient.split('@')[0] ?? '', r]),
    );
    expect(by.silent?.status).toBe('YES');
    expect(by.replaced?.status).toBe('YES');
    for (const r of [by.silent, by.replaced]) {
      expect(r?.attempts).toBe(2);
      expect(r?.events.some((e) => e.detail?.includes('its process is gone'))).toBe(true);
    }
    // a live process's claim and an anonymous one are left to their lease
    expect(by.alive?.status).toBe('SENDING');
    expect(by.anonymous?.status).toBe('SENDING');
    expect(sink.received.map((m) => m.rcptTo[0]?.address).sort()).toEqual([
      'replaced@example.com',
      'silent@example.com',
    ]);
  });
});
