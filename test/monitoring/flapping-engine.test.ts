// The probe engine with the flapping rule, on a manual clock (no database, no sockets): which
// incident rows and which messages (ledger kinds) each check sequence produces.
import { describe, expect, it } from 'vitest';
import { initialMonitorState, type MaintenanceWindow } from '../../server/alerting/index.ts';
import type { ProbeResult } from '../../server/probe/types.ts';
import type { LiveMonitor } from '../../server/monitoring/model.ts';
import { T0 } from './engine-harness.ts';
import { bareEngine, monitorFields } from './monitor-fixtures.ts';
const STEP = 180_000;

function setup(maintenance: MaintenanceWindow[] = []) {
  const engine = bareEngine([
    { email: 'noc@example.com', phone: null, mailEnabled: true, smsEnabled: true, language: 'en' },
  ]);
  const m: LiveMonitor = {
    ...monitorFields([22], { intervalMs: STEP, maintenance }),
    state: initialMonitorState([22], T0),
  };
  engine.monitors.set(m.id, m);
  let t = T0;
  const log: string[] = [];
  /** 'f' refused, 'o' answered; returns what the batch got, as "opened:KIND", "ledger:KIND", "resolved", "flap:port". */
  const run = (pattern: string): string[] => {
    const out: string[] = [];
    for (const c of pattern) {
      t += STEP;
      const r: ProbeResult =
        c === 'o'
          ? { ok: true, latencyMs: 2, at: t }
          : { ok: false, latencyMs: 1, at: t, code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 203.0.113.5:22' };
      engine.onResult(m, 22, r, 'regular');
      const { batch } = engine.takeBatch();
      for (const o of batch.opened) out.push(`opened${o.flapFigures?.length ? ':flapping' : ''}`);
      for (const [, figures] of batch.flapChanged) out.push(`marked:${figures.map((f) => f.port).join(',')}`);
      if (batch.resolved.length) out.push('resolved');
      for (const kind of new Set(batch.ledger.map((l) => l.kind))) out.push(`ledger:${kind}`);
    }
    log.push(...out);
    return out;
  };
  return { engine, m, run, log };
}

describe('engine with the flapping rule (manual clock)', () => {
  it('a flap-free outage: DOWN at the 3rd failure, RECOVERED at the 2nd success, as before', () => {
    const { run } = setup();
    expect(run('ooff')).toEqual([]);
    expect(run('f')).toEqual(['opened', 'ledger:DOWN']);
    expect(run('ffffo')).toEqual([]);
    expect(run('o')).toEqual(['resolved', 'ledger:RECOVERED']);
  });

  it('alternating forever: one FLAPPING incident and message; when it stops, one STABLE message', () => {
    const { run, m } = setup();
    expect(run('fofo')).toEqual([]);
    expect(run('f')).toEqual(['opened:flapping', 'ledger:FLAPPING']);
    expect(run('of'.repeat(100))).toEqual([]);
    expect(m.incidentFlap).toEqual([
      { port: 22, checks: 5, failed: 3, changes: 4, at: new Date(T0 + 5 * STEP).toISOString() },
    ]);
    expect(run('o'.repeat(20))).toEqual([]);
    expect(run('o')).toEqual(['resolved', 'ledger:STABLE']);
  });

  it('flapping, then DOWN, then recovery: one incident, no second message, closed as STABLE', () => {
    const { run, log } = setup();
    run('fofof'); // opens (FLAPPING)
    expect(run('ffff')).toEqual([]); // DOWN joins silently
    expect(run('oo')).toEqual([]); // recovered, but still flapping by the window
    run('o'.repeat(21));
    expect(log).toEqual(['opened:flapping', 'ledger:FLAPPING', 'resolved', 'ledger:STABLE']);
  });

  it('DOWN, then flapping inside the incident: the incident is marked, no new message; it closes as STABLE', () => {
    const { run, log } = setup();
    run('fff');
    expect(run('ofofof')).toEqual(['marked:22']);
    run('o'.repeat(21));
    expect(log).toEqual(['opened', 'ledger:DOWN', 'marked:22', 'resolved', 'ledger:STABLE']);
  });

  it('one failure in 21 checks: nothing at all', () => {
    const { run } = setup();
    expect(run(`${'o'.repeat(10)}f${'o'.repeat(10)}`.repeat(4))).toEqual([]);
  });

  it('maintenance suppresses flapping like DOWN', () => {
    const { run } = setup([{ kind: 'once', startsAt: T0, endsAt: T0 + 61 * STEP }]);
    expect(run('fo'.repeat(30))).toEqual([]);
    expect(run('o'.repeat(30))).toEqual([]);
  });
});
