// Check kinds end to end: registered through the API (with a typed field error first), probed by
// the real runtime against real local servers (an SMTP server answering 421, a TLS server whose
// certificate expires in 20 days, an HTTP server answering 502), failures logged with their
// precise reasons, TLS facts on the monitor, the 30-day warning queued once, the certificates list.
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../server/probe/checks/index.ts';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer } from '../helpers/fixtures.ts';
import { issue } from '../probe/certs.ts';
import { until } from '../helpers/poll.ts';

const DAY = 86_400_000;
const listen = (s: net.Server) =>
  new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as net.AddressInfo).port)));

const REGISTER = `mutation($input: RegisterMonitorInput!) { registerMonitor(input: $input) {
  __typename ... on MutationRegisterMonitorSuccess { data { id checks { port kind preset summary serverName verifyChain statusMin statusMax } } }
  ... on ValidationError { fields { path message } } } }`;

describe(`check kinds through the runtime (${backend})`, () => {
  let app: TestApp;
  let probe: ProbeRuntime | undefined;
  const servers: net.Server[] = [];
  const ca = issue({ cn: 'portwatch test CA', ca: true });
  const leaf = issue({
    cn: 'shop.example.test',
    names: ['shop.example.test'],
    issuer: ca,
    notAfter: new Date(Date.now() + 20 * DAY),
  });
  beforeAll(async () => {
    app = await startTestApp({ PROBE_ENABLED: 'false' });
  });
  afterAll(async () => {
    await probe?.stop();
    for (const s of servers) s.close();
    await app?.close();
  });

  it('BANNER 421, TLS facts and warning, HTTP 502: reasons in the failure log, facts on the monitor', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'alice');
    await p.server.create({
      data: { ip: '127.0.0.1', accountId: alice.id, source: 'HOSTING_INVENTORY', allowPrivate: true },
    });
    const smtp = net.createServer((s) => {
      s.on('error', () => {});
      s.end('421 Service not available\r\n');
    });
    const tlsd = tls.createServer({ cert: leaf.cert, key: leaf.key }, (s) => s.end());
    tlsd.on('tlsClientError', () => {});
    const web = http.createServer((_q, s) => void s.writeHead(502, 'Bad Gateway').end('upstream down'));
    servers.push(smtp, tlsd, web);
    const [smtpPort, tlsPort, webPort] = [await listen(smtp), await listen(tlsd), await listen(web)];

    probe = createProbeRuntime({
      prisma: p,
      events: app.services.events,
      signals: app.services.signals,
      check: (t, o) => runCheck(t, { ...o, ca: [ca.cert] }),
    });
    await probe.start();
    const cookie = await app.login('alice', CUSTOMER_PASSWORD);

    const base = {
      host: '127.0.0.1',
      ports: [smtpPort, tlsPort, webPort],
      contactName: 'A',
      contactEmail: 'a@example.com',
      smsEnabled: false,
      intervalSec: 10,
      retryIntervalSec: 2,
      timeoutMs: 1000,
    };
    // a bad field is refused with its path, and nothing is registered
    const bad = await app.gql(
      REGISTER,
      {
        input: {
          ...base,
          checks: [
            { port: tlsPort, kind: 'TLS', serverName: 'not a name' },
            { port: 1, kind: 'BANNER', preset: 'SSH' },
          ],
        },
      },
      { cookie },
    );
    expect(bad.body.data).toEqual({
      registerMonitor: {
        __typename: 'ValidationError',
        fields: [
          {
            path: ['input', 'checks', '0', 'serverName'],
            message: 'Enter a host name such as www.example.com (it is sent, never looked up)',
          },
          { path: ['input', 'checks', '1', 'port'], message: "Port 1 is not one of this monitor's ports" },
        ],
      },
    });
    expect(await p.monitor.count()).toBe(0);

    const checks = [
      { port: smtpPort, kind: 'BANNER', preset: 'SMTP' },
      { port: tlsPort, kind: 'TLS', serverName: 'shop.example.test' },
      { port: webPort, kind: 'HTTP', path: '/health' },
    ];
    const ok = await app.gql<{ registerMonitor: { data: { id: string; checks: { port: number; kind: string }[] } } }>(
      REGISTER,
      { input: { ...base, checks } },
      { cookie },
    );
    const reg = ok.body.data!.registerMonitor.data;
    expect(reg.checks.map((c) => [c.port, c.kind])).toEqual(
      [
        [smtpPort, 'BANNER'],
        [tlsPort, 'TLS'],
        [webPort, 'HTTP'],
      ].sort((a, b) => (a[0] as number) - (b[0] as number)),
    );
    const monitor = await p.monitor.findFirstOrThrow();

    const failures = await until(
      'both failing ports in the log',
      async () => {
        const rows = await p.failureRun.findMany({ where: { monitorId: monitor.id } });
        return new Set(rows.map((r) => r.port)).size === 2 ? rows : null;
      },
      20_000,
    );
    const byPort = (port: number) => failures.filter((f) => f.port === port);
    expect(byPort(smtpPort)[0]).toMatchObject({
      code: 'BANNER_MISMATCH',
      message: 'expected 220, got 421 Service not available',
    });
    expect(byPort(webPort)[0]).toMatchObject({
      code: 'HTTP_STATUS',
      message: 'HTTP 502 Bad Gateway (expected 200–399)',
    });
    expect(byPort(tlsPort)).toEqual([]);

    // the TLS port is UP, its facts are on the monitor, and its 30-day warning is queued once
    const cert = await until(
      'the certificate',
      () => p.certificate.findFirst({ where: { monitorId: monitor.id } }),
      10_000,
    );
    expect(cert).toMatchObject({
      port: tlsPort,
      subject: 'CN=shop.example.test',
      trusted: true,
      nameMatches: true,
      current: true,
    });
    await until(
      'the warning',
      async () => (await p.notification.count({ where: { kind: 'CERT_EXPIRING' } })) === 1,
      10_000,
    );
    const q = await app.gql<{
      monitor: { certificates: { port: number; subject: string; daysLeft: number; protocol: string }[] };
      certificates: { totalCount: number; nodes: { port: number }[] };
    }>(
      `query($id: ID!) { monitor(id: $id) { certificates { port subject daysLeft protocol } } certificates(first: 10) { totalCount nodes { port } } }`,
      { id: reg.id },
      { cookie },
    );
    expect(q.body.data!.monitor.certificates).toEqual([
      { port: tlsPort, subject: 'CN=shop.example.test', daysLeft: 19, protocol: 'TLSv1.3' },
    ]);
    expect(q.body.data!.certificates).toEqual({ totalCount: 1, nodes: [{ port: tlsPort }] });
    // warnings are not outages: the incident list shows the host's DOWN incident only (once it opens)
    const incidents = await app.gql<{ incidents: { nodes: { kind: string }[] } }>(
      `{ incidents(first: 10) { nodes { kind } } }`,
      {},
      { cookie },
    );
    expect(incidents.body.data!.incidents.nodes.every((i) => i.kind === 'HOST_DOWN')).toBe(true);

    // another customer sees no certificate
    await makeCustomer(p, 'bob');
    const bobs = await app.gql<{ certificates: { totalCount: number } }>(
      `{ certificates(first: 10) { totalCount } }`,
      {},
      { cookie: await app.login('bob', CUSTOMER_PASSWORD) },
    );
    expect(bobs.body.data!.certificates.totalCount).toBe(0);
  });
});
