// Tenancy across processes: customer A, signed in on process 2, can neither read nor change B's
// monitor (which process 1 serves too), and live events raised on process 1 for B's monitor reach
// B on process 2 through Redis, never A.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downEvent } from '../helpers/raw-ws.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { subscribe, wsClient, type Subscription } from '../helpers/ws.ts';
import { gid } from '../graphql/api-helpers.ts';
import { haveRedis, redisTestUrl, testPrefix } from './redis.ts';

const redis = await haveRedis();
type Change = { monitorStatus: { monitorId: string; lastErrorCode: string | null } };

describe.skipIf(!redis)(`tenancy over two processes (${backend})`, () => {
  let p1: TestApp;
  let p2: TestApp;
  const ids = { a: '', b: '', aAccount: '', bAccount: '' };
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    const env = { REDIS_URL: redisTestUrl.toString(), REDIS_PREFIX: testPrefix() };
    p1 = await startTestApp(env);
    p2 = await startTestApp(env, { shareDatabaseWith: p1 });
    const a = await makeCustomer(p1.db.prisma, 'tenant-a');
    const b = await makeCustomer(p1.db.prisma, 'tenant-b');
    ids.a = (await makeMonitor(p1.db.prisma, { accountId: a.id, ip: '192.0.2.1', ports: [22] })).id;
    ids.b = (await makeMonitor(p1.db.prisma, { accountId: b.id, ip: '192.0.2.2', ports: [22] })).id;
    ids.aAccount = a.id;
    ids.bAccount = b.id;
  });
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
    await p2?.close();
    await p1?.close();
  });

  it("A on process 2 reads and changes nothing of B's", async () => {
    const a = { cookie: await p2.login('tenant-a', CUSTOMER_PASSWORD) };
    const bMonitor = gid('Monitor', ids.b);
    const r = await p2.gql<Record<string, unknown>>(
      `query($m: ID!) { node(id: $m) { id } monitor(id: $m) { id host } failureLog(monitor: $m) { totalCount } incidents(monitor: $m) { totalCount } monitors { nodes { host } } }`,
      { m: bMonitor },
      a,
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      node: null,
      monitor: null,
      failureLog: { totalCount: 0 },
      incidents: { totalCount: 0 },
      monitors: { nodes: [{ host: '192.0.2.1' }] },
    });
    const paused = await p2.gql<{ pauseMonitor: { __typename: string } }>(
      `mutation($m: ID!) { pauseMonitor(id: $m) { __typename } }`,
      { m: bMonitor },
      a,
    );
    expect(paused.body.data?.pauseMonitor.__typename).toBe('NotFoundError');
    const deleted = await p2.gql<{ deleteMonitor: { __typename: string } }>(
      `mutation($m: ID!) { deleteMonitor(id: $m) { __typename } }`,
      { m: bMonitor },
      a,
    );
    expect(deleted.body.data?.deleteMonitor.__typename).toBe('NotFoundError');
    expect(await p1.db.prisma.monitor.findUniqueOrThrow({ where: { id: ids.b } })).toMatchObject({
      pausedAt: null,
      deletedAt: null,
    });
  });

  it("B's live events raised on process 1 reach B on process 2, never A", async () => {
    const watch = async (loginId: string, monitorId?: string) => {
      const client = wsClient(p2.url, { cookie: await p2.login(loginId, CUSTOMER_PASSWORD) });
      cleanups.push(() => client.dispose());
      const sub: Subscription<Change> = subscribe<Change>(
        client,
        `subscription($m: ID) { monitorStatus(monitorId: $m) { monitorId lastErrorCode } }`,
        monitorId ? { m: monitorId } : {},
      );
      cleanups.push(() => sub.dispose());
      await sub.waitFor(() => true, 10_000); // the current state of its own ports first
      return sub;
    };
    const aAll = await watch('tenant-a');
    const bAll = await watch('tenant-b');
    // A asking for B's monitor by id gets nothing of it
    const aPeek = subscribe<Change>(
      wsClient(p2.url, { cookie: await p2.login('tenant-a', CUSTOMER_PASSWORD) }),
      `subscription($m: ID) { monitorStatus(monitorId: $m) { monitorId lastErrorCode } }`,
      { m: gid('Monitor', ids.b) },
    );
    cleanups.push(() => aPeek.dispose());

    const at = { host: '192.0.2.9', port: 22, lastErrorMessage: 'x' };
    p1.services.events.portStatus(downEvent(ids.b, ids.bAccount, 'FOR-B', at));
    p1.services.events.portStatus(downEvent(ids.a, ids.aAccount, 'FOR-A', at));
    await bAll.waitFor((c) => c.monitorStatus.lastErrorCode === 'FOR-B', 5_000);
    await aAll.waitFor((c) => c.monitorStatus.lastErrorCode === 'FOR-A', 5_000);
    await new Promise((r) => setTimeout(r, 300));
    const seen = (s: Subscription<Change>) => s.received.map((c) => c.monitorStatus.lastErrorCode);
    expect(seen(aAll)).not.toContain('FOR-B');
    expect(seen(bAll)).not.toContain('FOR-A');
    expect(aPeek.received).toEqual([]);
    expect(aAll.received.every((c) => c.monitorStatus.monitorId === gid('Monitor', ids.a))).toBe(true);
  });
});
