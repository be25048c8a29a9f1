import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { at, customer, errorPaths, gid, list, ok, RESULT, signIn, signInAdmin, type Auth } from './api-helpers.ts';

const ADD = `mutation($input: AddServerInput!) { addServer(input: $input) { ${RESULT} ... on MutationAddServerSuccess { data { id ip source label allowPrivate account { loginId } } } } }`;
const IMPORT = `mutation($input: ImportServersInput!) { importServers(input: $input) { ${RESULT}
  ... on MutationImportServersSuccess { data { applied created refused lines { line input ip status message code params } } } } }`;
const MOVE = `mutation($input: MoveServerInput!) { moveServer(input: $input) { ${RESULT} ... on MutationMoveServerSuccess { data { ip account { loginId } } } } }`;
const REMOVE = `mutation($id: ID!, $purge: Boolean) { removeServer(id: $id, purgeHistory: $purge) { ${RESULT} ... on MutationRemoveServerSuccess { data { id ip } } } }`;
const REP = `mutation($input: SetRepresentativeIpInput!) { setRepresentativeIp(input: $input) { ${RESULT} ... on MutationSetRepresentativeIpSuccess { data { ip source } } } }`;

describe(`inventory (${backend})`, () => {
  let app: TestApp;
  let admin: Auth;
  let hosting: Auth;
  let hostingId: string;
  let coloId: string;
  let otherId: string;

  beforeAll(async () => {
    app = await startTestApp();
    hostingId = (await customer(app.db.prisma, 'hoster', { ips: ['8.8.8.8'] })).gid;
    coloId = (await customer(app.db.prisma, 'colo', { kind: 'COLOCATION', representativeIp: '1.0.0.1' })).gid;
    otherId = (await customer(app.db.prisma, 'other', { ips: ['9.9.9.9'] })).gid;
    admin = await signInAdmin(app);
    hosting = await signIn(app, 'hoster');
  });
  afterAll(() => app?.close());

  it('admins add servers; bad, forbidden and taken addresses are refused with typed errors', async () => {
    const added = await ok(app, admin, ADD, { input: { account: hostingId, ip: '2606:4700:0:0::1111', label: 'web' } });
    expect(at(added, 'addServer.data')).toMatchObject({
      ip: '2606:4700::1111',
      source: 'HOSTING_INVENTORY',
      label: 'web',
      allowPrivate: false,
      account: { loginId: 'hoster' },
    });
    const priv = await ok(app, admin, ADD, { input: { account: hostingId, ip: '10.0.0.8', allowPrivate: true } });
    expect(at(priv, 'addServer.data')).toMatchObject({ ip: '10.0.0.8', allowPrivate: true });

    const before = await app.db.prisma.server.count();
    expect(
      errorPaths(at(await ok(app, admin, ADD, { input: { account: hostingId, ip: '10.0.0.9' } }), 'addServer')),
    ).toEqual(['input.ip']);
    expect(
      errorPaths(at(await ok(app, admin, ADD, { input: { account: hostingId, ip: 'not-an-ip' } }), 'addServer')),
    ).toEqual(['input.ip']);
    expect(
      errorPaths(at(await ok(app, admin, ADD, { input: { account: 'bogus', ip: '4.4.4.4' } }), 'addServer')),
    ).toEqual(['input.account']);
    expect(at(await ok(app, admin, ADD, { input: { account: hostingId, ip: '9.9.9.9' } }), 'addServer')).toMatchObject({
      __typename: 'ConflictError',
      message: '9.9.9.9 belongs to another customer',
    });
    expect(await app.db.prisma.server.count()).toBe(before);
  });

  it('customers cannot use admin inventory operations', async () => {
    const r = await app.gql(ADD, { input: { account: hostingId, ip: '4.4.4.4' } }, hosting);
    expect(r.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anon = await app.gql(ADD, { input: { account: hostingId, ip: '4.4.4.4' } });
    expect(anon.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });

  it('imports a pasted list: the valid lines are added, every other line says why (code and params); a dry run says WOULD_CREATE', async () => {
    const text = '# new rack\n4.4.4.4 rack A\n\n8.8.8.8\n4.4.4.4\n9.9.9.9\n300.1.1.1\n10.1.2.3\n';
    const dry = await ok(app, admin, IMPORT, { input: { account: hostingId, text, dryRun: true } });
    expect(at(dry, 'importServers.data')).toEqual({
      applied: false,
      created: 0,
      refused: 4,
      lines: [
        {
          line: 2,
          input: '4.4.4.4 rack A',
          ip: '4.4.4.4',
          status: 'WOULD_CREATE',
          message: null,
          code: null,
          params: null,
        },
        {
          line: 4,
          input: '8.8.8.8',
          ip: '8.8.8.8',
          status: 'UNCHANGED',
          message: 'Already in this inventory',
          code: 'IP_IN_INVENTORY',
          params: { ip: '8.8.8.8' },
        },
        {
          line: 5,
          input: '4.4.4.4',
          ip: '4.4.4.4',
          status: 'ERROR',
          message: 'Same address as line 2',
          code: 'DUPLICATE_LINE',
          params: { line: 2 },
        },
        {
          line: 6,
          input: '9.9.9.9',
          ip: '9.9.9.9',
          status: 'ERROR',
          message: 'Belongs to another customer',
          code: 'IP_OTHER_CUSTOMER',
          params: { ip: '9.9.9.9' },
        },
        {
          line: 7,
          input: '300.1.1.1',
          ip: null,
          status: 'ERROR',
          message: expect.stringContaining('IPv4 or IPv6'),
          code: 'INVALID_IP',
          params: null,
        },
        {
          line: 8,
          input: '10.1.2.3',
          ip: null,
          status: 'ERROR',
          message: expect.stringContaining('private'),
          code: 'IP_NOT_PUBLIC',
          params: { ip: '10.1.2.3', range: 'PRIVATE' },
        },
      ],
    });
    expect(await app.db.prisma.server.count({ where: { ip: '4.4.4.4' } })).toBe(0);

    // the same text for real: the one valid line is added, the others are reported the same way
    const done = await ok(app, admin, IMPORT, { input: { account: hostingId, text } });
    expect(at(done, 'importServers.data')).toMatchObject({ applied: true, created: 1, refused: 4 });
    const lines = at(done, 'importServers.data.lines') as { line: number; status: string }[];
    expect(lines.map((l) => `${l.line}:${l.status}`)).toEqual([
      '2:CREATED',
      '4:UNCHANGED',
      '5:ERROR',
      '6:ERROR',
      '7:ERROR',
      '8:ERROR',
    ]);
    expect((await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '4.4.4.4' } })).label).toBe('rack A');
    expect(
      (await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '9.9.9.9' }, include: { account: true } })).account
        .loginId,
    ).toBe('other');

    const more = await ok(app, admin, IMPORT, {
      input: { account: hostingId, text: '4.4.4.4 rack A\n5.5.5.5\n8.8.8.8' },
    });
    expect(at(more, 'importServers.data')).toMatchObject({ applied: true, created: 1, refused: 0 });
    // nothing valid to add: nothing applied, nothing written
    const none = await ok(app, admin, IMPORT, { input: { account: hostingId, text: '9.9.9.9\n300.1.1.1' } });
    expect(at(none, 'importServers.data')).toMatchObject({ applied: false, created: 0, refused: 2 });
    const empty = await ok(app, admin, IMPORT, { input: { account: hostingId, text: '\n# nothing\n' } });
    expect(errorPaths(at(empty, 'importServers'))).toEqual(['input.text']);
    expect(await app.db.prisma.auditLog.count({ where: { action: 'server.import' } })).toBe(2);
  });

  it('customers list their inventory, with the "not yet registered" filter', async () => {
    const q = `query($u: Boolean) { servers(unregistered: $u) { totalCount nodes { ip registered } } }`;
    expect(list(await ok(app, hosting, q, {}), 'servers.nodes').map((s) => s.ip)).toEqual([
      '10.0.0.8',
      '2606:4700::1111',
      '4.4.4.4',
      '5.5.5.5',
      '8.8.8.8',
    ]);
    const srv = await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '8.8.8.8' } });
    await app.db.prisma.monitor.create({
      data: {
        accountId: srv.accountId,
        serverId: srv.id,
        activeServerId: srv.id,
        host: srv.ip,
        ports: [80],
        contactName: 'x',
        contactEmail: 'x@example.com',
      },
    });
    const unregistered = await ok(app, hosting, q, { u: true });
    expect(at(unregistered, 'servers.totalCount')).toBe(4);
    expect(list(unregistered, 'servers.nodes').map((s) => s.ip)).not.toContain('8.8.8.8');
  });

  it('moves and removes servers; monitored servers and their history are protected', async () => {
    const monitored = await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '8.8.8.8' } });
    const free = await app.db.prisma.server.findUniqueOrThrow({ where: { ip: '5.5.5.5' } });
    expect(
      at(
        await ok(app, admin, MOVE, { input: { server: gid('Server', monitored.id), account: otherId } }),
        'moveServer.__typename',
      ),
    ).toBe('ConflictError');
    expect(
      at(
        await ok(app, admin, MOVE, { input: { server: gid('Server', free.id), account: otherId } }),
        'moveServer.data',
      ),
    ).toEqual({ ip: '5.5.5.5', account: { loginId: 'other' } });
    expect(
      at(
        await ok(app, admin, MOVE, { input: { server: gid('Server', 'nope'), account: otherId } }),
        'moveServer.__typename',
      ),
    ).toBe('NotFoundError');

    expect(at(await ok(app, admin, REMOVE, { id: gid('Server', monitored.id) }), 'removeServer.__typename')).toBe(
      'ConflictError',
    );
    await app.db.prisma.monitor.updateMany({
      where: { serverId: monitored.id },
      data: { deletedAt: new Date(), activeServerId: null },
    });
    expect(at(await ok(app, admin, REMOVE, { id: gid('Server', monitored.id) }), 'removeServer')).toMatchObject({
      __typename: 'ConflictError',
      message: expect.stringContaining('purgeHistory'),
    });
    expect(
      at(await ok(app, admin, REMOVE, { id: gid('Server', monitored.id), purge: true }), 'removeServer.data'),
    ).toEqual({ id: gid('Server', monitored.id), ip: '8.8.8.8' });
    expect(at(await ok(app, admin, REMOVE, { id: gid('Server', free.id) }), 'removeServer.data.ip')).toBe('5.5.5.5');
    expect(await app.db.prisma.server.count({ where: { ip: { in: ['5.5.5.5', '8.8.8.8'] } } })).toBe(0);
  });

  it("sets a colocation customer's representative IP", async () => {
    const r = await ok(app, admin, REP, { input: { account: coloId, ip: '1.0.0.2' } });
    expect(at(r, 'setRepresentativeIp.data')).toEqual({ ip: '1.0.0.2', source: 'REPRESENTATIVE' });
    const acc = await app.db.prisma.account.findFirstOrThrow({ where: { loginId: 'colo' } });
    expect(acc.representativeIp).toBe('1.0.0.2');
    expect(await app.db.prisma.server.count({ where: { accountId: acc.id } })).toBe(1);
    expect(
      errorPaths(
        at(await ok(app, admin, REP, { input: { account: hostingId, ip: '1.0.0.3' } }), 'setRepresentativeIp'),
      ),
    ).toEqual(['input.account']);
    expect(
      errorPaths(
        at(await ok(app, admin, REP, { input: { account: coloId, ip: '192.168.0.1' } }), 'setRepresentativeIp'),
      ),
    ).toEqual(['input.ip']);
    expect(
      at(await ok(app, admin, REP, { input: { account: coloId, ip: '9.9.9.9' } }), 'setRepresentativeIp.__typename'),
    ).toBe('ConflictError');
    expect(await app.db.prisma.auditLog.count({ where: { action: 'account.representativeIp' } })).toBe(1);
  });
});
