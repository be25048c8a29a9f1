// Flapping end to end in real time, on real sockets: a listener that refuses every other check
// (it stops listening after each accepted connection for 1.5 check intervals) never reaches the
// consecutive-failure threshold, yet opens exactly one host incident marked flapping, with one
// FLAPPING message per recipient and channel and no DOWN message; the API and the live
// subscription show the FLAPPING flag with the window's figures; when the listener stays up the
// incident closes once with STABLE messages (not RECOVERED); failure rows, log buckets and the
// statistics count the flapping time.
import net from 'node:net';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeRuntime, type ProbeRuntime } from '../../server/monitoring/runtime.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { backend } from '../helpers/db.ts';
import { CUSTOMER_PASSWORD, makeCustomer, makeMonitor } from '../helpers/fixtures.ts';
import { subscribe, wsClient } from '../helpers/ws.ts';
import { until } from '../helpers/poll.ts';
import { readHourlyRollups } from '../helpers/rollups.ts';

const INTERVAL_MS = 1_000;

/**
 * Accepts one connection, then refuses (not listening) for 1.5 intervals: ok, refused, ok, … (ok,
 * refused, refused when a check comes late). Three refusals in a row would need the reopening to
 * come more than 1.5 intervals late; with 2.5 intervals half an interval of lag under load was
 * enough (a DOWN incident instead of a flapping one).
 */
class Flapper {
  private server = net.createServer((s) => {
    s.on('error', () => {});
    s.destroy();
    if (!this.steady) void this.pause();
  });
  steady = false;
  accepted = 0;
  port = 0;
  private reopen: NodeJS.Timeout | undefined;

  async open(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as net.AddressInfo).port;
  }

  private async pause(): Promise<void> {
    this.accepted += 1;
    await new Promise<void>((r) => this.server.close(() => r()));
    this.reopen = setTimeout(() => void this.open().catch(() => {}), INTERVAL_MS * 1.5);
  }

  /** Stops flapping: listens from now on. */
  async settle(): Promise<void> {
    this.steady = true;
    clearTimeout(this.reopen);
    if (!this.server.listening) await this.open();
  }

  close(): Promise<void> {
    this.steady = true;
    clearTimeout(this.reopen);
    return new Promise((r) => (this.server.listening ? this.server.close(() => r()) : r()));
  }
}

type StatusEvent = {
  monitorStatus: {
    port: number;
    phase: string;
    flapping: boolean;
    flap: { checks: number; failed: number; changes: number; window: number } | null;
  };
};
const STATUS = `subscription($m: ID) { monitorStatus(monitorId: $m) { port phase flapping flap { checks failed changes window } } }`;

describe(`flapping in real time (${backend})`, () => {
  let app: TestApp;
  let probe: ProbeRuntime | undefined;
  const flapper = new Flapper();
  beforeAll(async () => {
    app = await startTestApp({ PROBE_ENABLED: 'true' });
  });
  afterAll(async () => {
    await probe?.stop();
    await flapper.close();
    await app?.close();
  });

  it('refusing every other check: one flapping incident, one FLAPPING message each, closed once as STABLE', async () => {
    const p = app.db.prisma;
    const alice = await makeCustomer(p, 'alice');
    await p.adminRecipient.create({ data: { name: 'NOC', email: 'noc@example.com', phone: null, language: 'en' } });
    await flapper.open();
    const monitor = await makeMonitor(p, {
      accountId: alice.id,
      ports: [flapper.port],
      intervalSec: 1,
      retryIntervalSec: 1,
      timeoutMs: 500,
      failureThreshold: 3,
      recoveryThreshold: 2,
    });
    // a short window keeps the test short: 6 checks, 4 changes (≥ 4 keeps one failure harmless)
    await p.monitor.update({
      where: { id: monitor.id },
      data: { flapWindow: 6, flapChanges: 4, flapFailedPercent: 30 },
    });
    await app.probe!.stop();
    probe = createProbeRuntime({
      prisma: p,
      events: app.services.events,
      signals: app.services.signals,
      resyncMs: 1_000,
      rollupFlushMs: 1_000,
    });
    await probe.start();
    app.services.probe = probe;
    app.services.signals.monitorChanged.emit(monitor.id);

    const cookie = await app.login('alice', CUSTOMER_PASSWORD);
    const ws = wsClient(app.url, { cookie });
    const live = subscribe<StatusEvent>(ws, STATUS, { m: encodeGlobalID('Monitor', monitor.id) });

    const incident = await until(
      'a flapping incident',
      () => p.incident.findFirst({ where: { monitorId: monitor.id } }),
      30_000,
    );
    expect(incident.flapping).toBe(true);
    const figures = incident.flapFigures as { port: number; checks: number; failed: number }[];
    expect(figures).toHaveLength(1);
    expect(figures[0]!.port).toBe(flapper.port);
    expect(figures[0]!.failed).toBeGreaterThanOrEqual(2);
    expect(figures[0]!.failed).toBeLessThan(figures[0]!.checks);
    // never three refusals in a row: the consecutive rule stayed silent
    const states = await p.portState.findMany({ where: { monitorId: monitor.id } });
    expect(states.map((s) => s.phase)).not.toContain('DOWN');

    // one FLAPPING row per recipient and channel; no DOWN message
    const rows = await until(
      'FLAPPING rows',
      async () => {
        const r = await p.notification.findMany({ where: { incidentId: incident.id } });
        return r.length ? r : null;
      },
      5_000,
    );
    expect(rows.map((n) => `${n.kind}:${n.recipientRole}:${n.channel}`).sort()).toEqual([
      'FLAPPING:ADMIN:EMAIL',
      'FLAPPING:CONTACT:EMAIL',
      'FLAPPING:CONTACT:SMS',
    ]);

    // live: the port carries the FLAPPING flag and its window
    const flappingEvent = await live.waitFor((e) => e.monitorStatus.flapping, 10_000);
    expect(flappingEvent.monitorStatus.flap?.window).toBe(6);
    expect(flappingEvent.monitorStatus.flap?.failed).toBeGreaterThan(0);

    // the API: the monitor's port status says FLAPPING, with the figures
    const q = await app.gql<{
      node: {
        portStatuses: { flapping: boolean; flap: { failed: number; checks: number } }[];
        policy: { flapWindow: number };
      };
    }>(
      `query($id: ID!) { node(id: $id) { ... on Monitor { portStatuses { flapping flap { failed checks } } policy { flapWindow } } } }`,
      { id: encodeGlobalID('Monitor', monitor.id) },
      { cookie },
    );
    expect(q.body.errors).toBeUndefined();
    expect(q.body.data?.node.portStatuses[0]?.flapping).toBe(true);
    expect(q.body.data?.node.policy.flapWindow).toBe(6);

    // it keeps flapping: still one incident, no more messages
    await new Promise((r) => setTimeout(r, 5_000));
    expect(flapper.accepted).toBeGreaterThanOrEqual(3);
    await probe.flush();
    expect(await p.incident.count({ where: { monitorId: monitor.id } })).toBe(1);
    expect(await p.notification.count({ where: { incidentId: incident.id } })).toBe(3);

    // the listener settles: after a window of answered checks the incident closes, as STABLE
    await flapper.settle();
    const resolved = await until(
      'resolution',
      async () => {
        const i = await p.incident.findUniqueOrThrow({ where: { id: incident.id } });
        return i.resolvedAt ? i : null;
      },
      20_000,
    );
    expect(resolved.resolvedAt!.getTime()).toBeGreaterThan(incident.openedAt.getTime());
    const closing = await until(
      'STABLE rows',
      async () => {
        const r = await p.notification.findMany({ where: { incidentId: incident.id, kind: { not: 'FLAPPING' } } });
        return r.length ? r : null;
      },
      5_000,
    );
    expect(closing.map((n) => `${n.kind}:${n.recipientRole}:${n.channel}`).sort()).toEqual([
      'STABLE:ADMIN:EMAIL',
      'STABLE:CONTACT:EMAIL',
      'STABLE:CONTACT:SMS',
    ]);
    await live.waitFor(
      (e) =>
        !e.monitorStatus.flapping &&
        e.monitorStatus.phase === 'UP' &&
        live.received.indexOf(e) > live.received.indexOf(flappingEvent),
      10_000,
    );

    // failure rows are marked; rollups count flapping time apart from down time
    const failures = await p.failureRun.findMany({ where: { monitorId: monitor.id } });
    expect(failures.every((f) => f.code === 'ECONNREFUSED')).toBe(true);
    expect(failures.some((f) => f.flapping)).toBe(true);
    await probe.stop();
    probe = undefined;
    const rollups = await readHourlyRollups(p, monitor.id);
    expect(rollups.reduce((s, r) => s + r.flapSeconds, 0)).toBeGreaterThan(3);
    expect(rollups.reduce((s, r) => s + r.downSeconds, 0)).toBe(0);

    // the log by hour marks the flapping period; the statistics count it separately
    const now = Date.now();
    const log = await app.gql<{
      monitorLog: { data: { buckets: { flapping: boolean; flappingSeconds: number; flappingFailures: number }[] } };
    }>(
      `query($m: ID!, $from: DateTime!, $to: DateTime!) { monitorLog(monitor: $m, granularity: HOUR, from: $from, to: $to, timeZone: "UTC") {
        ... on QueryMonitorLogSuccess { data { buckets { flapping flappingSeconds flappingFailures } } } } }`,
      {
        m: encodeGlobalID('Monitor', monitor.id),
        from: new Date(now - 7_200_000).toISOString(),
        to: new Date(now + 3_600_000).toISOString(),
      },
      { cookie },
    );
    expect(log.body.errors).toBeUndefined();
    const buckets = log.body.data!.monitorLog.data.buckets;
    expect(buckets.some((b) => b.flapping && b.flappingSeconds > 0 && b.flappingFailures > 0)).toBe(true);
    const stats = await app.gql<{ node: { yearlyStatistics: { flappingSeconds: number; downtimeSeconds: number }[] } }>(
      `query($id: ID!) { node(id: $id) { ... on Monitor { yearlyStatistics(timeZone: "UTC") { flappingSeconds downtimeSeconds } } } }`,
      { id: encodeGlobalID('Monitor', monitor.id) },
      { cookie },
    );
    expect(stats.body.errors).toBeUndefined();
    const year = stats.body.data!.node.yearlyStatistics.at(-1)!;
    expect(year.flappingSeconds).toBeGreaterThan(3);
    expect(year.downtimeSeconds).toBe(0);

    live.dispose();
    await ws.dispose();
  }, 90_000);
});
