import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_SCOPE } from '../../server/events/events.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { at, customer, errorPaths, list, ok, RESULT, signIn, signInAdmin, str, type Auth } from './api-helpers.ts';

const CREATE = `mutation($input: CreateApprovalRequestInput!) { createApprovalRequest(input: $input) { ${RESULT}
  ... on MutationCreateApprovalRequestSuccess { data { id number ip title status representativeIp account { loginId } } } } }`;
const action = (name: string) =>
  `mutation($id: ID!) { ${name}(id: $id) { ${RESULT} ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { id status seenAt decidedAt seenBy { loginId } server { ip source } } } } }`;
const REJECT = `mutation($input: RejectApprovalRequestInput!) { rejectApprovalRequest(input: $input) { ${RESULT}
  ... on MutationRejectApprovalRequestSuccess { data { status rejectReason decidedAt } } } }`;
const BOARD = `query($s: String, $first: Int, $after: String, $last: Int, $before: String) {
  approvalRequests(search: $s, first: $first, after: $after, last: $last, before: $before) {
    totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } nodes { number title status account { loginId } seenBy { loginId } } } }`;

describe(`approval board (${backend})`, () => {
  let app: TestApp;
  let admin: Auth;
  let colo: Auth;
  let colo2: Auth;
  let hosting: Auth;

  beforeAll(async () => {
    app = await startTestApp();
    await customer(app.db.prisma, 'colo', { kind: 'COLOCATION', representativeIp: '1.0.0.1' });
    await customer(app.db.prisma, 'colo2', { kind: 'COLOCATION', representativeIp: '1.0.0.2' });
    await customer(app.db.prisma, 'hoster', { ips: ['8.8.8.8'] });
    admin = await signInAdmin(app);
    colo = await signIn(app, 'colo');
    colo2 = await signIn(app, 'colo2');
    hosting = await signIn(app, 'hoster');
  });
  afterAll(() => app?.close());

  it('a colocation customer files requests; admins hear about them live, other customers do not', async () => {
    const adminWs = wsClient(app.url, admin);
    const otherWs = wsClient(app.url, colo2);
    const SUB = `subscription { approvalRequestChanged { change request { number ip } } }`;
    const adminSub = subscribe<{ approvalRequestChanged: { change: string; request: { ip: string } | null } }>(
      adminWs,
      SUB,
    );
    const otherSub = subscribe(otherWs, SUB);
    // both subscriptions are registered before the request is filed (a fixed wait raced a loaded machine)
    const live = app.services.events.live;
    const colo2Id = (await app.db.prisma.account.findFirstOrThrow({ where: { loginId: 'colo2' } })).id;
    await expect.poll(() => live.listeners('approvalRequest', ADMIN_SCOPE), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => live.listeners('approvalRequest', colo2Id), { timeout: 10_000 }).toBe(1);
    try {
      const r = await ok(app, colo, CREATE, {
        input: { ip: '4.4.4.4', title: 'New box', content: 'Please add our new server.' },
      });
      expect(at(r, 'createApprovalRequest.data')).toMatchObject({
        ip: '4.4.4.4',
        title: 'New box',
        status: 'REQUESTED',
        representativeIp: '1.0.0.1',
        account: { loginId: 'colo' },
      });
      const event = await adminSub.waitFor((e) => e.approvalRequestChanged.change === 'CREATED');
      expect(event.approvalRequestChanged.request).toEqual({ number: expect.any(Number), ip: '4.4.4.4' });
      await new Promise((r) => setTimeout(r, 200));
      expect(otherSub.received).toEqual([]);
    } finally {
      adminSub.dispose();
      otherSub.dispose();
      await adminWs.dispose();
      await otherWs.dispose();
    }
  });

  it('refuses bad requests with field errors and writes nothing', async () => {
    const before = await app.db.prisma.approvalRequest.count();
    const bad = async (input: Record<string, string>) =>
      errorPaths(
        at(
          await ok(app, colo, CREATE, { input: { ip: '5.5.5.5', title: 'T', content: 'C', ...input } }),
          'createApprovalRequest',
        ),
      );
    expect(await bad({ title: '  ' })).toEqual(['input.title']);
    expect(await bad({ title: 'x'.repeat(201) })).toEqual(['input.title']);
    expect(await bad({ content: 'x'.repeat(5001) })).toEqual(['input.content']);
    expect(await bad({ ip: '5.5.5' })).toEqual(['input.ip']);
    expect(await bad({ ip: '1.0.0.1' })).toEqual(['input.ip']); // already in the customer's own inventory
    // another customer's IP is not refused here (that would reveal it): see test/security/disclosure.db.test.ts
    expect(await bad({ ip: '4.4.4.4' })).toEqual(['input.ip']); // already requested, still open
    expect(await bad({ ip: 'x', title: '' })).toEqual(['input.title', 'input.ip']);
    expect(await app.db.prisma.approvalRequest.count()).toBe(before);
  });

  it('a private IP may be requested; the board says so and the admin allows it explicitly at approval', async () => {
    const r = await ok(app, colo2, CREATE, {
      input: { ip: '192.168.0.10', title: 'Management port', content: 'Our BMC on the rack network.' },
    });
    const id = str(r, 'createApprovalRequest.data.id');
    const BOARD_ROW = `query($id: ID!) { node(id: $id) { ... on ApprovalRequest { ip ipRange ipConflict } } }`;
    expect(at(await ok(app, admin, BOARD_ROW, { id }), 'node')).toEqual({
      ip: '192.168.0.10',
      ipRange: 'PRIVATE',
      ipConflict: null,
    });
    // the customer sees its own request's range too
    expect(at(await ok(app, colo2, BOARD_ROW, { id }), 'node.ipRange')).toBe('PRIVATE');
    // approving without the permission: a coded field error, nothing written
    const refused = await ok(app, admin, action('approveApprovalRequest'), { id });
    expect(at(refused, 'approveApprovalRequest')).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ path: ['allowPrivate'] }],
    });
    const codes = await app.gql(
      `mutation($id: ID!) { approveApprovalRequest(id: $id) { ... on ValidationError { fields { code params } } } }`,
      { id },
      admin,
    );
    expect(codes.body.data).toEqual({
      approveApprovalRequest: {
        fields: [{ code: 'PRIVATE_NEEDS_PERMISSION', params: { ip: '192.168.0.10', range: 'PRIVATE' } }],
      },
    });
    expect(await app.db.prisma.server.count({ where: { ip: '192.168.0.10' } })).toBe(0);
    const approved = await app.gql(
      `mutation($id: ID!) { approveApprovalRequest(id: $id, allowPrivate: true) { __typename ... on MutationApproveApprovalRequestSuccess { data { status server { ip } } } } }`,
      { id },
      admin,
    );
    expect(approved.body.data).toMatchObject({
      approveApprovalRequest: { data: { status: 'APPROVED', server: { ip: '192.168.0.10' } } },
    });
    expect((await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '192.168.0.10' } })).allowPrivate).toBe(true);
  });

  it('is for colocation customers only', async () => {
    const r = await app.gql(CREATE, { input: { ip: '5.5.5.5', title: 'T', content: 'C' } }, hosting);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const byAdmin = await app.gql(CREATE, { input: { ip: '5.5.5.5', title: 'T', content: 'C' } }, admin);
    expect(byAdmin.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const open = await app.gql(action('openApprovalRequest'), { id: 'x' }, colo);
    expect(open.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('lists the board newest first with numbers, paging and title search', async () => {
    for (let i = 1; i <= 4; i++)
      await ok(app, colo, CREATE, {
        input: { ip: `5.5.5.${i}`, title: i % 2 ? `Rack ${i}` : `Other ${i}`, content: '' },
      });
    await ok(app, colo2, CREATE, { input: { ip: '6.6.6.6', title: 'Rack of colo2', content: '' } });
    const mine = await ok(app, colo, BOARD, { first: 2 });
    expect(at(mine, 'approvalRequests.totalCount')).toBe(5);
    expect(list(mine, 'approvalRequests.nodes').map((n) => n.title)).toEqual(['Other 4', 'Rack 3']);
    expect(at(mine, 'approvalRequests.pageInfo.hasNextPage')).toBe(true);
    const next = await ok(app, colo, BOARD, { first: 2, after: str(mine, 'approvalRequests.pageInfo.endCursor') });
    expect(list(next, 'approvalRequests.nodes').map((n) => n.title)).toEqual(['Other 2', 'Rack 1']);
    const prev = await ok(app, colo, BOARD, { last: 2, before: str(next, 'approvalRequests.pageInfo.startCursor') });
    expect(list(prev, 'approvalRequests.nodes').map((n) => n.title)).toEqual(['Other 4', 'Rack 3']);
    const numbers = list(mine, 'approvalRequests.nodes').map((n) => n.number as number);
    expect(numbers[0]! > numbers[1]!).toBe(true);
    expect(list(await ok(app, colo, BOARD, { s: 'rack' }), 'approvalRequests.nodes').map((n) => n.title)).toEqual([
      'Rack 3',
      'Rack 1',
    ]);
    expect(list(await ok(app, admin, BOARD, { s: 'rack' }), 'approvalRequests.nodes').map((n) => n.title)).toEqual([
      'Rack of colo2',
      'Rack 3',
      'Rack 1',
    ]);
  });

  it('opening marks SEEN once; approving adds the IP to the inventory, idempotently; rejecting needs a reason', async () => {
    const req = await app.db.prisma.approvalRequest.findFirstOrThrow({ where: { ip: '4.4.4.4' } });
    const id = Buffer.from(`ApprovalRequest:${req.id}`).toString('base64');
    const opened = await ok(app, admin, action('openApprovalRequest'), { id });
    expect(at(opened, 'openApprovalRequest.data')).toMatchObject({
      status: 'SEEN',
      seenAt: expect.any(String),
      seenBy: { loginId: 'root' },
    });
    const again = await ok(app, admin, action('openApprovalRequest'), { id });
    expect(at(again, 'openApprovalRequest.data.seenAt')).toBe(at(opened, 'openApprovalRequest.data.seenAt'));
    // the customer sees the status, not which admin
    const seenByCustomer = await ok(
      app,
      colo,
      `query($id: ID!) { node(id: $id) { ... on ApprovalRequest { status seenBy { loginId } } } }`,
      { id },
    );
    expect(at(seenByCustomer, 'node')).toEqual({ status: 'SEEN', seenBy: null });

    const approved = await ok(app, admin, action('approveApprovalRequest'), { id });
    expect(at(approved, 'approveApprovalRequest.data')).toMatchObject({
      status: 'APPROVED',
      server: { ip: '4.4.4.4', source: 'APPROVED_REQUEST' },
    });
    const twice = await ok(app, admin, action('approveApprovalRequest'), { id });
    expect(at(twice, 'approveApprovalRequest.data.status')).toBe('APPROVED');
    expect(await app.db.prisma.server.count({ where: { ip: '4.4.4.4' } })).toBe(1);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'request.approve', targetId: req.id } })).toBe(1);
    // now the customer can register it
    const drop = await ok(app, colo, `{ servers(unregistered: true) { nodes { ip } } }`);
    expect(list(drop, 'servers.nodes').map((s) => s.ip)).toEqual(['1.0.0.1', '4.4.4.4']);
    const rejectApproved = await ok(app, admin, REJECT, { input: { request: id, reason: 'no' } });
    expect(at(rejectApproved, 'rejectApprovalRequest.__typename')).toBe('ConflictError');

    const other = await app.db.prisma.approvalRequest.findFirstOrThrow({ where: { ip: '5.5.5.1' } });
    const otherId = Buffer.from(`ApprovalRequest:${other.id}`).toString('base64');
    expect(
      errorPaths(
        at(await ok(app, admin, REJECT, { input: { request: otherId, reason: '   ' } }), 'rejectApprovalRequest'),
      ),
    ).toEqual(['input.reason']);
    const rejected = await ok(app, admin, REJECT, {
      input: { request: otherId, reason: 'That IP is not in your rack.' },
    });
    expect(at(rejected, 'rejectApprovalRequest.data')).toMatchObject({
      status: 'REJECTED',
      rejectReason: 'That IP is not in your rack.',
    });
    const customerView = await ok(
      app,
      colo,
      `query($id: ID!) { node(id: $id) { ... on ApprovalRequest { status rejectReason } } }`,
      { id: otherId },
    );
    expect(at(customerView, 'node')).toEqual({ status: 'REJECTED', rejectReason: 'That IP is not in your rack.' });
    expect(
      at(await ok(app, admin, action('approveApprovalRequest'), { id: otherId }), 'approveApprovalRequest.__typename'),
    ).toBe('ConflictError');
    expect(await app.db.prisma.server.count({ where: { ip: '5.5.5.1' } })).toBe(0);
    expect(
      at(
        await ok(app, admin, action('approveApprovalRequest'), { id: 'QXBwcm92YWxSZXF1ZXN0Om5vcGU=' }),
        'approveApprovalRequest.__typename',
      ),
    ).toBe('NotFoundError');
  });
});
