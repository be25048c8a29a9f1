// Issue 12.14: the probe engine publishes each port state once. A phase change used to be
// published twice (once by the PHASE_CHANGED action, once more by the check that caused it), and
// releasing held alerts published again the ports it had just changed. Here the engine runs on a
// manual clock (no database) through an outage, its recovery and a prober outage with held
// alerts; no port state may follow itself in the published stream.
import { describe, expect, it } from 'vitest';
import type { PortStatusEvent } from '../../server/events/events.ts';
import { engineHarness, hosts, S } from '../monitoring/engine-harness.ts';

const MIN = 60 * S;
const refused = { code: 'ECONNREFUSED', durationMs: 1 };
const unreachable = { code: 'ENETUNREACH', durationMs: 1 };

const sig = (e: PortStatusEvent) =>
  JSON.stringify([
    e.phase,
    e.since.getTime(),
    e.lastCheckAt?.getTime() ?? null,
    e.lastErrorCode,
    e.alertsHeld ?? false,
    e.flap?.flapping ?? false,
  ]);

/** Published port events of one port, in order. */
function portEvents(h: ReturnType<typeof engineHarness>, monitorId: string, port: number): PortStatusEvent[] {
  return h.published
    .filter((p) => p.kind === 'portStatus')
    .map((p) => p.event as PortStatusEvent)
    .filter((e) => e.monitorId === monitorId && e.port === port);
}

function expectNoRepeats(events: PortStatusEvent[]) {
  for (let i = 1; i < events.length; i++)
    expect(sig(events[i]!), `event ${i} repeats event ${i - 1}`).not.toBe(sig(events[i - 1]!));
}

describe('the engine publishes each port state once', () => {
  it('an outage and its recovery: every phase change once, in order', async () => {
    const from = 10 * MIN;
    const to = from + 5 * MIN;
    const h = engineHarness({ world: (_host, port, at) => (port === 22 && at >= from && at < to ? refused : null) });
    h.addMonitor({ id: 'web', host: '203.0.113.5', ports: [22, 80], retryIntervalMs: 10 * S, intervalMs: 60 * S });
    h.start();
    await h.runUntil(to + 5 * MIN);
    const events = portEvents(h, 'web', 22);
    expectNoRepeats(events);
    // the phases as published, each change once (failed checks while DOWN are updates of lastCheckAt)
    const phases = events.map((e) => e.phase).filter((p, i, all) => i === 0 || all[i - 1] !== p);
    expect(phases).toEqual(['UP', 'SUSPECT', 'DOWN', 'RECOVERING', 'UP']);
    // UNKNOWN → UP at the first check, and the recovery: one event each (steady UP checks publish nothing)
    expect(events.filter((e) => e.phase === 'UP')).toHaveLength(2);
    // threshold 3: two failed checks while SUSPECT (each its own check), one answer while RECOVERING (recovery threshold 2)
    expect(events.filter((e) => e.phase === 'SUSPECT')).toHaveLength(2);
    expect(events.filter((e) => e.phase === 'RECOVERING')).toHaveLength(1);
    // every failed check of the outage is one event, never two
    const failedChecks = h.checks.filter((c) => c.key === 'web:22' && !c.ok).length;
    expect(events.filter((e) => e.lastOk === false)).toHaveLength(failedChecks);
    expect(h.errors).toEqual([]);
  });

  it('held alerts released: the ports that change are published once, the others once for the "held" mark', async () => {
    const from = 10 * MIN;
    const to = from + 20 * MIN;
    const h = engineHarness({
      world: (_host, _port, at) => (at >= from && at < to ? unreachable : null),
      guard: { maxHoldMs: 3 * MIN },
    });
    for (const [i, x] of hosts(20, 7).entries())
      h.addMonitor({ id: `m${i}`, host: x.host, accountId: x.accountId, ports: [80] });
    h.start();
    await h.runUntil(to + 10 * MIN);
    expect(h.opened('PROBE_DEGRADED')).toHaveLength(1);
    for (let i = 0; i < 20; i++) {
      const events = portEvents(h, `m${i}`, 80);
      expect(events.length).toBeGreaterThan(2);
      expectNoRepeats(events);
    }
    expect(h.errors).toEqual([]);
  });
});
