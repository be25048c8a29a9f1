// Failure runs on a manual clock: the real scheduler, alerting core and engine, with every failed
// check recorded as it is counted; the committed runs must compact those checks exactly.
import { describe, expect, it } from 'vitest';
import { QUARTER_MS, type RunRow } from '../../server/monitoring/runs.ts';
import { quarterCounts } from '../helpers/failure-runs.ts';
import { engineHarness, S, T0 } from './engine-harness.ts';

const MIN = 60 * S;
const HOUR = 60 * MIN;
const refused = { code: 'ECONNREFUSED', durationMs: 1 };
const unreachable = { code: 'EHOSTUNREACH', durationMs: 1 };

type Harness = ReturnType<typeof engineHarness>;

/** The committed runs count exactly the failed checks, per port and UTC quarter hour, and never overlap. */
function expectExact(h: Harness): RunRow[] {
  const runs = h.runs();
  const perCheck = new Map<string, number>();
  for (const f of h.failures()) {
    const k = `${f.monitorId}:${f.port}:${Math.floor(f.at.getTime() / QUARTER_MS) * QUARTER_MS}`;
    perCheck.set(k, (perCheck.get(k) ?? 0) + 1);
  }
  expect(quarterCounts(runs)).toEqual(perCheck);
  for (const r of runs) expect(r.slots.reduce((a, b) => a + b, 0)).toBe(r.count);
  const sorted = [...runs].sort((a, b) => a.port - b.port || a.firstAt.getTime() - b.firstAt.getTime());
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.port === sorted[i - 1]!.port)
      expect(sorted[i]!.firstAt.getTime()).toBeGreaterThan(sorted[i - 1]!.lastAt.getTime());
  }
  return sorted;
}

describe('failure runs', () => {
  it('a port down for a day is a few growing rows, cut at the incident and at UTC midnight', async () => {
    const from = 23 * HOUR; // T0 is a UTC midnight: the outage crosses the next one
    const h = engineHarness({ world: (_host, port, at) => (port === 22 && at >= from ? refused : null) });
    h.addMonitor({ id: 'web', host: '203.0.113.5', ports: [22, 80] });
    h.start();
    await h.runUntil(from + 24 * HOUR);
    const runs = expectExact(h);
    const incident = h.opened('HOST_DOWN')[0]!;
    // SUSPECT checks before the incident; the incident's checks until midnight; the next day's
    expect(runs.map((r) => [r.port, r.incidentId, r.code])).toEqual([
      [22, null, 'ECONNREFUSED'],
      [22, incident.id, 'ECONNREFUSED'],
      [22, incident.id, 'ECONNREFUSED'],
    ]);
    expect(runs[2]!.firstAt.getTime()).toBe(
      Math.min(
        ...h
          .failures()
          .filter((f) => f.at.getTime() >= T0 + 24 * HOUR)
          .map((f) => f.at.getTime()),
      ),
    );
    expect(runs.reduce((n, r) => n + r.count, 0)).toBe(h.failures().length);
    expect(h.failures().length).toBeGreaterThan(24 * 20 - 5); // ~20 checks an hour at 180 s
  });

  it('a change of reason or a success starts a new run', async () => {
    const h = engineHarness({
      world: (_host, port, at) => {
        if (port !== 22 || at < 10 * MIN) return null;
        if (at < 40 * MIN) return refused;
        if (at < 70 * MIN) return unreachable;
        if (at < 80 * MIN) return null; // answers again (long enough to recover)
        return refused;
      },
    });
    h.addMonitor({ id: 'web', host: '203.0.113.5', ports: [22], failureThreshold: 1, recoveryThreshold: 1 });
    h.start();
    await h.runUntil(100 * MIN);
    const runs = expectExact(h);
    const [first, second, third] = h.opened('HOST_DOWN');
    expect(runs.map((r) => [r.code, r.incidentId])).toEqual([
      ['ECONNREFUSED', first!.id],
      ['EHOSTUNREACH', first!.id],
      ['ECONNREFUSED', second!.id],
    ]);
    expect(third).toBeUndefined();
  });

  it('checks in a maintenance window are a run of their own, marked', async () => {
    const h = engineHarness({ world: (_host, port, at) => (port === 22 && at >= 10 * MIN ? refused : null) });
    h.addMonitor({
      id: 'web',
      host: '203.0.113.5',
      ports: [22],
      failureThreshold: 1,
      maintenance: [{ kind: 'once', startsAt: T0 + 20 * MIN, endsAt: T0 + 40 * MIN }],
    });
    h.start();
    await h.runUntil(60 * MIN);
    const runs = expectExact(h);
    expect(runs.map((r) => r.maintenance)).toEqual([false, true, false]);
    expect(runs[1]!.firstAt.getTime()).toBeGreaterThanOrEqual(T0 + 20 * MIN);
    expect(runs[1]!.lastAt.getTime()).toBeLessThan(T0 + 40 * MIN);
  });

  it('a restart mid-run starts a new run at its first check; nothing is counted twice', async () => {
    const h = engineHarness({ world: (_host, port, at) => (port === 22 && at >= 10 * MIN ? refused : null) });
    const spec = { id: 'web', host: '203.0.113.5', ports: [22], failureThreshold: 1 };
    const m = h.addMonitor(spec);
    h.start();
    await h.runUntil(40 * MIN);
    // the process lets the monitor go (its shard moved, or it stopped) and a fresh state takes it back
    h.engine.release(m, h.clock.now());
    const before = h.failures().length;
    h.addMonitor(spec);
    await h.runUntil(70 * MIN);
    const runs = expectExact(h);
    expect(h.failures().length).toBeGreaterThan(before);
    const afterRestart = h.failures().slice(before);
    expect(runs.some((r) => r.firstAt.getTime() === afterRestart[0]!.at.getTime())).toBe(true);
    expect(
      runs
        .filter((r) => r.firstAt.getTime() < afterRestart[0]!.at.getTime())
        .every((r) => r.lastAt.getTime() < afterRestart[0]!.at.getTime()),
    ).toBe(true);
  });
});

describe('failure runs of a flapping port', () => {
  it('span the successes while the port is FLAPPING: a few rows a day, marked, counted exactly', async () => {
    const interval = 180 * S;
    // two checks of three refused, for six hours, then steady
    const h = engineHarness({
      world: (_host, port, at) =>
        port === 22 && at < 6 * HOUR && Math.floor(at / interval) % 3 !== 0 ? refused : null,
    });
    h.addMonitor({ id: 'web', host: '203.0.113.5', ports: [22] });
    h.start();
    await h.runUntil(8 * HOUR);
    const runs = expectExact(h);
    const flapping = runs.filter((r) => r.flapping);
    expect(flapping.length).toBeGreaterThan(0);
    expect(flapping.reduce((n, r) => n + r.count, 0)).toBeGreaterThan(h.failures().length / 2);
    expect(runs.length).toBeLessThan(h.failures().length / 10);
  });
});
