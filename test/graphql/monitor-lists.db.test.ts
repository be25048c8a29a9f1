// What the lists and cards say (issue 13 items 4, 5, 6, 9): failing hosts first, then numeric IP
// order, on every page; search by IP prefix and label; summary counts over the whole account
// (admins: the installation), deleted monitors left out, fresh after an edit, a pause and a
// delete; the host's state beside the status line; deleted monitors show no frozen port phase.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { at, customer, gid, list, ok, RESULT, signIn, signInAdmin, type Auth } from './api-helpers.ts';

const PAGE = `query($first: Int, $after: String, $s: String, $st: MonitorStatusFilter) {
  monitors(first: $first, after: $after, search: $s, status: $st) { totalCount pageInfo { hasNextPage endCursor } nodes { id host } } }`;
const SUMMARY = `query($a: ID) { monitorSummary(accountId: $a) { monitors paused failing down ports portsUp portsFailing portsOther } }`;
const STATUS = `query($id: ID!) { monitor(id: $id) { deleted portStatuses { port phase flapping } status { state text host { phase since ports } } } }`;

describe(`monitor lists and summary (${backend})`, () => {
  let app: TestApp;
  const clock = Date.parse('2026-03-01T03:33:00Z');
  let carol: Auth;
  let admin: Auth;
  const ids = new Map<string, string>();
  const IPS = ['10.0.0.2', '10.0.0.10', '10.0.0.1', '9.0.0.1', '2001:db8::1', '10.0.0.100'];

  beforeAll(async () => {
    app = await startTestApp({}, { now: () => new Date(clock) });
    const p = app.db.prisma;
    const c = await customer(p, 'carol', { ips: IPS, allowPrivate: true });
    const d = await customer(p, 'dave', { ips: ['8.8.8.8'], allowPrivate: true });
    for (const s of [...c.servers, ...d.servers]) {
      const owner = c.servers.includes(s) ? c.account.id : d.account.id;
      const m = await p.monitor.create({
        data: {
          accountId: owner,
          serverId: s.id,
          activeServerId: s.id,
          host: s.ip,
          ports: [22, 80],
          contactName: 'C',
          contactEmail: 'c@example.com',
          smsEnabled: false,
        },
      });
      ids.set(s.ip, m.id);
      await p.portState.createMany({
        data: [22, 80].map((port) => ({
          monitorId: m.id,
          port,
          phase: 'UP' as const,
          since: new Date(clock - 3_600_000),
          lastCheckAt: new Date(clock),
          lastOk: true,
        })),
      });
    }
    await p.server.updateMany({ where: { ip: '10.0.0.2' }, data: { label: 'db-primary' } });
    carol = await signIn(app, 'carol');
    admin = await signInAdmin(app);
  });
  afterAll(() => app?.close());

  const setPhase = (ip: string, port: number, phase: 'UP' | 'SUSPECT' | 'DOWN', since = new Date(clock - 60_000)) =>
    app.db.prisma.portState.update({
      where: { monitorId_port: { monitorId: ids.get(ip)!, port } },
      data: { phase, since },
    });

  async function allPages(auth: Auth, vars: Record<string, unknown> = {}): Promise<string[]> {
    const hosts: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const data = await ok(app, auth, PAGE, { first: 2, after, ...vars });
      hosts.push(...list(data, 'monitors.nodes').map((n) => String(n.host)));
      if (!at(data, 'monitors.pageInfo.hasNextPage')) break;
      after = at(data, 'monitors.pageInfo.endCursor') as string;
    }
    return hosts;
  }

  it('orders failing hosts first, then by numeric IP (IPv4 before IPv6), across pages', async () => {
    expect(await allPages(carol)).toEqual([
      '9.0.0.1',
      '10.0.0.1',
      '10.0.0.2',
      '10.0.0.10',
      '10.0.0.100',
      '2001:db8::1',
    ]);
    // the host that would sit on the last page comes first once a port fails (SUSPECT counts)
    await setPhase('10.0.0.100', 80, 'DOWN');
    await setPhase('10.0.0.10', 22, 'SUSPECT');
    expect(await allPages(carol)).toEqual([
      '10.0.0.10',
      '10.0.0.100',
      '9.0.0.1',
      '10.0.0.1',
      '10.0.0.2',
      '2001:db8::1',
    ]);
    // admins: the same order over every customer
    expect((await allPages(admin)).slice(0, 3)).toEqual(['10.0.0.10', '10.0.0.100', '8.8.8.8']);
    await setPhase('10.0.0.10', 22, 'UP');
    expect((await allPages(carol))[0]).toBe('10.0.0.100');
  });

  it('searches by IP prefix (a whole IP included) and by label', async () => {
    const hosts = async (s: string) =>
      list(await ok(app, carol, PAGE, { first: 50, s }), 'monitors.nodes').map((n) => n.host);
    expect(await hosts('10.0.0.1')).toEqual(['10.0.0.100', '10.0.0.1', '10.0.0.10']);
    expect(await hosts('10.0.')).toHaveLength(4);
    expect(await hosts('2001:db8:')).toEqual(['2001:db8::1']);
    expect(await hosts('PRIMARY')).toEqual(['10.0.0.2']);
    expect(await hosts('8.8.8.8')).toEqual([]); // dave's
  });

  it('counts the summary over the whole account (admins: the installation), not the page', async () => {
    // one DOWN port (10.0.0.100:80) among 6 monitors × 2 ports
    const mine = at(await ok(app, carol, SUMMARY, {}), 'monitorSummary');
    expect(mine).toEqual({
      monitors: 6,
      paused: 0,
      failing: 1,
      down: 1,
      ports: 12,
      portsUp: 11,
      portsFailing: 1,
      portsOther: 0,
    });
    // a page of one monitor does not change it; a foreign accountId is ignored for customers
    const someoneElse = at(
      await ok(app, admin, `query { customers(search: "dave") { nodes { id } } }`),
      'customers.nodes',
    ) as { id: string }[];
    expect(at(await ok(app, carol, SUMMARY, { a: someoneElse[0]!.id }), 'monitorSummary')).toEqual(mine);
    expect(at(await ok(app, admin, SUMMARY, {}), 'monitorSummary')).toMatchObject({
      monitors: 7,
      ports: 14,
      portsUp: 13,
      portsFailing: 1,
    });
    expect(at(await ok(app, admin, SUMMARY, { a: someoneElse[0]!.id }), 'monitorSummary')).toMatchObject({
      monitors: 1,
      portsFailing: 0,
    });
  });

  it('is fresh after an edit removes the DOWN port, a pause and a delete; deleted monitors are not counted', async () => {
    const problem = async () =>
      list(await ok(app, admin, PAGE, { first: 50, st: 'PROBLEM' }), 'monitors.nodes').map((n) => n.host);
    expect(await problem()).toEqual(['10.0.0.100']);
    const UPDATE = `mutation($input: UpdateMonitorInput!) { updateMonitor(input: $input) { ${RESULT} } }`;
    expect(
      at(
        await ok(app, carol, UPDATE, { input: { monitor: gid('Monitor', ids.get('10.0.0.100')!), ports: '22' } }),
        'updateMonitor.__typename',
      ),
    ).toBe('MutationUpdateMonitorSuccess');
    expect(await problem()).toEqual([]);
    expect(await app.db.prisma.portState.count({ where: { monitorId: ids.get('10.0.0.100')! } })).toBe(1);
    expect(at(await ok(app, carol, SUMMARY, {}), 'monitorSummary')).toMatchObject({
      monitors: 6,
      failing: 0,
      ports: 11,
      portsUp: 11,
      portsFailing: 0,
    });

    await setPhase('9.0.0.1', 22, 'DOWN');
    expect(await problem()).toEqual(['9.0.0.1']);
    await ok(app, carol, `mutation($id: ID!) { pauseMonitor(id: $id) { ${RESULT} } }`, {
      id: gid('Monitor', ids.get('9.0.0.1')!),
    });
    expect(await problem()).toEqual([]);
    expect(at(await ok(app, carol, SUMMARY, {}), 'monitorSummary')).toMatchObject({
      monitors: 6,
      paused: 1,
      failing: 0,
      portsUp: 9,
      portsFailing: 0,
      portsOther: 2,
    });
    await ok(app, carol, `mutation($id: ID!) { resumeMonitor(id: $id) { ${RESULT} } }`, {
      id: gid('Monitor', ids.get('9.0.0.1')!),
    });
    expect(await problem()).toEqual(['9.0.0.1']);

    await ok(app, carol, `mutation($id: ID!) { deleteMonitor(id: $id) { ${RESULT} } }`, {
      id: gid('Monitor', ids.get('9.0.0.1')!),
    });
    expect(await problem()).toEqual([]);
    expect(at(await ok(app, carol, SUMMARY, {}), 'monitorSummary')).toMatchObject({
      monitors: 5,
      paused: 0,
      failing: 0,
      ports: 9,
      portsFailing: 0,
    });

    // a FLAPPING port counts as failing although its phase is UP between failures
    const flap = (flapping: boolean) =>
      app.db.prisma.portState.update({
        where: { monitorId_port: { monitorId: ids.get('10.0.0.2')!, port: 22 } },
        data: { flapping },
      });
    await flap(true);
    expect(await problem()).toEqual(['10.0.0.2']);
    expect(at(await ok(app, carol, SUMMARY, {}), 'monitorSummary')).toMatchObject({
      failing: 1,
      down: 0,
      portsUp: 8,
      portsFailing: 1,
    });
    await flap(false);
    expect(await problem()).toEqual([]);
  });

  it('a deleted monitor shows no frozen port phase and its state is DELETED', async () => {
    const data = await ok(app, carol, STATUS, { id: gid('Monitor', ids.get('9.0.0.1')!) });
    expect(at(data, 'monitor.deleted')).toBe(true);
    expect(at(data, 'monitor.portStatuses')).toEqual([
      { port: 22, phase: 'UNKNOWN', flapping: false },
      { port: 80, phase: 'UNKNOWN', flapping: false },
    ]);
    expect(at(data, 'monitor.status')).toMatchObject({ state: 'DELETED', host: { phase: 'DELETED', ports: [] } });
  });

  it("says the host's state beside the status line: DOWN since when, with the ports", async () => {
    const id = gid('Monitor', ids.get('10.0.0.1')!);
    const up = await ok(app, carol, STATUS, { id });
    expect(at(up, 'monitor.status')).toMatchObject({
      state: 'NORMAL',
      host: { phase: 'UP', since: null, ports: [22, 80] },
    });
    expect(at(up, 'monitor.status.text')).toBe('Monitoring your server normally (last check 2026-03-01 12:33:00)');

    await setPhase('10.0.0.1', 80, 'SUSPECT', new Date(clock - 30_000));
    expect(at(await ok(app, carol, STATUS, { id }), 'monitor.status.host')).toEqual({
      phase: 'SUSPECT',
      since: '2026-03-01T03:32:30.000Z',
      ports: [80],
    });

    await setPhase('10.0.0.1', 80, 'DOWN', new Date(clock - 60_000));
    await setPhase('10.0.0.1', 22, 'DOWN', new Date(clock - 30_000));
    const down = await ok(app, carol, STATUS, { id });
    // the prober is checking (NORMAL), and the host is DOWN since the first port went down
    expect(at(down, 'monitor.status')).toMatchObject({
      state: 'NORMAL',
      host: { phase: 'DOWN', since: '2026-03-01T03:32:00.000Z', ports: [22, 80] },
    });
    expect(at(down, 'monitor.status.text')).toBe(
      'Monitoring your server normally (last check 2026-03-01 12:33:00); DOWN since 2026-03-01 12:32:00 (ports 22, 80)',
    );
  });
});
