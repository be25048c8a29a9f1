// The tenancy matrix: customer A reads, changes, deletes and subscribes to each of customer B's
// objects by global ID and gets nothing (null, NOT_FOUND, an empty list, no events), and B's
// rows stay as they were.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiToken } from '../../server/services/auth.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { at, customer, gid, list, ok, RESULT, signIn, type Auth } from './api-helpers.ts';

describe(`tenancy matrix (${backend})`, () => {
  let app: TestApp;
  let a: Auth;
  const b: Record<string, string> = {};
  let bMonitorId: string;
  let bobSecret: string;

  beforeAll(async () => {
    app = await startTestApp();
    const p = app.db.prisma;
    await customer(p, 'alice', { kind: 'COLOCATION', representativeIp: '1.0.0.1' });
    const bob = await customer(p, 'bob', { kind: 'COLOCATION', representativeIp: '1.0.0.2', ips: ['9.9.9.9'] });
    const server = bob.servers[0]!;
    const m = await p.monitor.create({
      data: {
        accountId: bob.account.id,
        serverId: server.id,
        activeServerId: server.id,
        host: server.ip,
        ports: [22],
        contactName: 'B',
        contactEmail: 'b@example.com',
      },
    });
    bMonitorId = m.id;
    const inc = await p.incident.create({
      data: {
        monitorId: m.id,
        accountId: bob.account.id,
        openMonitorId: m.id,
        host: m.host,
        ports: [22],
        reason: 'ECONNREFUSED',
      },
    });
    const note = await p.notification.create({
      data: {
        incidentId: inc.id,
        accountId: bob.account.id,
        kind: 'DOWN',
        channel: 'EMAIL',
        recipient: 'b@example.com',
        recipientRole: 'CONTACT',
        status: 'YES',
      },
    });
    await p.failureRun.create({
      data: {
        monitorId: m.id,
        port: 22,
        firstAt: new Date(),
        lastAt: new Date(),
        count: 1,
        slots: [1],
        code: 'ECONNREFUSED',
        message: 'refused',
        incidentId: inc.id,
      },
    });
    const req = await p.approvalRequest.create({
      data: { accountId: bob.account.id, ip: '4.4.4.4', title: 'B request', content: 'x' },
    });
    const { token, secret } = await createApiToken(
      app.services,
      {
        accountId: bob.account.id,
        loginId: 'bob',
        role: 'CUSTOMER',
        kind: 'COLOCATION',
        language: 'en',
        via: 'session',
      },
      { name: 'b' },
    );
    Object.assign(b, {
      Account: gid('Account', bob.account.id),
      Server: gid('Server', server.id),
      Monitor: gid('Monitor', m.id),
      Incident: gid('Incident', inc.id),
      Notification: gid('Notification', note.id),
      ApprovalRequest: gid('ApprovalRequest', req.id),
      ApiToken: gid('ApiToken', token.id),
    });
    bobSecret = secret;
    a = await signIn(app, 'alice');
  });
  afterAll(() => app?.close());

  it('reads nothing of B by global ID: node, nodes and the typed lookups', async () => {
    for (const [type, id] of Object.entries(b)) {
      const r = await ok(app, a, `query($id: ID!) { node(id: $id) { id __typename } }`, { id });
      expect(at(r, 'node'), type).toBeNull();
    }
    const many = await ok(app, a, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, { ids: Object.values(b) });
    expect(at(many, 'nodes')).toEqual(Object.values(b).map(() => null));
    const typed = await ok(
      app,
      a,
      `query($m: ID!, $i: ID!, $n: ID!) {
      monitor(id: $m) { id }
      failureLog(monitor: $m) { totalCount nodes { at } }
      incidents(monitor: $m) { totalCount }
      notifications(incident: $i) { totalCount }
      monitorLog(monitor: $m, granularity: YEAR, from: "2020-01-01T00:00:00Z", to: "2030-01-01T00:00:00Z") { __typename }
      servers(account: $n) { totalCount }
      monitors(account: $n, includeDeleted: true) { totalCount }
      approvalRequests(account: $n) { totalCount }
      all: incidents { totalCount } notes: notifications { totalCount }
    }`,
      { m: b.Monitor, i: b.Incident, n: b.Account },
    );
    expect(typed).toEqual({
      monitor: null,
      failureLog: { totalCount: 0, nodes: [] },
      incidents: { totalCount: 0 },
      notifications: { totalCount: 0 },
      monitorLog: { __typename: 'NotFoundError' },
      servers: { totalCount: 1 }, // only A's own representative server: the account filter is for admins
      monitors: { totalCount: 0 },
      approvalRequests: { totalCount: 0 },
      all: { totalCount: 0 },
      notes: { totalCount: 0 },
    });
  });

  it('while B itself reads every one of them, incidents with their messages and timelines', async () => {
    const bob = await signIn(app, 'bob');
    for (const [type, id] of Object.entries(b)) {
      const r = await ok(app, bob, `query($id: ID!) { node(id: $id) { id __typename } }`, { id });
      expect(at(r, 'node'), type).toEqual({ id, __typename: type });
    }
    const note = await app.db.prisma.notification.findFirstOrThrow();
    await app.db.prisma.notificationEvent.createMany({
      data: [
        { notificationId: note.id, status: 'QUEUED', at: new Date('2026-03-01T00:00:00Z') },
        { notificationId: note.id, status: 'YES', at: new Date('2026-03-01T00:00:02Z'), detail: '250 OK' },
      ],
    });
    const r = await ok(
      app,
      bob,
      `query($id: ID!) { node(id: $id) { ... on Incident { open reason ports monitor { host }
      notifications { nodes { channel status recipient events { status detail } } } } } }`,
      { id: b.Incident },
    );
    expect(at(r, 'node')).toEqual({
      open: true,
      reason: 'ECONNREFUSED',
      ports: [22],
      monitor: { host: '9.9.9.9' },
      notifications: {
        nodes: [
          {
            channel: 'EMAIL',
            status: 'YES',
            recipient: 'b@example.com',
            events: [
              { status: 'QUEUED', detail: null },
              { status: 'YES', detail: '250 OK' },
            ],
          },
        ],
      },
    });
  });

  it('changes and deletes nothing of B', async () => {
    const mutations: [string, string, Record<string, unknown>][] = [
      [
        'updateMonitor',
        `mutation($id: ID!) { updateMonitor(input: { monitor: $id, ports: "80" }) { ${RESULT} } }`,
        { id: b.Monitor },
      ],
      ['pauseMonitor', `mutation($id: ID!) { pauseMonitor(id: $id) { ${RESULT} } }`, { id: b.Monitor }],
      ['resumeMonitor', `mutation($id: ID!) { resumeMonitor(id: $id) { ${RESULT} } }`, { id: b.Monitor }],
      ['deleteMonitor', `mutation($id: ID!) { deleteMonitor(id: $id) { ${RESULT} } }`, { id: b.Monitor }],
      ['revokeApiToken', `mutation($id: ID!) { revokeApiToken(id: $id) { __typename } }`, { id: b.ApiToken }],
    ];
    for (const [name, q, v] of mutations) {
      const r = await ok(app, a, q, v);
      expect(at(r, `${name}.__typename`), name).toBe('NotFoundError');
    }
    // B's server cannot be registered by A: the same field error as for any IP A does not own
    const reg = await ok(
      app,
      a,
      `mutation($s: ID!) { registerMonitor(input: { server: $s, ports: "22", useAccountContact: true }) { ${RESULT} } }`,
      { s: b.Server },
    );
    expect(at(reg, 'registerMonitor.fields')).toEqual([
      { path: ['input', 'server'], message: 'No such server in your inventory' },
    ]);
    const byIp = await ok(
      app,
      a,
      `mutation { registerMonitor(input: { host: "9.9.9.9", ports: "22", useAccountContact: true }) { ${RESULT} } }`,
    );
    expect(at(byIp, 'registerMonitor.__typename')).toBe('ValidationError');
    const m = await app.db.prisma.monitor.findUniqueOrThrow({ where: { id: bMonitorId } });
    expect(m).toMatchObject({ ports: [22], pausedAt: null, deletedAt: null });
    expect(await app.db.prisma.monitor.count()).toBe(1);
    expect(await app.db.prisma.apiToken.count({ where: { revokedAt: { not: null } } })).toBe(0);
  });

  it("hears nothing of B: subscriptions by B's monitor id give no data", async () => {
    const client = wsClient(app.url, a);
    const status = subscribe(client, `subscription($m: ID!) { monitorStatus(monitorId: $m) { port phase } }`, {
      m: b.Monitor,
    });
    const checks = subscribe(client, `subscription($m: ID!) { checkResults(monitorId: $m) { port ok } }`, {
      m: b.Monitor,
    });
    const requests = subscribe(client, `subscription { approvalRequestChanged { change request { id } } }`);
    const incidents = subscribe(client, `subscription { incidentChanged { incidentId } }`);
    const ledger = subscribe(client, `subscription { notificationChanged { notificationId status } }`);
    try {
      // every subscription settled before anything is published (a fixed wait raced a loaded
      // machine, and a test that publishes before A listens would pass without checking anything):
      // B's monitor is NOT_FOUND for A, the account-wide streams listen under A's scope only
      const alice = await app.db.prisma.account.findUniqueOrThrow({ where: { loginId: 'alice' } });
      const live = app.services.events.live;
      await expect
        .poll(
          () =>
            status.errors.length > 0 &&
            checks.errors.length > 0 &&
            ['approvalRequest', 'incident', 'notification'].every((topic) => live.listeners(topic, alice.id) === 1),
          { timeout: 10_000 },
        )
        .toBe(true);
      // each ended with NOT_FOUND for B's monitor (so the portStatus events below cannot reach them)
      for (const ended of [status, checks]) expect(JSON.stringify(ended.errors)).toContain('Monitor not found');
      const ev = app.services.events;
      ev.portStatus({
        monitorId: bMonitorId,
        accountId: 'someone-else',
        host: '9.9.9.9',
        port: 22,
        phase: 'DOWN',
        since: new Date(),
        lastCheckAt: null,
        lastOk: false,
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      });
      const bob = await app.db.prisma.account.findUniqueOrThrow({ where: { loginId: 'bob' } });
      ev.portStatus({
        monitorId: bMonitorId,
        accountId: bob.id,
        host: '9.9.9.9',
        port: 22,
        phase: 'DOWN',
        since: new Date(),
        lastCheckAt: null,
        lastOk: false,
        lastLatencyMs: null,
        lastErrorCode: null,
        lastErrorMessage: null,
      });
      ev.approvalRequest({ requestId: 'x', accountId: bob.id, change: 'CREATED' });
      ev.incident({ incidentId: 'x', accountId: bob.id, change: 'OPENED' });
      ev.notification({ notificationId: 'n', incidentId: 'x', accountId: bob.id, status: 'YES' });
      // then one event of A's own: when it arrives, anything of B's published before it on the
      // same hub and connection would have arrived already
      ev.incident({ incidentId: 'alice-control', accountId: alice.id, change: 'OPENED' });
      const control = Buffer.from('Incident:alice-control').toString('base64'); // its global ID
      await incidents.waitFor((e) => JSON.stringify(e).includes(control), 10_000);
      expect(incidents.received).toHaveLength(1);
      expect(status.received).toEqual([]);
      expect(checks.received).toEqual([]);
      expect(requests.received).toEqual([]);
      expect(ledger.received).toEqual([]);
      expect(ledger.errors).toEqual([]);
    } finally {
      for (const s of [status, checks, requests, incidents, ledger]) s.dispose();
      await client.dispose();
    }
  });

  it("a partner with B's API token lists B's monitors and hears their status over WebSocket", async () => {
    const r = await app.gql(`{ monitors { totalCount nodes { id host } } }`, {}, { token: bobSecret });
    expect(r.body.data).toEqual({ monitors: { totalCount: 1, nodes: [{ id: b.Monitor, host: '9.9.9.9' }] } });
    const client = wsClient(app.url, { token: bobSecret });
    const status = subscribe<{ monitorStatus: { port: number; phase: string } }>(
      client,
      `subscription($m: ID!) { monitorStatus(monitorId: $m) { port phase } }`,
      { m: b.Monitor },
    );
    try {
      await status.waitFor((e) => e.monitorStatus.port === 22, 10_000);
    } finally {
      status.dispose();
      await client.dispose();
    }
  });

  it("lists only A's own objects", async () => {
    const r = await ok(
      app,
      a,
      `{ servers { nodes { ip } } approvalRequests { totalCount } monitors(includeDeleted: true) { totalCount } }`,
    );
    expect(list(r, 'servers.nodes')).toEqual([{ ip: '1.0.0.1' }]);
    expect(r).toMatchObject({ approvalRequests: { totalCount: 0 }, monitors: { totalCount: 0 } });
  });
});
