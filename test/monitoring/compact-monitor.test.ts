// The port columns keep a quiet port's alert state exactly, and a monitor whose state lives in
// them (compact-monitor.ts) goes through the engine exactly as a plain object does: same states,
// same batches, on random check sequences (ok, refused, timed out; maintenance; flapping).
import { describe, expect, it } from 'vitest';
import { initialMonitorState, type MonitorAlertState, type PortState } from '../../server/alerting/index.ts';
import type { ProbeResult } from '../../server/probe/types.ts';
import type { Engine } from '../../server/monitoring/engine.ts';
import type { LiveMonitor } from '../../server/monitoring/model.ts';
import { CompactMonitor } from '../../server/monitoring/compact-monitor.ts';
import { PortColumns, portColumns } from '../../server/monitoring/port-columns.ts';
import { T0 } from './engine-harness.ts';
import { bareEngine, monitorFields } from './monitor-fixtures.ts';

const up = (over: Partial<PortState> = {}): PortState => ({
  phase: 'UP',
  consecutiveFailures: 0,
  consecutiveSuccesses: 7,
  since: T0 - 3_600_000,
  lastCheckAt: T0 - 1_000,
  lastOk: true,
  lastLatencyMs: 0.734,
  lastErrorCode: null,
  lastErrorMessage: null,
  ...over,
});

describe('port columns', () => {
  it('give back exactly what was written, flap window or not', () => {
    const c = new PortColumns();
    const states: PortState[] = [
      up(),
      up({ flap: { history: '000000000000000000000', flapping: false, since: null } }),
      up({ flap: { history: '', flapping: false, since: null } }),
      up({ lastErrorCode: 'ECONNREFUSED', lastErrorMessage: 'connect ECONNREFUSED 10.0.0.1:22' }),
      up({ phase: 'UNKNOWN', consecutiveSuccesses: 0, lastCheckAt: null, lastOk: null, lastLatencyMs: null }),
      up({ phase: 'PAUSED', lastOk: false, lastErrorCode: '', lastErrorMessage: '' }),
    ];
    const base = c.alloc(states.length);
    states.forEach((s, i) => {
      expect(c.fits(s)).toBe(true);
      c.write(base + i, 1000 + i, s);
    });
    states.forEach((s, i) => {
      expect(c.portAt(base + i)).toBe(1000 + i);
      expect(c.read(base + i)).toStrictEqual(s);
    });
  });

  it('refuse what they cannot keep exactly: a failure in the flap window, flapping, huge counters', () => {
    const c = new PortColumns();
    expect(c.fits(up({ flap: { history: '0001', flapping: false, since: null } }))).toBe(false);
    expect(c.fits(up({ flap: { history: '0000', flapping: true, since: T0 } }))).toBe(false);
    expect(c.fits(up({ consecutiveSuccesses: 2 ** 31 }))).toBe(false);
    expect(c.fits(up({ consecutiveFailures: 1.5 }))).toBe(false);
  });

  it('reuse freed slots', () => {
    const c = new PortColumns();
    const a = c.alloc(3);
    c.alloc(1);
    c.release(a, 3);
    expect(c.used()).toBe(1);
    expect(c.alloc(3)).toBe(a);
  });
});

function plainAndCompact(ports: number[]) {
  const fields = monitorFields(ports, {
    maintenance: [{ kind: 'once', startsAt: T0 + 40 * 60_000, endsAt: T0 + 55 * 60_000 }],
  });
  const plain: LiveMonitor = { ...fields, state: initialMonitorState(ports, T0) };
  const compact = new CompactMonitor(fields, initialMonitorState(ports, T0));
  return { plain, compact };
}

/** Batches without their generated ids (each engine draws its own incident ids). */
const comparable = (e: Engine) => {
  const { batch } = e.takeBatch();
  return JSON.parse(
    JSON.stringify({
      ...batch,
      portsChanged: [...batch.portsChanged.values()],
      flapChanged: [...batch.flapChanged.values()],
      runs: [...batch.runs.values()],
      portStates: [...batch.portStates.values()],
    }),
    (k, v) => (k === 'id' || k === 'incidentId' ? undefined : v),
  ) as unknown;
};

/** What the guard has heard (its window's counters). */
const guardFigures = (e: Engine) => ({ ...e.guard.window.figures(), degraded: e.guard.degraded });

describe('a compact monitor in the engine', () => {
  it('steps exactly as a plain one on random check sequences, and keeps no state object while quiet', () => {
    let seed = 7;
    const rand = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let steadyChecks = 0;
    for (let round = 0; round < 20; round++) {
      const ports = [22, 80, 443].slice(0, 1 + (round % 3));
      const { plain, compact } = plainAndCompact(ports);
      const e1 = bareEngine();
      const e2 = bareEngine();
      e1.adopt(plain, T0);
      e2.adopt(compact, T0);
      let t = T0;
      const failRate = [0, 0.05, 0.3, 0.6][round % 4] ?? 0;
      for (let i = 0; i < 300; i++) {
        t += 20_000;
        const port = ports[Math.floor(rand() * ports.length)] ?? 22;
        const x = rand();
        const latencyMs = Math.round(rand() * 5000) / 1000;
        const r: ProbeResult =
          x < failRate
            ? { ok: false, code: 'ECONNREFUSED', message: `connect ECONNREFUSED 203.0.113.5:${port}`, latencyMs, at: t }
            : { ok: true, latencyMs, at: t };
        const kind = rand() < 0.8 ? 'regular' : 'retry';
        // the compact monitor takes the engine's fast path here (written in place), the plain one never
        if (r.ok && compact.steadySlot(port, t) >= 0) steadyChecks += 1;
        e1.onResult(plain, port, r, kind);
        e2.onResult(compact, port, r, kind);
        const a: MonitorAlertState = plain.state;
        expect(compact.state).toEqual(a);
        expect(comparable(e2)).toEqual(comparable(e1));
        // the fast path feeds the rollups, the dirty set and the guard as the full step does
        expect(e2.rollups.pending(new Set([compact.id]))).toEqual(e1.rollups.pending(new Set([plain.id])));
        expect(e2.dirtyCount()).toBe(e1.dirtyCount());
        expect(guardFigures(e2)).toEqual(guardFigures(e1));
        const quiet = !a.host.incidentOpen && Object.values(a.ports).every((p) => portColumns.fits(p));
        expect(compact.compact).toBe(quiet);
      }
    }
    expect(steadyChecks).toBeGreaterThan(1000);
  });

  it('frees its slots when dropped, and its state stays readable', () => {
    const { compact } = plainAndCompact([22, 80]);
    const before = portColumns.used();
    const state = compact.state;
    compact.dispose();
    expect(portColumns.used()).toBe(before - 2);
    expect(compact.state).toEqual(state);
  });
});
