import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { at, customer, errorPaths, gid, list, ok, RESULT, signIn, signInAdmin, str, type Auth } from './api-helpers.ts';

const REGISTER = `mutation($input: RegisterMonitorInput!) { registerMonitor(input: $input) { ${RESULT}
  ... on MutationRegisterMonitorSuccess { data { id host ports contactName contactEmail contactPhone mailEnabled smsEnabled
    intervalSec policy { intervalSec timeoutMs failureThreshold } maintenanceWindows { kind weekday startMinute durationMin timeZone }
    portStatuses { port phase lastCheckAt } status { state text } server { ip registered } } } } }`;
const UPDATE = `mutation($input: UpdateMonitorInput!) { updateMonitor(input: $input) { ${RESULT}
  ... on MutationUpdateMonitorSuccess { data { id ports contactPhone smsEnabled intervalSec timeoutMs maintenanceWindows { kind } } } } }`;
const simple = (name: string) =>
  `mutation($id: ID!) { ${name}(id: $id) { ${RESULT} ... on Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success { data { id paused deleted status { state text } } } } }`;

describe(`monitors (${backend})`, () => {
  let app: TestApp;
  let clock = Date.parse('2026-03-01T00:00:00Z');
  let alice: Auth;
  let admin: Auth;
  let aliceServers: { id: string; ip: string }[];
  let bobServer: { id: string; ip: string };
  const changed: string[] = [];

  beforeAll(async () => {
    app = await startTestApp({}, { now: () => new Date(clock) });
    app.services.signals.monitorChanged.on((id) => changed.push(id));
    const a = await customer(app.db.prisma, 'alice', { ips: ['203.0.113.10', '198.51.100.7', '8.8.4.4', '1.1.1.1'] });
    // 203.0.113.10 and 198.51.100.7 are documentation ranges: allowed only when an admin said so
    await app.db.prisma.server.updateMany({ where: { ip: '198.51.100.7' }, data: { allowPrivate: true } });
    aliceServers = a.servers;
    bobServer = (await customer(app.db.prisma, 'bob', { ips: ['9.9.9.9'] })).servers[0]!;
    alice = await signIn(app, 'alice');
    admin = await signInAdmin(app);
  });
  afterAll(() => app?.close());

  const serverGid = (ip: string) => gid('Server', aliceServers.find((s) => s.ip === ip)!.id);

  it('registers a server from the inventory with the seed\'s port text and "use existing information"', async () => {
    const before = changed.length;
    const data = await ok(app, alice, REGISTER, {
      input: { server: serverGid('8.8.4.4'), ports: '80, 443/22 80', useAccountContact: true, smsEnabled: true },
    });
    const m = at(data, 'registerMonitor.data');
    expect(m).toMatchObject({
      host: '8.8.4.4',
      ports: [22, 80, 443],
      contactName: 'alice Inc.',
      contactEmail: 'alice@example.com',
      contactPhone: '+821012345678',
      mailEnabled: true,
      smsEnabled: true,
      intervalSec: null,
      policy: { intervalSec: 180, timeoutMs: 5000, failureThreshold: 3 },
      portStatuses: [
        { port: 22, phase: 'UNKNOWN', lastCheckAt: null },
        { port: 80, phase: 'UNKNOWN', lastCheckAt: null },
        { port: 443, phase: 'UNKNOWN', lastCheckAt: null },
      ],
      status: { state: 'WAITING' },
      server: { ip: '8.8.4.4', registered: true },
    });
    expect(changed.length).toBe(before + 1);
    const audit = await app.db.prisma.auditLog.findFirst({ where: { action: 'monitor.register' } });
    expect(audit?.targetType).toBe('Monitor');
  });

  it('registers by IP with a list of ports, own contact, policy and a weekly maintenance window', async () => {
    const data = await ok(app, alice, REGISTER, {
      input: {
        host: '::ffff:1.1.1.1',
        ports: [3306],
        contactName: ' Kim ',
        contactEmail: 'kim@example.com',
        contactPhone: '010-9876-5432',
        intervalSec: 60,
        timeoutMs: 2000,
        maintenanceWindows: [{ kind: 'WEEKLY', weekday: 0, startMinute: 120, durationMin: 60 }],
      },
    });
    expect(at(data, 'registerMonitor.data')).toMatchObject({
      host: '1.1.1.1',
      ports: [3306],
      contactName: 'Kim',
      contactPhone: '+821098765432',
      intervalSec: 60,
      policy: { intervalSec: 60, timeoutMs: 2000 },
      maintenanceWindows: [{ kind: 'WEEKLY', weekday: 0, startMinute: 120, durationMin: 60, timeZone: 'Asia/Seoul' }],
    });
  });

  it('answers bad input with field errors and writes nothing', async () => {
    const count = () => app.db.prisma.monitor.count();
    const before = await count();
    const bad = async (input: Record<string, unknown>) => {
      const r = await ok(app, alice, REGISTER, {
        input: {
          server: serverGid('198.51.100.7'),
          ports: '22',
          contactName: 'K',
          contactEmail: 'k@example.com',
          smsEnabled: false,
          ...input,
        },
      });
      return errorPaths(at(r, 'registerMonitor'));
    };
    expect(await bad({ ports: '21,,x' })).toEqual(['input.ports']);
    expect(await bad({ ports: [0] })).toEqual(['input.ports']);
    expect(await bad({ ports: '70000' })).toEqual(['input.ports']);
    expect(await bad({ ports: '21,22,23,25' })).toEqual(['input.ports']);
    expect(await bad({ contactEmail: 'no-at-sign' })).toEqual(['input.contactEmail']);
    expect(await bad({ contactPhone: '02-123-4567', smsEnabled: true })).toEqual(['input.contactPhone']);
    expect(await bad({ contactPhone: 'call me', smsEnabled: true })).toEqual(['input.contactPhone']);
    expect(await bad({ smsEnabled: true })).toEqual(['input.contactPhone']);
    expect(await bad({ contactName: '  ' })).toEqual(['input.contactName']);
    expect(await bad({ intervalSec: 5 })).toEqual(['input.intervalSec']);
    expect(await bad({ intervalSec: 10, timeoutMs: 10_000 })).toEqual(['input.timeoutMs']);
    expect(
      await bad({ maintenanceWindows: [{ kind: 'WEEKLY', weekday: 9, startMinute: 0, durationMin: 10 }] }),
    ).toEqual(['input.maintenanceWindows.0.weekday']);
    expect(
      await bad({
        maintenanceWindows: [{ kind: 'ONE_OFF', startsAt: '2026-03-02T00:00:00Z', endsAt: '2026-03-01T00:00:00Z' }],
      }),
    ).toEqual(['input.maintenanceWindows.0.endsAt']);
    // several problems at once
    expect(await bad({ ports: '0', contactEmail: 'x' })).toEqual(['input.ports', 'input.contactEmail']);
    // a documentation address without the admin's permission; a malformed IP; an IP not owned
    expect(await bad({ server: serverGid('203.0.113.10') })).toEqual(['input.server']);
    expect(await bad({ server: null, host: '999.1.1.1' })).toEqual(['input.host']);
    expect(await bad({ server: null, host: '9.9.9.9' })).toEqual(['input.host']);
    expect(await bad({ server: gid('Server', bobServer.id) })).toEqual(['input.server']);
    expect(await bad({ server: 'not-an-id' })).toEqual(['input.server']);
    expect(await count()).toBe(before);
  });

  it('refuses a second monitor for a server and lists only unregistered servers in the drop-down', async () => {
    const r = await ok(app, alice, REGISTER, {
      input: { server: serverGid('8.8.4.4'), ports: '22', useAccountContact: true },
    });
    expect(at(r, 'registerMonitor.__typename')).toBe('ConflictError');
    const servers = await ok(app, alice, `{ servers(unregistered: true) { totalCount nodes { ip registered } } }`);
    expect(list(servers, 'servers.nodes').map((s) => s.ip)).toEqual(['198.51.100.7', '203.0.113.10']);
  });

  it('edits ports, switches, contact and policy; deletes, pauses and resumes', async () => {
    const m = await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '8.8.4.4' } });
    const id = gid('Monitor', m.id);
    const upd = await ok(app, alice, UPDATE, {
      input: {
        monitor: id,
        ports: '25',
        smsEnabled: false,
        contactPhone: null,
        intervalSec: 30,
        maintenanceWindows: [],
      },
    });
    expect(at(upd, 'updateMonitor.data')).toMatchObject({
      ports: [25],
      smsEnabled: false,
      contactPhone: null,
      intervalSec: 30,
      maintenanceWindows: [],
    });
    const reset = await ok(app, alice, UPDATE, { input: { monitor: id, intervalSec: null } });
    expect(at(reset, 'updateMonitor.data.intervalSec')).toBeNull();
    const badUpd = await ok(app, alice, UPDATE, { input: { monitor: id, ports: '1,2,3,4', smsEnabled: true } });
    expect(errorPaths(at(badUpd, 'updateMonitor'))).toEqual(['input.ports', 'input.contactPhone']);
    expect((await app.db.prisma.monitor.findUniqueOrThrow({ where: { id: m.id } })).ports).toEqual([25]);

    const paused = await ok(app, alice, simple('pauseMonitor'), { id });
    expect(at(paused, 'pauseMonitor.data')).toMatchObject({ paused: true, status: { state: 'PAUSED' } });
    const resumed = await ok(app, alice, simple('resumeMonitor'), { id });
    expect(at(resumed, 'resumeMonitor.data')).toMatchObject({ paused: false, status: { state: 'WAITING' } });

    const open = await app.db.prisma.incident.create({
      data: { monitorId: m.id, accountId: m.accountId, openMonitorId: m.id, host: m.host, ports: [25] },
    });
    const del = await ok(app, alice, simple('deleteMonitor'), { id });
    expect(at(del, 'deleteMonitor.data')).toMatchObject({ deleted: true, status: { state: 'DELETED' } });
    // the monitor stops at once: the probe is told, and its open incident is closed
    expect(changed.at(-1)).toBe(m.id);
    expect(await app.db.prisma.incident.findUniqueOrThrow({ where: { id: open.id } })).toMatchObject({
      resolvedAt: new Date(clock),
      openMonitorId: null,
    });
    const again = await ok(app, alice, simple('deleteMonitor'), { id });
    expect(at(again, 'deleteMonitor.__typename')).toBe('NotFoundError');
    // the server can be registered again; the old monitor and its logs stay
    const re = await ok(app, alice, REGISTER, {
      input: { server: serverGid('8.8.4.4'), ports: '22', useAccountContact: true },
    });
    expect(at(re, 'registerMonitor.__typename')).toBe('MutationRegisterMonitorSuccess');
    expect(await app.db.prisma.monitor.count({ where: { host: '8.8.4.4' } })).toBe(2);
    const withDeleted = await ok(
      app,
      alice,
      `{ monitors(includeDeleted: true) { totalCount } live: monitors { totalCount } deleted: monitors(status: DELETED) { nodes { id } } }`,
    );
    expect(withDeleted).toMatchObject({
      monitors: { totalCount: 3 },
      live: { totalCount: 2 },
      deleted: { nodes: [{ id }] },
    });
  });

  it("shows the seed's status line: normal, then delayed after 2 × interval + timeout", async () => {
    const m = await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '1.1.1.1' } });
    await app.db.prisma.portState.create({
      data: {
        monitorId: m.id,
        port: 3306,
        phase: 'UP',
        lastCheckAt: new Date(clock),
        lastOk: true,
        lastLatencyMs: 3.5,
      },
    });
    const q = `query($id: ID!) { monitor(id: $id) { status { state text lastCheckAt delayedSince } portStatuses { port phase latencyMs } } }`;
    const normal = await ok(app, alice, q, { id: gid('Monitor', m.id) });
    expect(at(normal, 'monitor.status')).toMatchObject({
      state: 'NORMAL',
      text: 'Monitoring your server normally (last check 2026-03-01 09:00:00)',
    });
    expect(at(normal, 'monitor.portStatuses')).toEqual([{ port: 3306, phase: 'UP', latencyMs: 3.5 }]);
    clock += 2 * 60_000 + 2_000 + 1; // interval 60 s, timeout 2 s
    const delayed = await ok(app, alice, q, { id: gid('Monitor', m.id) });
    expect(at(delayed, 'monitor.status')).toMatchObject({ state: 'DELAYED', delayedSince: '2026-03-01T00:01:00.000Z' });
    expect(str(delayed, 'monitor.status.text')).toBe(
      'Check delayed since 2026-03-01 09:01:00 (last check 2026-03-01 09:00:00)',
    );
  });

  it('admins see every monitor, search by host or login id and filter by status', async () => {
    await ok(app, admin, REGISTER, {
      input: {
        server: gid('Server', bobServer.id),
        ports: '53',
        contactName: 'Bob',
        contactEmail: 'bob@example.com',
        smsEnabled: false,
      },
    });
    const q = `query($s: String, $st: MonitorStatusFilter) { monitors(search: $s, status: $st) { totalCount nodes { host account { loginId } } } }`;
    expect(at(await ok(app, admin, q, {}), 'monitors.totalCount')).toBe(3);
    expect(list(await ok(app, admin, q, { s: 'bo' }), 'monitors.nodes').map((n) => n.host)).toEqual(['9.9.9.9']);
    expect(list(await ok(app, admin, q, { s: '1.1.1.1' }), 'monitors.nodes').map((n) => n.host)).toEqual(['1.1.1.1']);
    expect(list(await ok(app, admin, q, { s: '8.8.' }), 'monitors.nodes').map((n) => n.host)).toEqual(['8.8.4.4']);
    // across every customer: failing first, then numeric IP order
    expect(list(await ok(app, admin, q, { st: 'OK' }), 'monitors.nodes').map((n) => n.host)).toEqual([
      '1.1.1.1',
      '8.8.4.4',
      '9.9.9.9',
    ]);
    const m = await app.db.prisma.monitor.findFirstOrThrow({ where: { host: '1.1.1.1' } });
    await app.db.prisma.portState.update({
      where: { monitorId_port: { monitorId: m.id, port: 3306 } },
      data: { phase: 'DOWN' },
    });
    expect(list(await ok(app, admin, q, { st: 'DOWN' }), 'monitors.nodes').map((n) => n.host)).toEqual(['1.1.1.1']);
    expect(list(await ok(app, admin, q, { st: 'OK' }), 'monitors.nodes').map((n) => n.host)).toEqual([
      '8.8.4.4',
      '9.9.9.9',
    ]);
    // one customer's: the DOWN one first
    expect(list(await ok(app, admin, q, {}), 'monitors.nodes').map((n) => n.host)).toEqual([
      '1.1.1.1',
      '8.8.4.4',
      '9.9.9.9',
    ]);
    const byAccount = await ok(app, admin, `query($a: ID) { monitors(account: $a) { nodes { host } } }`, {
      a: gid('Account', m.accountId),
    });
    expect(list(byAccount, 'monitors.nodes').map((n) => n.host)).toEqual(['1.1.1.1', '8.8.4.4']);
    // customers never see another customer's monitors, whatever they search
    expect(at(await ok(app, alice, q, { s: '9.9.9.9' }), 'monitors.totalCount')).toBe(0);
  });
});
