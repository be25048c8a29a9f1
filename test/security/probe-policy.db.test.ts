// Issue 12.10: the prober re-checks the address policy at connect time. A monitor of a loopback
// server an admin allowed is checked; when the admin withdraws the permission, the next check
// sends no packet (the listener sees no connection), the port says why (EPOLICY, with the
// reason), nothing is alerted and no failure is logged; given back, checks resume.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { until } from '../helpers/poll.ts';
import { gid, ok, signInAdmin, type Auth } from '../graphql/api-helpers.ts';

type Port = { phase: string; errorCode: string | null; error: string | null; lastCheckAt: string | null };
const STATUS = `query($id: ID!) { node(id: $id) { ... on Monitor { portStatuses { phase errorCode error lastCheckAt } } } }`;
const ALLOW = `mutation($s: ID!, $a: Boolean!) { setServerAllowPrivate(input: { serverId: $s, allowPrivate: $a }) { __typename ... on MutationSetServerAllowPrivateSuccess { data { allowPrivate } } } }`;

describe(`the prober re-checks the address policy before every connect (${backend})`, () => {
  let app: TestApp;
  let listener: net.Server;
  let connections = 0;
  let admin: Auth;
  const logged: { msg: string; extra?: Record<string, unknown> }[] = [];

  beforeAll(async () => {
    app = await startTestApp(
      { PROBE_ENABLED: 'true' },
      { log: (_level, msg, extra) => logged.push({ msg, ...(extra ? { extra } : {}) }) },
    );
    listener = net.createServer((s) => {
      connections += 1;
      s.on('error', () => {});
    });
    await new Promise<void>((r) => listener.listen(0, '127.0.0.1', () => r()));
    admin = await signInAdmin(app);
  });
  afterAll(async () => {
    await app?.close();
    await new Promise<void>((r) => listener.close(() => r()));
  });

  it('withdrawing the permission stops the connects at once, says why, alerts nothing; giving it back resumes', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'policy-alice');
    const port = (listener.address() as net.AddressInfo).port;
    const monitor = await makeMonitor(p, { accountId: alice.id, ports: [port], intervalSec: 10, retryIntervalSec: 2 });
    const id = gid('Monitor', monitor.id);
    app.services.signals.monitorChanged.emit(monitor.id);
    const status = async () =>
      (await ok<{ node: { portStatuses: Port[] } }>(app, admin, STATUS, { id })).node.portStatuses[0]!;
    await until('the port is UP', async () => (await status()).phase === 'UP', 20_000);
    expect(connections).toBeGreaterThan(0);

    const withdrawn = await ok<{ setServerAllowPrivate: { data: { allowPrivate: boolean } } }>(app, admin, ALLOW, {
      s: gid('Server', monitor.serverId),
      a: false,
    });
    expect(withdrawn.setServerAllowPrivate.data.allowPrivate).toBe(false);
    const before = connections;
    const refused = await until(
      'the check is refused',
      async () => {
        const s = await status();
        return s.errorCode === 'EPOLICY' ? s : null;
      },
      20_000,
    );
    expect(refused.phase).toBe('UNKNOWN');
    expect(refused.error).toBe(
      'not checked: 127.0.0.1 is a loopback address, which the address policy does not allow for this server (an administrator can allow it)',
    );
    // the next refused check too: still no connection
    await until('another refused check', async () => (await status()).lastCheckAt !== refused.lastCheckAt, 20_000);
    expect(connections).toBe(before);
    expect(await p.incident.count({ where: { monitorId: monitor.id } })).toBe(0);
    expect(await p.failureRun.count({ where: { monitorId: monitor.id } })).toBe(0);
    expect(logged.filter((l) => l.msg === 'probe refused by the address policy')).toHaveLength(1);
    expect(await p.auditLog.count({ where: { action: 'server.allowPrivate' } })).toBe(1);

    await ok(app, admin, ALLOW, { s: gid('Server', monitor.serverId), a: true });
    await until('checks resume', async () => (await status()).phase === 'UP', 30_000);
    expect(connections).toBeGreaterThan(before);
  }, 90_000);

  it('only an admin may change the permission', async () => {
    const p = app.db.prisma;
    const server = await p.server.findFirstOrThrow({ where: { ip: '127.0.0.1' } });
    const cookie = await app.login('policy-alice', CUSTOMER_PASSWORD);
    const r = await app.gql(ALLOW, { s: gid('Server', server.id), a: false }, { cookie });
    expect(r.body).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
    expect((await p.server.findUniqueOrThrow({ where: { id: server.id } })).allowPrivate).toBe(true);
  });
});
