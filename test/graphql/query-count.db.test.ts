// Lists make a bounded number of database operations: the same query over a page of 3 and a
// page of 25 rows (each with nested relations) costs the same. Every Prisma operation the API
// issues for the measured request is counted through a client extension swapped into the
// services; the request runs in-process (yoga.fetch) inside an AsyncLocalStorage scope, so
// background loops (dispatcher, probe) sharing the client are not counted.
import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../server/db/index.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { customer, list, ok, signIn, signInAdmin, type Auth } from './api-helpers.ts';
import { insertHourlyRollups } from '../helpers/rollups.ts';

const N = 25;

function countOperations(app: TestApp) {
  const base = app.services.prisma;
  const scope = new AsyncLocalStorage<string[]>();
  const counted = base.$extends({
    query: {
      $allOperations({ model, operation, args, query }) {
        scope.getStore()?.push(`${model ?? ''}.${operation}`);
        return query(args);
      },
    },
  });
  app.services.prisma = counted as unknown as PrismaClient;
  return {
    /** Runs one operation in-process and returns the Prisma operations it made. */
    async measure(auth: Auth, query: string, variables: Record<string, unknown>): Promise<string[]> {
      const ops: string[] = [];
      const res = await scope.run(ops, () =>
        app.app.fetch(`${app.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', cookie: auth.cookie },
          body: JSON.stringify({ query, variables }),
        }),
      );
      const body = (await res.json()) as { errors?: unknown };
      expect(body.errors).toBeUndefined();
      return ops;
    },
    restore: () => {
      app.services.prisma = base;
    },
  };
}

describe(`query counts (${backend})`, () => {
  let app: TestApp;
  let alice: Auth;
  let admin: Auth;
  let counter: ReturnType<typeof countOperations>;

  beforeAll(async () => {
    app = await startTestApp();
    const p = app.db.prisma;
    const ips = Array.from({ length: N }, (_, i) => `8.8.${i}.1`);
    const { account, servers } = await customer(p, 'alice', { ips, kind: 'COLOCATION', representativeIp: '1.0.0.1' });
    const t0 = new Date('2026-03-01T00:00:00Z');
    for (const s of servers.filter((x) => x.ip !== '1.0.0.1')) {
      const m = await p.monitor.create({
        data: {
          accountId: account.id,
          serverId: s.id,
          activeServerId: s.id,
          host: s.ip,
          ports: [22, 80],
          contactName: 'K',
          contactEmail: 'k@example.com',
        },
      });
      await p.portState.createMany({
        data: [22, 80].map((port) => ({ monitorId: m.id, port, phase: 'UP' as const, lastCheckAt: t0 })),
      });
      await p.maintenanceWindow.create({
        data: { monitorId: m.id, kind: 'WEEKLY', weekday: 1, startMinute: 0, durationMin: 30 },
      });
      const inc = await p.incident.create({
        data: { monitorId: m.id, accountId: account.id, host: s.ip, ports: [80], openedAt: t0, resolvedAt: t0 },
      });
      const n = await p.notification.create({
        data: {
          incidentId: inc.id,
          accountId: account.id,
          kind: 'DOWN',
          channel: 'EMAIL',
          recipient: 'k@example.com',
          recipientRole: 'CONTACT',
          status: 'READ',
        },
      });
      await p.notificationEvent.createMany({
        data: [
          { notificationId: n.id, status: 'YES' },
          { notificationId: n.id, status: 'READ' },
        ],
      });
      await p.failureRun.create({
        data: {
          monitorId: m.id,
          port: 80,
          firstAt: t0,
          lastAt: t0,
          count: 1,
          slots: [1],
          code: 'ECONNREFUSED',
          message: 'refused',
          incidentId: inc.id,
        },
      });
      await insertHourlyRollups(p, [{ monitorId: m.id, port: 80, hour: t0, checks: 20, failures: 1, downSeconds: 60 }]);
      await p.approvalRequest.create({
        data: { accountId: account.id, ip: `5.5.${servers.indexOf(s)}.5`, title: 't', content: 'c' },
      });
      await p.auditLog.create({
        data: { actorId: account.id, action: 'monitor.register', targetType: 'Monitor', targetId: m.id },
      });
    }
    alice = await signIn(app, 'alice');
    admin = await signInAdmin(app);
    counter = countOperations(app);
  });
  afterAll(async () => {
    counter?.restore();
    await app?.close();
  });

  const cases: [string, string, 'alice' | 'admin'][] = [
    [
      'monitors',
      `query($n: Int) { monitors(first: $n) { totalCount nodes { id host ports status { state text } portStatuses { port phase }
      policy { intervalSec } maintenanceWindows { kind } server { ip registered } account { loginId }
      incidents(first: 2) { nodes { reason notifications { nodes { status events { status } } } } }
      yearlyStatistics { year checks mailsSent } } } }`,
      'alice',
    ],
    [
      'admin monitors',
      `query($n: Int) { monitors(first: $n, search: "8.8.") { nodes { host account { loginId } status { state } } } }`,
      'admin',
    ],
    ['servers', `query($n: Int) { servers(first: $n) { nodes { ip registered account { loginId } } } }`, 'alice'],
    [
      'incidents',
      `query($n: Int) { incidents(first: $n) { nodes { reason monitor { host } notifications { nodes { status events { status } } } } } }`,
      'alice',
    ],
    [
      'notifications',
      `query($n: Int) { notifications(first: $n) { nodes { status incident { host } events { status } } } }`,
      'alice',
    ],
    [
      'approvalRequests',
      `query($n: Int) { approvalRequests(first: $n) { totalCount nodes { number representativeIp account { loginId } seenBy { loginId } server { ip } } } }`,
      'admin',
    ],
    [
      'customers',
      `query($n: Int) { customers(first: $n) { nodes { loginId serverCount monitorCount servers(first: 5) { nodes { ip } } } } }`,
      'admin',
    ],
    ['auditLog', `query($n: Int) { auditLog(first: $n) { nodes { action actor { loginId } } } }`, 'admin'],
  ];

  it.each(cases)('%s: the same number of operations for 3 rows and for 25', async (_name, query, who) => {
    const auth = who === 'admin' ? admin : alice;
    const small = await counter.measure(auth, query, { n: 3 });
    const large = await counter.measure(auth, query, { n: N });
    expect(large).toEqual(small);
    expect(large.length).toBeGreaterThan(1);
    expect(large.length).toBeLessThanOrEqual(8);
    if (process.env.SHOW_OPS) console.log(_name, large);
  });

  it('failureLog (the drill-down with MAIL / SMS columns) too', async () => {
    const mine = await ok(app, alice, `{ monitors(first: 30) { nodes { id } } }`);
    const ids = list(mine, 'monitors.nodes').map((n) => n.id as string);
    expect(ids.length).toBe(N);
    const q = `query($m: ID!, $n: Int) { failureLog(monitor: $m, first: $n) { nodes { at port message incident { reason } mail { status } sms { status } } } }`;
    const one = await counter.measure(alice, q, { m: ids[0], n: 1 });
    const many = await counter.measure(alice, q, { m: ids[1], n: 50 });
    expect(many).toEqual(one);
  });
});
