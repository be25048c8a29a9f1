// Issue 12.8: monitorStatus subscriptions that start together share one database read of the
// current state (a dashboard's tabs, a partner's workers, a reconnect storm after a restart),
// instead of one read (and one tenancy check) each. Every subscription still gets its own
// monitors' state first, and a foreign monitor is still NOT_FOUND.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../server/db/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { gid } from '../graphql/api-helpers.ts';

type Status = { monitorStatus: { monitorId: string; port: number } };
const ONE = `subscription($id: ID) { monitorStatus(monitorId: $id) { monitorId port } }`;

describe(`monitorStatus subscriptions share the read of the current state (${backend})`, () => {
  let app: TestApp;
  const reads: string[] = [];

  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
    const base = app.services.prisma;
    app.services.prisma = base.$extends({
      query: {
        monitor: {
          $allOperations({ operation, args, query }) {
            if (operation === 'findMany' || operation === 'count') reads.push(operation);
            return query(args);
          },
        },
      },
    }) as unknown as PrismaClient;
  });
  afterAll(async () => {
    await app?.close();
  });

  it('40 subscriptions started together over 4 sockets: a few reads, each subscription its own state', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'shared-alice');
    const bob = await makeCustomer(p, 'shared-bob');
    const mine: Awaited<ReturnType<typeof makeMonitor>>[] = [];
    for (let i = 0; i < 5; i++)
      mine.push(await makeMonitor(p, { accountId: alice.id, ip: `198.51.100.${i + 1}`, ports: [22, 80] }));
    const foreign = await makeMonitor(p, { accountId: bob.id, ip: '198.51.100.99', ports: [22] });
    const cookie = await app.login('shared-alice', CUSTOMER_PASSWORD);
    const clients = Array.from({ length: 4 }, () => wsClient(app.url, { cookie }));
    try {
      // connect first (authentication is not what is measured)
      const warm = clients.map((c) => subscribe<Status>(c, ONE, { id: gid('Monitor', mine[0]!.id) }));
      await Promise.all(warm.map((w) => w.waitFor(() => true, 20_000)));
      for (const w of warm) w.dispose();
      reads.length = 0;

      const subs = clients.flatMap((c) =>
        Array.from({ length: 10 }, (_, i) => {
          const id = i === 9 ? null : mine[i % 5]!.id;
          return { id, sub: subscribe<Status>(c, ONE, { id: id ? gid('Monitor', id) : null }) };
        }),
      );
      const stranger = subscribe<Status>(clients[0]!, ONE, { id: gid('Monitor', foreign.id) });
      for (const { id, sub } of subs) {
        const expected = id ? 2 : 10; // one monitor's two ports, or all five monitors' ports
        await expect.poll(() => sub.received.length, { timeout: 20_000 }).toBe(expected);
        const ids = new Set(sub.received.map((e) => e.monitorStatus.monitorId));
        expect(ids).toEqual(new Set(id ? [gid('Monitor', id)] : mine.map((m) => gid('Monitor', m.id))));
      }
      await expect.poll(() => JSON.stringify(stranger.errors), { timeout: 10_000 }).toContain('NOT_FOUND');
      expect(stranger.received).toEqual([]);
      // 41 subscriptions: before, 82 reads (a tenancy count and a findMany each)
      expect(reads.length).toBeLessThanOrEqual(10);
    } finally {
      await Promise.all(clients.map((c) => c.dispose()));
    }
  });
});
