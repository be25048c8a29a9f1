// Issue 13 item 3: an incident closed for another reason than recovery (ports edited, monitor
// paused or deleted) records that reason, and every recipient of its DOWN message gets an
// honest CLOSED message in their language ("종료: 포트 변경"), never "recovered"; a new port is
// checked at once, not an interval later. Real probe loop, real sockets, a real SMTP server.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { gid } from '../graphql/api-helpers.ts';
import { startSmtpSink, type SmtpSink } from '../notify/fakes/smtp-sink.ts';
import { until as pollUntil } from '../helpers/poll.ts';
/** This file's waits: 20 s by default, every 150 ms. */
const until = <T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 20_000): Promise<T> =>
  pollUntil(what, fn, ms, 150);

async function listen(): Promise<net.Server> {
  const s = net.createServer((c) => c.on('error', () => {}));
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  return s;
}
const portOf = (s: net.Server) => (s.address() as net.AddressInfo).port;
/** A port nothing listens on (refused at once). */
async function deadPort(): Promise<number> {
  const s = await listen();
  const p = portOf(s);
  await new Promise<void>((r) => s.close(() => r()));
  return p;
}

describe(`incidents closed without recovery (${backend})`, () => {
  let app: TestApp;
  let smtp: SmtpSink;
  let open: net.Server;
  let probe: ProbeRuntime | null = null;
  async function startProbe() {
    probe = createProbeRuntime({
      prisma: app.db.prisma,
      events: app.services.events,
      signals: app.services.signals,
      resyncMs: 1_000,
    });
    await probe.start();
    const running = probe;
    app.services.probe = running;
  }
  beforeAll(async () => {
    smtp = await startSmtpSink();
    open = await listen();
    app = await startTestApp({ PROBE_ENABLED: 'true', DISPATCH_ENABLED: 'true', SMTP_URL: smtp.url });
    await app.db.prisma.adminRecipient.create({
      data: { name: 'NOC', email: 'noc@example.com', phone: null, language: 'en' },
    });
    await app.probe!.stop(); // a probe that reads the admin recipient at its start
    await startProbe();
  }, 120_000);
  afterAll(async () => {
    await probe?.stop();
    await app?.close();
    await smtp?.close();
    await new Promise<void>((r) => open.close(() => r()));
  });

  async function downMonitor(loginId: string) {
    const p = app.db.prisma;
    const account = await makeCustomer(p, loginId);
    await p.account.update({ where: { id: account.id }, data: { language: 'ko' } });
    const dead = await deadPort();
    const monitor = await makeMonitor(p, {
      accountId: account.id,
      ports: [dead],
      intervalSec: 60,
      retryIntervalSec: 1,
      timeoutMs: 500,
      failureThreshold: 1,
      recoveryThreshold: 2,
      probeHost: '127.0.0.1',
      ip: `127.0.0.${10 + (await p.monitor.count())}`,
    });
    app.services.signals.monitorChanged.emit(monitor.id);
    const incident = await until('the incident', () => p.incident.findFirst({ where: { monitorId: monitor.id } }));
    // the DOWN mails went out first
    await until(
      'DOWN sent',
      async () =>
        (await p.notification.count({ where: { incidentId: incident.id, kind: 'DOWN', status: 'YES' } })) === 2,
    );
    return { monitor, incident, cookie: await app.login(loginId, CUSTOMER_PASSWORD) };
  }

  async function closedMails(incidentId: string) {
    const p = app.db.prisma;
    const rows = await until('CLOSED sent', async () => {
      const r = await p.notification.findMany({
        where: { incidentId, kind: 'CLOSED', channel: 'EMAIL' },
        orderBy: { recipient: 'asc' },
      });
      return r.length === 2 && r.every((n) => n.status === 'YES') && r;
    }).catch(async (e: unknown) => {
      throw new Error(`${String(e)}: ${JSON.stringify(await p.notification.findMany({ where: { incidentId } }))}`);
    });
    expect(await p.notification.count({ where: { incidentId, kind: 'RECOVERED' } })).toBe(0);
    // the SMS switch is off for this monitor: its CLOSED SMS is NO, as its DOWN SMS was
    expect(
      await p.notification.findMany({
        where: { incidentId, channel: 'SMS' },
        select: { kind: true, status: true },
        orderBy: { kind: 'asc' },
      }),
    ).toEqual([
      { kind: 'DOWN', status: 'NO' },
      { kind: 'CLOSED', status: 'NO' },
    ]);
    const mails = smtp.received.filter((m) => rows.some((r) => m.parsed.messageId?.startsWith(`<${r.id}@`)));
    expect(mails).toHaveLength(2);
    return Object.fromEntries(
      mails.map((m) => [m.rcptTo[0]!.address, { subject: m.parsed.subject ?? '', text: m.parsed.text ?? '' }]),
    );
  }

  it('editing the ports of a DOWN monitor closes its incident as "ports changed", tells contact and admin, checks the new port at once', async () => {
    const { monitor, incident, cookie } = await downMonitor('edit-ports');
    const newPort = portOf(open);
    const edited = Date.now();
    const r = await app.gql(
      `mutation($i: UpdateMonitorInput!) { updateMonitor(input: $i) { __typename } }`,
      { i: { monitor: gid('Monitor', monitor.id), ports: String(newPort) } },
      { cookie },
    );
    expect(r.body.data, JSON.stringify(r.body)).toEqual({
      updateMonitor: { __typename: 'MutationUpdateMonitorSuccess' },
    });

    const closed = await until('closed', () =>
      app.db.prisma.incident.findFirst({ where: { id: incident.id, resolvedAt: { not: null } } }),
    );
    expect(closed.closeReason).toBe('PORTS_REMOVED');
    const mails = await closedMails(incident.id);
    expect(mails['contact@example.com']!.subject).toContain('종료: 포트 변경');
    expect(mails['contact@example.com']!.text).toContain('복구된 것이 아니며');
    expect(mails['contact@example.com']!.text).not.toContain('복구:');
    expect(mails['noc@example.com']!.subject).toContain('CLOSED: ports changed');
    expect(mails['noc@example.com']!.text).toContain('This is not a recovery');
    expect(mails['noc@example.com']!.text).not.toMatch(/RECOVERED|answer again/);

    // the new port was checked at once (its interval is 60 s) and is UP
    const state = await until(
      'the new port checked',
      () =>
        app.db.prisma.portState.findFirst({
          where: { monitorId: monitor.id, port: newPort, lastCheckAt: { not: null } },
        }),
      8_000,
    );
    expect(state.lastCheckAt!.getTime() - edited).toBeLessThan(5_000);
    expect(state.phase).toBe('UP');

    // the API says why
    const q = await app.gql<{ node: { closeReason: string; open: boolean } }>(
      `query($id: ID!) { node(id: $id) { ... on Incident { closeReason open } } }`,
      { id: gid('Incident', incident.id) },
      { cookie },
    );
    expect(q.body.data?.node).toEqual({ closeReason: 'PORTS_REMOVED', open: false });
  });

  it('pausing a DOWN monitor closes its incident as "monitoring paused"', async () => {
    const { monitor, incident, cookie } = await downMonitor('pause-it');
    const r = await app.gql(
      `mutation($id: ID!) { pauseMonitor(id: $id) { __typename } }`,
      { id: gid('Monitor', monitor.id) },
      { cookie },
    );
    expect(r.body.data).toEqual({ pauseMonitor: { __typename: 'MutationPauseMonitorSuccess' } });
    const closed = await until('closed', () =>
      app.db.prisma.incident.findFirst({ where: { id: incident.id, resolvedAt: { not: null } } }),
    );
    expect(closed.closeReason).toBe('MONITOR_PAUSED');
    const mails = await closedMails(incident.id);
    expect(mails['contact@example.com']!.subject).toContain('종료: 감시 일시중지');
    expect(mails['noc@example.com']!.subject).toContain('CLOSED: monitoring paused');
  });

  it('deleting a DOWN monitor closes its incident as "monitor deleted", also with no probe running', async () => {
    const { monitor, incident, cookie } = await downMonitor('delete-it');
    await probe!.stop(); // the API side closes it and queues the messages itself
    probe = null;
    try {
      const r = await app.gql(
        `mutation($id: ID!) { deleteMonitor(id: $id) { __typename } }`,
        { id: gid('Monitor', monitor.id) },
        { cookie },
      );
      expect(r.body.data).toEqual({ deleteMonitor: { __typename: 'MutationDeleteMonitorSuccess' } });
      const closed = await app.db.prisma.incident.findUniqueOrThrow({ where: { id: incident.id } });
      expect(closed.resolvedAt).not.toBeNull();
      expect(closed.closeReason).toBe('MONITOR_DELETED');
      const mails = await closedMails(incident.id);
      expect(mails['contact@example.com']!.subject).toContain('종료: 감시 삭제');
      expect(mails['noc@example.com']!.subject).toContain('CLOSED: monitor deleted');
    } finally {
      await startProbe();
    }
  });
});
