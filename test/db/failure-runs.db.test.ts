// The same failure history two ways: every failed check (the old per-check log, computed here in
// JavaScript) and the failure runs the runtime writes (its RunTracker and writeBatch, upserted as
// runs grow). The logs by hour, day and month must show identical figures in every kind of zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getMonitorLog, type LogGranularity } from '../../server/services/logs.ts';
import { RunTracker, runKey, snapshotRun } from '../../server/monitoring/runs.ts';
import { emptyBatch, writeBatch } from '../../server/monitoring/store.ts';
import type { ServiceDeps, Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor, serviceDeps } from '../helpers/fixtures.ts';

const MIN = 60_000;
const DAY = 1_440 * MIN;
const T0 = Date.UTC(2026, 2, 1);
const admin: Viewer = {
  accountId: 'admin',
  loginId: 'admin',
  role: 'ADMIN',
  kind: null,
  language: 'en',
  via: 'session',
};

interface Check {
  port: number;
  at: number;
  ok: boolean;
  code: string;
  flapping: boolean;
}

/** A deterministic history: ports that go down for a while, change reason, flap, recover. */
function history(): Check[] {
  let seed = 42;
  const rnd = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const out: Check[] = [];
  for (const port of [22, 80]) {
    let at = T0 + port * 1_000;
    let down = 0;
    let code = 'ECONNREFUSED';
    while (at < T0 + 3 * DAY) {
      if (down === 0 && rnd() < 0.08) down = 1 + Math.floor(rnd() * 300);
      if (down > 0 && rnd() < 0.03) code = code === 'ECONNREFUSED' ? 'ETIMEDOUT' : 'ECONNREFUSED';
      const ok = down === 0;
      out.push({ port, at, ok, code, flapping: !ok && rnd() < 0.1 });
      if (down > 0) down -= 1;
      at += ok ? 180_000 : rnd() < 0.2 ? 30_000 : 180_000 + Math.floor(rnd() * 3) * 1_000;
    }
  }
  return out.sort((a, b) => a.at - b.at);
}

const format = (tz: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: tz,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    hourCycle: 'h23',
  });

function label(at: number, g: LogGranularity, tz: string): string {
  const p = Object.fromEntries(
    format(tz)
      .formatToParts(new Date(at))
      .map((x) => [x.type, x.value]),
  );
  if (g === 'MONTH') return `${p.year}-${p.month}`;
  if (g === 'DAY') return `${p.year}-${p.month}-${p.day}`;
  return `${p.year}-${p.month}-${p.day} ${p.hour}:00`;
}

describe(`failure runs count like the per-check log (${backend})`, () => {
  let t: TestDatabase;
  let deps: ServiceDeps;
  let monitorId = '';
  const checks = history();

  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    deps = serviceDeps(p);
    const account = await makeCustomer(p, 'alice');
    monitorId = (await makeMonitor(p, { accountId: account.id, ports: [22, 80] })).id;
    // the runtime's path: the tracker grows runs, every few checks a batch upserts their state
    const tracker = new RunTracker();
    let batch = emptyBatch();
    for (const [i, c] of checks.entries()) {
      if (c.ok) tracker.end(monitorId, c.port);
      else {
        const run = tracker.fail({
          monitorId,
          port: c.port,
          at: c.at,
          code: c.code,
          message: `connect ${c.code}`,
          latencyMs: 1,
          incidentId: null,
          flapping: c.flapping,
          maintenance: false,
        });
        batch.runs.set(runKey(run), snapshotRun(run));
      }
      if (i % 7 === 6) {
        await writeBatch(p, batch);
        batch = emptyBatch();
      }
    }
    await writeBatch(p, batch);
  }, 120_000);
  afterAll(() => t?.drop());

  it('stores far fewer rows than failed checks', async () => {
    const failed = checks.filter((c) => !c.ok).length;
    const runs = await t.db.prisma.failureRun.findMany({ where: { monitorId } });
    expect(runs.reduce((n, r) => n + r.count, 0)).toBe(failed);
    expect(failed).toBeGreaterThan(500);
    expect(runs.length).toBeLessThan(failed / 3);
  });

  for (const tz of ['Asia/Seoul', 'UTC', 'Asia/Kolkata', 'Asia/Kathmandu', 'America/St_Johns']) {
    it(`hour, day and month buckets in ${tz}`, async () => {
      for (const g of ['HOUR', 'DAY', 'MONTH'] as const) {
        const log = await getMonitorLog(deps, admin, {
          monitorId,
          granularity: g,
          from: new Date(T0 - DAY),
          to: new Date(T0 + 4 * DAY),
          timeZone: tz,
        });
        const expected = new Map<string, [number, number]>();
        for (const c of checks) {
          if (c.ok) continue;
          const k = label(c.at, g, tz);
          const [n, f] = expected.get(k) ?? [0, 0];
          expected.set(k, [n + 1, f + (c.flapping ? 1 : 0)]);
        }
        const got = new Map(
          log.buckets
            .filter((b) => b.failures > 0)
            .map((b) => [b.label, [b.failures, b.flappingFailures] as [number, number]]),
        );
        expect(got, `${g} in ${tz}`).toEqual(expected);
        expect(log.totals.failures).toBe(checks.filter((c) => !c.ok).length);
      }
    });
  }
});
