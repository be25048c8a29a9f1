// Issue 12 items 13, 14, 16: what a customer must not learn, and the contract's consistency.
// - createApprovalRequest answers the same for an IP that is free and one that is another
//   customer's; the admin sees the conflict on the board;
// - monitorStatus with a foreign, deleted or mistyped id is refused at once;
// - Monitor.policy reports the policy in force (the retry interval the probe applies);
// - old argument names still work (deprecated aliases) beside the <type>Id convention; failure
//   log and audit entries have ids.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { customer, ok, signIn, signInAdmin, type Auth } from '../graphql/api-helpers.ts';

const CREATE = `mutation($ip: String!) { createApprovalRequest(input: { ip: $ip, title: "box", content: "" }) { __typename ... on ValidationError { fields { path message } } ... on MutationCreateApprovalRequestSuccess { data { id ipConflict } } } }`;

describe(`what a customer must not learn; the contract (${backend})`, () => {
  let app: TestApp;
  let colo: Auth;
  let other: Auth;
  let admin: Auth;
  let otherMonitor: string;
  let ownMonitor: string;

  beforeAll(async () => {
    app = await startTestApp({ NODE_ENV: 'production' });
    await customer(app.db.prisma, 'dc-colo', { kind: 'COLOCATION', representativeIp: '1.0.0.9' });
    await customer(app.db.prisma, 'dc-other', { ips: ['1.0.0.40'] });
    colo = await signIn(app, 'dc-colo');
    other = await signIn(app, 'dc-other');
    admin = await signInAdmin(app);
    const reg = await ok<{ registerMonitor: { data: { id: string } } }>(
      app,
      other,
      `mutation { registerMonitor(input: { host: "1.0.0.40", ports: "22", intervalSec: 10, useAccountContact: true }) { ... on MutationRegisterMonitorSuccess { data { id } } ... on Error { message } } }`,
    );
    otherMonitor = reg.registerMonitor.data.id;
    const own = await ok<{ registerMonitor: { data: { id: string } } }>(
      app,
      colo,
      `mutation { registerMonitor(input: { host: "1.0.0.9", ports: "22", useAccountContact: true }) { ... on MutationRegisterMonitorSuccess { data { id } } } }`,
    );
    ownMonitor = own.registerMonitor.data.id;
  });
  afterAll(async () => {
    await app?.close();
  });

  it("an approval request for another customer's IP is answered like one for a free IP; the admin sees the conflict", async () => {
    const taken = await ok<{
      createApprovalRequest: { __typename: string; data: { id: string; ipConflict: string | null } };
    }>(app, colo, CREATE, { ip: '1.0.0.40' });
    const free = await ok<{
      createApprovalRequest: { __typename: string; data: { id: string; ipConflict: string | null } };
    }>(app, colo, CREATE, { ip: '1.0.0.41' });
    expect(taken.createApprovalRequest.__typename).toBe(free.createApprovalRequest.__typename);
    expect(taken.createApprovalRequest.data.ipConflict).toBeNull();
    expect(free.createApprovalRequest.data.ipConflict).toBeNull();
    const board = await ok<{ approvalRequests: { nodes: { ip: string; ipConflict: string | null }[] } }>(
      app,
      admin,
      `{ approvalRequests(first: 10) { nodes { ip ipConflict } } }`,
    );
    expect(board.approvalRequests.nodes.find((n) => n.ip === '1.0.0.40')?.ipConflict).toBe('dc-other');
    expect(board.approvalRequests.nodes.find((n) => n.ip === '1.0.0.41')?.ipConflict).toBeNull();
  });

  it("monitorStatus with a foreign or mistyped id is refused at once; with one's own it sends the state", async () => {
    const client = wsClient(app.url, colo);
    try {
      const foreign = subscribe(client, `subscription($id: ID!) { monitorStatus(monitorId: $id) { port phase } }`, {
        id: otherMonitor,
      });
      await expect.poll(() => JSON.stringify(foreign.errors), { timeout: 10_000 }).toContain('NOT_FOUND');
      expect(foreign.received).toEqual([]);
      const typo = subscribe(client, `subscription($id: ID!) { monitorStatus(monitorId: $id) { port phase } }`, {
        id: 'not-an-id',
      });
      await expect.poll(() => JSON.stringify(typo.errors), { timeout: 10_000 }).toMatch(/BAD_USER_INPUT|NOT_FOUND/);
      const own = subscribe<{ monitorStatus: { port: number } }>(
        client,
        `subscription($id: ID!) { monitorStatus(monitorId: $id) { port phase } }`,
        { id: ownMonitor },
      );
      await own.waitFor((e) => e.monitorStatus.port === 22, 10_000);
      // each published change reaches the subscriber once, in order (the engine publishes each
      // state once: test/security/port-status-once.test.ts)
      const account = await app.db.prisma.account.findUniqueOrThrow({ where: { loginId: 'dc-colo' } });
      const monitorDbId = Buffer.from(ownMonitor, 'base64').toString().split(':')[1]!;
      const ev = {
        monitorId: monitorDbId,
        accountId: account.id,
        host: '1.0.0.9',
        port: 22,
        phase: 'DOWN',
        since: new Date(),
        lastCheckAt: new Date(),
        lastOk: false,
        lastLatencyMs: 3,
        lastErrorCode: 'ECONNREFUSED',
        lastErrorMessage: 'refused',
      };
      const initial = own.received.length;
      app.services.events.portStatus(ev);
      app.services.events.portStatus({
        ...ev,
        phase: 'UP',
        lastOk: true,
        lastErrorCode: null,
        lastCheckAt: new Date(ev.lastCheckAt.getTime() + 1000),
      });
      await expect.poll(() => own.received.length - initial, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
      await new Promise((r) => setTimeout(r, 200));
      expect(own.received.slice(initial).map((e) => (e.monitorStatus as { phase?: string }).phase)).toEqual([
        'DOWN',
        'UP',
      ]);
      own.dispose();
    } finally {
      await client.dispose();
    }
  });

  it('Monitor.policy reports the retry interval the probe applies (never above the interval)', async () => {
    const d = await ok<{ node: { policy: { intervalSec: number; retryIntervalSec: number } } }>(
      app,
      other,
      `query($id: ID!) { node(id: $id) { ... on Monitor { policy { intervalSec retryIntervalSec } } } }`,
      { id: otherMonitor },
    );
    expect(d.node.policy.intervalSec).toBe(10);
    expect(d.node.policy.retryIntervalSec).toBe(10); // the default is 30 s; the probe retries every 10 s
  });

  it('old argument names keep working beside the <type>Id ones; failure log and audit entries have ids', async () => {
    const q = (arg: string) =>
      `query($id: ID!) { failureLog(${arg}: $id, first: 5) { totalCount nodes { id at } } incidents(${arg}: $id) { totalCount } }`;
    const byNew = await ok(app, other, q('monitorId'), { id: otherMonitor });
    const byOld = await ok(app, other, q('monitor'), { id: otherMonitor });
    expect(byNew).toEqual(byOld);
    const log = await ok<{ monitorLog: { __typename: string } }>(
      app,
      other,
      `query($id: ID!) { monitorLog(monitorId: $id, granularity: DAY, from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z") { __typename } }`,
      { id: otherMonitor },
    );
    expect(log.monitorLog.__typename).toBe('QueryMonitorLogSuccess');
    const missing = await app.gql(`{ failureLog(first: 5) { totalCount } }`, {}, other);
    expect(missing.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const audit = await ok<{ auditLog: { nodes: { id: string; number: string }[] } }>(
      app,
      admin,
      `{ auditLog(first: 3) { nodes { id number } } }`,
    );
    for (const n of audit.auditLog.nodes) expect(n.id).toMatch(/^[A-Za-z0-9+/=]+$/);
    expect(new Set(audit.auditLog.nodes.map((n) => n.id)).size).toBe(audit.auditLog.nodes.length);
  });
});
