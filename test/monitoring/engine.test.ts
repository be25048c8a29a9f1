// The engine in memory on a manual clock: the real scheduler and alerting core fed by a
// synthetic world; the write batches and the events published after each commit are asserted.
// Minutes of probing run in milliseconds.
import { describe, expect, it } from 'vitest';
import { phaseOf } from '../../server/probe/index.ts';
import { targetKey } from '../../server/monitoring/engine.ts';
import { engineHarness, hosts, S, T0, type World } from './engine-harness.ts';

const MIN = 60 * S;
const refused = { code: 'ECONNREFUSED', durationMs: 1 };
const unreachable = { code: 'ENETUNREACH', durationMs: 1 };

describe('engine: batch contents and after-commit events', () => {
  it('a port that stops answering: failure rows, one incident with its ledger rows, events only after the commit', async () => {
    const downFrom = 10 * MIN;
    const h = engineHarness({ world: (_host, port, at) => (port === 22 && at >= downFrom ? refused : null) });
    const m = h.addMonitor({ id: 'web', host: '203.0.113.5', ports: [22, 80], mailEnabled: true, smsEnabled: false });
    h.start();
    await h.runUntil(downFrom + 5 * MIN);

    const [incident, ...more] = h.opened('HOST_DOWN');
    expect(more).toEqual([]);
    expect(incident).toMatchObject({
      monitorId: 'web',
      accountId: m.accountId,
      host: '203.0.113.5',
      ports: [22],
      reason: 'connect ECONNREFUSED 203.0.113.5:22',
    });
    // the contact by the monitor's switches (SMS off → NO with the reason), the admin by its own
    expect(h.ledger().map((l) => [l.kind, l.recipientRole, l.channel, l.recipient, l.status, l.statusDetail])).toEqual([
      ['DOWN', 'CONTACT', 'EMAIL', 'ops@web.example', 'QUEUED', null],
      ['DOWN', 'CONTACT', 'SMS', '+821012345678', 'NO', 'not sent: SMS to the contact is switched off on this monitor'],
      ['DOWN', 'ADMIN', 'EMAIL', 'noc@example.com', 'QUEUED', null],
      ['DOWN', 'ADMIN', 'SMS', '+821099990000', 'QUEUED', null],
    ]);
    // every failed check is a row with the OS code; those from the opening check on carry the incident
    const failures = h.failures();
    expect(failures.length).toBeGreaterThanOrEqual(3);
    expect(failures.every((f) => f.port === 22 && f.code === 'ECONNREFUSED')).toBe(true);
    expect(failures.slice(0, 2).map((f) => f.incidentId)).toEqual([null, null]);
    expect(failures.slice(2).every((f) => f.incidentId === incident!.id)).toBe(true);
    // the incident and its rows are in one batch with the port's DOWN state
    const batch = h.committed.find((c) => c.batch.opened.length > 0)!;
    expect(batch.batch.portStates.get(targetKey('web', 22))).toMatchObject({ phase: 'DOWN', consecutiveFailures: 3 });
    expect(batch.batch.ledger.length).toBe(4);
    // the OPENED event was published after that batch committed, not when the check came back
    const opened = h.published.find((p) => p.kind === 'incident' && 'change' in p.event && p.event.change === 'OPENED');
    expect(opened?.at).toBe(batch.at);
    expect(h.failures()[2]!.at.getTime()).toBeLessThan(batch.at);
    expect(h.errors).toEqual([]);
  });
});

/** Every host of the installation answers, except while the prober itself is cut off. */
function proberOutage(from: number, to: number, alsoDown: (host: string, at: number) => boolean = () => false): World {
  return (host, _port, at) => ((at >= from && at < to) || alsoDown(host, at) ? unreachable : null);
}

async function installation(
  n: number,
  opts: { canaries?: boolean; world: World; guard?: Parameters<typeof engineHarness>[0]['guard'] },
) {
  const h = engineHarness({
    world: opts.world,
    ...(opts.canaries ? { canaries: ['192.0.2.1', '198.51.100.1', '203.0.113.1'] } : {}),
    ...(opts.guard ? { guard: opts.guard } : {}),
  });
  hosts(n, Math.min(n, 7)).forEach((x, i) => {
    h.addMonitor({ id: `m${i}`, host: x.host, accountId: x.accountId, ports: [80] });
  });
  h.start();
  return h;
}

describe('engine: the guard judges the prober, not the customers', () => {
  const from = 10 * MIN;
  const to = from + 5 * MIN;

  for (const n of [1, 5]) {
    it(`${n} host(s) without canaries: too few to judge, so the prober's own outage is alerted (never silenced on no evidence)`, async () => {
      const h = await installation(n, { world: proberOutage(from, to) });
      await h.runUntil(to);
      expect(h.opened('PROBE_DEGRADED')).toEqual([]);
      expect(h.opened('HOST_DOWN').length).toBe(n);
    });
  }

  it('5 hosts with canaries: the canaries hold every customer alert and the admins are told at once', async () => {
    const h = await installation(5, { canaries: true, world: proberOutage(from, to) });
    await h.runUntil(to);
    const [degraded] = h.opened('PROBE_DEGRADED');
    expect(degraded?.reason).toContain('canary targets failing');
    expect(h.opened('HOST_DOWN')).toEqual([]);
    const rows = h.ledger().filter((l) => l.incidentId === degraded!.id);
    expect(rows.map((r) => [r.channel, r.status, r.nextAttemptAt.getTime() - degraded!.openedAt.getTime()])).toEqual([
      ['EMAIL', 'QUEUED', 0],
      ['SMS', 'QUEUED', 0],
    ]);
  });

  for (const n of [50, 500]) {
    it(`${n} hosts: the prober losing its network trips the guard before any port's threshold; held alerts of ports that came back are dropped`, async () => {
      const h = await installation(n, { world: proberOutage(from, to) });
      await h.runUntil(30 * MIN);
      const [degraded, ...again] = h.opened('PROBE_DEGRADED');
      expect(again).toEqual([]);
      // first failures at `from` + up to one second; earliest third failure at from + 60 s
      expect(degraded!.openedAt.getTime() - T0).toBeLessThan(from + 60 * S);
      expect(degraded!.reason).toMatch(
        /of \d+ hosts \(\d+ of \d+ networks, \d+ customers\) answered none of their regular checks/,
      );
      expect(h.opened('HOST_DOWN')).toEqual([]);
      expect(h.ledger().filter((l) => l.recipientRole === 'CONTACT')).toEqual([]);
      // while held, the monitors with held ports say so; the hold is logged
      expect(h.logs.some((l) => l.msg === 'customer alerts held: the prober is checking its own connectivity')).toBe(
        true,
      );
      // resolved once the prober is back (clear for 6 min): PROBE_RECOVERED rows, still no customer incident
      expect(h.resolved().map((r) => r.id)).toEqual([degraded!.id]);
      expect(h.ledger().filter((l) => l.kind === 'PROBE_RECOVERED').length).toBe(2);
      expect(h.errors).toEqual([]);
    });
  }

  it('a real outage during the hold is announced when the hold ends, naming its ports', async () => {
    const h = await installation(50, {
      world: proberOutage(from, from + 3 * MIN, (host, at) => host === '10.0.3.1' && at >= from + 2 * MIN),
    });
    await h.runUntil(from + 3 * MIN);
    // while held, the monitors whose ports went DOWN say so
    expect([...h.engine.monitors.values()].filter((m) => h.engine.alertsHeld(m)).length).toBeGreaterThan(10);
    await h.runUntil(from + 15 * MIN);
    // the prober is back, the guard cleared: nothing is held any more, and only the real outage was raised
    expect([...h.engine.monitors.values()].filter((m) => h.engine.alertsHeld(m))).toEqual([]);
    const [incident, ...more] = h.opened('HOST_DOWN');
    expect(more).toEqual([]);
    expect(incident).toMatchObject({ host: '10.0.3.1', ports: [80] });
    const degraded = h.opened('PROBE_DEGRADED')[0]!;
    const resolvedAt = h
      .resolved()
      .find((r) => r.id === degraded.id)!
      .at.getTime();
    expect(incident!.openedAt.getTime()).toBe(resolvedAt);
  });

  it('one host with 20 ports failing (retries and sibling re-checks included) does not trip it: one incident naming every port', async () => {
    const h = engineHarness({ world: (host, _p, at) => (host === '10.0.0.1' && at >= from ? refused : null) });
    h.addMonitor({
      id: 'big',
      host: '10.0.0.1',
      ports: Array.from({ length: 20 }, (_, i) => 8000 + i),
      accountId: 'customer-0',
    });
    for (const [i, x] of hosts(30, 6).slice(1).entries())
      h.addMonitor({ id: `m${i}`, host: x.host, accountId: x.accountId, ports: [80] });
    h.start();
    await h.runUntil(from + 10 * MIN);
    expect(h.opened('PROBE_DEGRADED')).toEqual([]);
    const [incident, ...more] = h.opened('HOST_DOWN');
    expect(more).toEqual([]);
    expect(h.portsOf(incident!.id).length).toBe(20);
  });

  it("a small installation: one host's 20 ports failing, then another outage a minute after it recovered, are both alerted", async () => {
    const first = (at: number) => at >= from && at < from + 5 * MIN;
    const second = (at: number) => at >= from + 12 * MIN;
    const h = engineHarness({
      world: (host, _p, at) => (host === '10.0.0.1' && (first(at) || second(at)) ? refused : null),
    });
    h.addMonitor({
      id: 'only',
      host: '10.0.0.1',
      ports: Array.from({ length: 20 }, (_, i) => 8000 + i),
      intervalMs: 20 * S,
      retryIntervalMs: 10 * S,
    });
    h.start();
    await h.runUntil(from + 14 * MIN);
    expect(h.opened('PROBE_DEGRADED')).toEqual([]);
    expect(h.opened('HOST_DOWN').length).toBe(2);
    expect(h.resolved().length).toBe(1);
  });

  it("one customer's network (20 hosts in one /24) going dark does not trip it", async () => {
    const h = engineHarness({
      world: (host, _p, at) => (host.startsWith('10.9.9.') && at >= from ? unreachable : null),
    });
    for (const [i, x] of hosts(30, 6).entries())
      h.addMonitor({ id: `m${i}`, host: x.host, accountId: x.accountId, ports: [80] });
    for (let i = 0; i < 20; i++)
      h.addMonitor({ id: `dark${i}`, host: `10.9.9.${i + 1}`, accountId: 'dark-customer', ports: [80] });
    h.start();
    await h.runUntil(from + 10 * MIN);
    expect(h.opened('PROBE_DEGRADED')).toEqual([]);
    expect(h.opened('HOST_DOWN').length).toBe(20);
  });

  it('the hold lasts at most maxHoldMs (10 min): then held incidents are raised anyway, and later ones at once', async () => {
    const long = from + 30 * MIN;
    const h = await installation(50, { world: proberOutage(from, long) });
    await h.runUntil(from + 25 * MIN);
    const degraded = h.opened('PROBE_DEGRADED')[0]!;
    const since = degraded.openedAt.getTime();
    const raised = h.opened('HOST_DOWN');
    expect(raised.length).toBe(50);
    // nothing before the limit; at the limit, every port then DOWN (most of them) together
    expect(Math.min(...raised.map((r) => r.openedAt.getTime()))).toBeGreaterThanOrEqual(since + 10 * MIN);
    expect(raised.filter((r) => r.openedAt.getTime() === since + 10 * MIN).length).toBeGreaterThan(40);
    expect(h.logs.some((l) => l.msg === 'customer alerts held too long: held incidents are raised anyway')).toBe(true);
    // the admin incident stays open until the prober is back
    expect(h.resolved().some((r) => r.id === degraded.id)).toBe(false);
    // their DOWN rows go out at once (no port of these hosts is undecided)
    for (const r of raised) expect(h.downDueAt(r.id)! - r.openedAt.getTime()).toBeLessThanOrEqual(500);
  });

  it('maxHoldMs is configurable', async () => {
    const h = await installation(50, { world: proberOutage(from, from + 20 * MIN), guard: { maxHoldMs: 3 * MIN } });
    await h.runUntil(from + 6 * MIN);
    const since = h.opened('PROBE_DEGRADED')[0]!.openedAt.getTime();
    expect(Math.min(...h.opened('HOST_DOWN').map((r) => r.openedAt.getTime()))).toBe(since + 3 * MIN);
  });
});

describe('engine: consecutive failures are a retry interval apart (the double-check race)', () => {
  it('a sibling whose check is in flight when the first port turns SUSPECT is not checked again the moment it ends', async () => {
    const interval = 60 * S;
    const timeout = 5 * S;
    // find a monitor whose port 443 starts its regular check 1–4 s before port 80's
    let id = '';
    for (let i = 0; i < 10_000 && !id; i++) {
      const d =
        (phaseOf(targetKey(`race${i}`, 80), interval) - phaseOf(targetKey(`race${i}`, 443), interval) + interval) %
        interval;
      if (d > 1_000 && d < 4_000) id = `race${i}`;
    }
    expect(id).not.toBe('');
    const from = 5 * MIN;
    // port 80 refuses at once; port 443 hangs until the timeout
    const h = engineHarness({
      world: (_h, port, at) => (at < from ? null : port === 80 ? refused : { code: 'ETIMEDOUT', durationMs: timeout }),
    });
    h.addMonitor({
      id,
      host: '10.0.0.1',
      ports: [80, 443],
      intervalMs: interval,
      retryIntervalMs: 10 * S,
      timeoutMs: timeout,
      failureThreshold: 3,
    });
    h.start();
    await h.runUntil(from + 3 * MIN);
    const f443 = h
      .failures()
      .filter((f) => f.port === 443)
      .map((f) => f.at.getTime());
    const f80 = h
      .failures()
      .filter((f) => f.port === 80)
      .map((f) => f.at.getTime());
    // the first failures of 443 are checks started at least the retry interval apart
    for (let i = 1; i < 3; i++) expect(f443[i]! - f443[i - 1]!).toBeGreaterThanOrEqual(10 * S);
    // the 443 check that was in flight when 80 turned SUSPECT came back after it
    expect(f443[0]!).toBeLessThan(f80[0]!);
    expect(f443[0]! + timeout).toBeGreaterThan(f80[0]!);
    // so the incident opens no earlier than the third failure: threshold × retry after the first
    const incident = h.opened('HOST_DOWN')[0]!;
    expect(incident.openedAt.getTime() - f443[0]!).toBeGreaterThanOrEqual(2 * 10 * S);
    expect(h.portsOf(incident.id)).toEqual([80, 443]);
  });
});

describe('engine: DOWN waits only while a port of the host is undecided', () => {
  const from = 5 * MIN;

  it('a single-port host: sent at once', async () => {
    const h = engineHarness({ world: (_h, _p, at) => (at >= from ? refused : null) });
    h.addMonitor({ id: 'one', host: '10.0.0.1', ports: [80], intervalMs: 10 * S, retryIntervalMs: 2 * S });
    h.start();
    await h.runUntil(from + 1 * MIN);
    const incident = h.opened('HOST_DOWN')[0]!;
    expect(
      h
        .ledger()
        .filter((l) => l.kind === 'DOWN')
        .every((l) => l.nextAttemptAt.getTime() === incident.openedAt.getTime()),
    ).toBe(true);
  });

  it('the other ports answered their re-check: sent at once', async () => {
    const h = engineHarness({ world: (_h, port, at) => (port === 80 && at >= from ? refused : null) });
    h.addMonitor({ id: 'two', host: '10.0.0.1', ports: [80, 443, 8080], intervalMs: 10 * S, retryIntervalMs: 2 * S });
    h.start();
    await h.runUntil(from + 1 * MIN);
    const incident = h.opened('HOST_DOWN')[0]!;
    expect(h.portsOf(incident.id)).toEqual([80]);
    expect(h.downDueAt(incident.id)! - incident.openedAt.getTime()).toBeLessThanOrEqual(500);
  });

  it('a sibling still SUSPECT: the message waits until it joins, then goes at once naming both ports', async () => {
    // 443 starts failing 3 s after 80: still SUSPECT when 80 reaches its threshold
    const h = engineHarness({ world: (_h, port, at) => (at >= from + (port === 443 ? 3 * S : 0) ? refused : null) });
    h.addMonitor({ id: 'pair', host: '10.0.0.1', ports: [80, 443], intervalMs: 60 * S, retryIntervalMs: 10 * S });
    h.start();
    await h.runUntil(from + 3 * MIN);
    const incident = h.opened('HOST_DOWN')[0]!;
    const joined = h.committed.find((c) => c.batch.portsChanged.get(incident.id)?.length === 2)!;
    expect(h.portsOf(incident.id)).toEqual([80, 443]);
    const due = h.downDueAt(incident.id)!;
    expect(due).toBeGreaterThan(incident.openedAt.getTime());
    expect(due).toBe(joined.at);
    expect(h.opened('HOST_DOWN').length).toBe(1);
  });

  it('a sibling that recovers releases the wait at its answer', async () => {
    // 443 fails once (SUSPECT) and then answers
    let failedOnce = false;
    const h = engineHarness({
      world: (_h, port, at) => {
        if (port === 80) return at >= from ? refused : null;
        if (at >= from + 15 * S && !failedOnce) {
          failedOnce = true;
          return refused;
        }
        return null;
      },
    });
    h.addMonitor({ id: 'pair', host: '10.0.0.1', ports: [80, 443], intervalMs: 60 * S, retryIntervalMs: 10 * S });
    h.start();
    await h.runUntil(from + 3 * MIN);
    const incident = h.opened('HOST_DOWN')[0]!;
    expect(h.portsOf(incident.id)).toEqual([80]);
    const due = h.downDueAt(incident.id)!;
    const waited = due - incident.openedAt.getTime();
    // it waited for 443's retry only (not the cap of 2 × 10 s + 2 × 5 s)
    expect(waited).toBeGreaterThanOrEqual(0);
    expect(waited).toBeLessThanOrEqual(10 * S + 500);
  });
});

describe('engine: admin recipients', () => {
  it('a recipient change applies to the next incident: added ones get rows, removed ones none', async () => {
    const h = engineHarness({
      world: (host, _p, at) =>
        (host === '10.0.0.1' && at >= 2 * MIN) || (host === '10.0.0.2' && at >= 5 * MIN) ? refused : null,
    });
    h.addMonitor({ id: 'a', host: '10.0.0.1', ports: [80], intervalMs: 10 * S, retryIntervalMs: 2 * S });
    h.addMonitor({ id: 'b', host: '10.0.0.2', ports: [80], intervalMs: 10 * S, retryIntervalMs: 2 * S });
    h.start();
    await h.runUntil(4 * MIN);
    h.setAdmins([{ email: 'night@example.com', phone: null, mailEnabled: true, smsEnabled: false, language: 'ko' }]);
    await h.runUntil(7 * MIN);
    const [a, b] = h.opened('HOST_DOWN');
    const admins = (id: string) =>
      h
        .ledger()
        .filter((l) => l.incidentId === id && l.recipientRole === 'ADMIN')
        .map((l) => l.recipient);
    expect(admins(a!.id)).toEqual(['noc@example.com', '+821099990000']);
    expect(admins(b!.id)).toEqual(['night@example.com']);
  });
});

describe('engine: alert timing', () => {
  // The README's bound: from the moment a port stops answering to its DOWN rows being committed
  // and due for the dispatcher, at most interval + (threshold − 1) × retry + timeout + 0.5 s;
  // when other ports of the host fail with it, one more timeout (their first re-check).
  const policy = { intervalMs: 60 * S, retryIntervalMs: 10 * S, timeoutMs: 5 * S, failureThreshold: 3 };
  const single = policy.intervalMs + (policy.failureThreshold - 1) * policy.retryIntervalMs + policy.timeoutMs + 500;
  const together = single + policy.timeoutMs;

  for (const mode of ['refused', 'timeout'] as const) {
    it(`holds for outages starting at any moment (${mode}), one port and three ports failing together`, async () => {
      const failure = mode === 'refused' ? refused : { code: 'ETIMEDOUT', durationMs: policy.timeoutMs };
      const starts = new Map<string, number>();
      const lasts = 4 * MIN;
      const h = engineHarness({
        world: (host, _p, at) =>
          at >= (starts.get(host) ?? Infinity) && at < starts.get(host)! + lasts ? failure : null,
      });
      for (let i = 0; i < 40; i++) {
        const host = `10.0.${i}.1`;
        // one outage every 30 s (a few hosts at a time: no mass failure), at every phase of the interval
        starts.set(host, 3 * MIN + i * 30 * S + ((i * 7_919) % policy.intervalMs));
        h.addMonitor({
          id: `t${i}`,
          host,
          ports: i % 2 === 0 ? [80] : [22, 80, 443],
          accountId: `c${i % 7}`,
          ...policy,
        });
      }
      h.start();
      await h.runUntil(30 * MIN);
      const opened = h.opened('HOST_DOWN');
      expect(opened.length).toBe(40);
      const worst = { single: 0, together: 0 };
      for (const incident of opened) {
        const i = Number(incident.monitorId!.slice(1));
        const took = h.downDueAt(incident.id)! - T0 - starts.get(incident.host!)!;
        const kind = i % 2 === 0 ? 'single' : 'together';
        worst[kind] = Math.max(worst[kind], took);
        expect(took, `${incident.monitorId}`).toBeLessThanOrEqual(kind === 'single' ? single : together);
        if (kind === 'together') expect(h.portsOf(incident.id)).toEqual([22, 80, 443]);
      }
      // the bound is tight enough to mean something: the worst case comes near it
      expect(worst.single).toBeGreaterThan(single - policy.intervalMs / 4);
      expect(h.opened('PROBE_DEGRADED')).toEqual([]);
    });
  }
});
