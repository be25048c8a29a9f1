import { describe, expect, it } from 'vitest';
import { deltas, harness, mod, target } from './sched-harness.ts';

describe('scheduler: deterministic phase', () => {
  it('plans each key at the same offset in its interval, whenever the process starts', async () => {
    const keys = Array.from({ length: 50 }, (_, i) => `monitor-${i}`);
    const offsets = async (start: number, order: string[]): Promise<Map<string, number>> => {
      const h = harness({ start, duration: () => 1 });
      for (const key of order) h.scheduler.upsert(target({ key, intervalMs: 60_000 }));
      h.scheduler.start();
      await h.clock.advance(60_000);
      const firsts = new Map<string, number>();
      for (const s of h.seen) {
        if (firsts.has(s.key)) continue;
        expect(s.plannedAt).toBeGreaterThanOrEqual(start);
        expect(s.plannedAt).toBeLessThan(start + 60_000);
        firsts.set(s.key, mod(s.plannedAt, 60_000));
      }
      expect(firsts.size).toBe(keys.length);
      await h.scheduler.stop();
      return firsts;
    };
    const a = await offsets(1_700_000_000_000, keys);
    const b = await offsets(1_700_000_123_457, [...keys].reverse()); // "restart" later, other order
    expect(b).toEqual(a);
    expect(new Set(a.values()).size).toBeGreaterThan(45); // not all bunched on one offset
  });

  it('spreads 10k keys evenly over the interval', async () => {
    const interval = 60_000;
    const h = harness({ duration: () => 0 });
    for (let i = 0; i < 10_000; i++) h.scheduler.upsert(target({ key: `port:${i}`, intervalMs: interval }));
    const t0 = h.clock.now();
    h.scheduler.start();
    await h.clock.advance(interval - 1);
    expect(h.seen.length).toBe(10_000);

    const bins = new Array<number>(20).fill(0);
    const perMs = new Map<number, number>();
    for (const s of h.seen) {
      const bin = Math.floor(((s.plannedAt - t0) / interval) * bins.length);
      bins[bin] = (bins[bin] ?? 0) + 1;
      perMs.set(s.plannedAt, (perMs.get(s.plannedAt) ?? 0) + 1);
    }
    const expected = 10_000 / bins.length;
    for (const c of bins) expect(Math.abs(c - expected)).toBeLessThan(expected * 0.15);
    // No millisecond holds a crowd (Poisson mean here is 0.17 per ms).
    expect(Math.max(...perMs.values())).toBeLessThanOrEqual(8);
  });
});

describe('scheduler: drift-free planning', () => {
  it('plans from the previous planned start, not from completion', async () => {
    const durations = [1, 370, 80, 420, 5, 299, 150, 10];
    const h = harness({ duration: (_t, n) => durations[n % durations.length] ?? 1 });
    h.scheduler.upsert(target({ key: 'a', intervalMs: 1000 }));
    h.scheduler.start();
    await h.clock.advance(20_000);
    const planned = h.of('a').map((s) => s.plannedAt);
    expect(planned.length).toBeGreaterThanOrEqual(19);
    expect(new Set(deltas(planned))).toEqual(new Set([1000]));
    expect(h.of('a').every((s) => s.lateMs === 0 && s.startedAt === s.plannedAt)).toBe(true);
  });

  it('skips slots that are already past instead of bursting, and counts them', async () => {
    // The 1st check overruns 2.5 intervals (a stuck check, a long pause).
    const h = harness({ duration: (_t, n) => (n === 0 ? 2500 : 10) });
    h.scheduler.upsert(target({ key: 'slow', intervalMs: 1000, timeoutMs: 100 }));
    h.scheduler.start();
    await h.clock.advance(6000);
    const planned = h.of('slow').map((s) => s.plannedAt);
    const d = deltas(planned);
    expect(d[0]).toBe(3000); // slots +1000 and +2000 were skipped
    expect(d.slice(1).every((x) => x === 1000)).toBe(true);
    expect(mod(planned[1] as number, 1000)).toBe(mod(planned[0] as number, 1000)); // still on its grid
    const starts = h.of('slow').map((s) => s.startedAt);
    expect(deltas(starts).every((x) => x >= 1000)).toBe(true); // never two back to back
    expect(h.scheduler.stats().skippedSlots).toBe(2);
  });
});

describe('scheduler: retry mode', () => {
  it('paces at retryIntervalMs from the previous planned start, then re-aligns to the phase', async () => {
    let fast = false;
    const h = harness({
      duration: () => 40,
      onResult: (t) => h.scheduler.setRetryMode(t.key, fast),
    });
    const t = target({ key: 'suspect', intervalMs: 10_000, retryIntervalMs: 1000 });
    h.scheduler.upsert(t);
    h.scheduler.start();
    await h.clock.advance(10_000); // one normal check
    const phase = mod((h.of('suspect')[0] as { plannedAt: number }).plannedAt, 10_000);
    fast = true; // the next result (a normal check) turns retry mode on
    const switching = h.of('suspect').length;
    await h.clock.advance(15_000);
    const fastPlanned = h
      .of('suspect')
      .slice(switching)
      .map((s) => s.plannedAt);
    expect(fastPlanned.length).toBeGreaterThanOrEqual(5);
    expect(new Set(deltas(fastPlanned))).toEqual(new Set([1000]));

    fast = false;
    const before = h.seen.length;
    await h.clock.advance(30_000);
    const after = h.of('suspect').slice(before - 1); // last fast check, then normal ones
    const normalPlanned = after.slice(2).map((s) => s.plannedAt);
    expect(normalPlanned.length).toBeGreaterThanOrEqual(2);
    for (const p of normalPlanned) expect(mod(p, 10_000)).toBe(phase);
    expect(deltas(after.map((s) => s.plannedAt)).every((x) => x <= 10_000)).toBe(true);
  });

  it('switching retry mode on a waiting target replans it at once', async () => {
    const h = harness();
    h.scheduler.upsert(target({ key: 'x', intervalMs: 60_000, retryIntervalMs: 2000 }));
    h.scheduler.start();
    while (h.of('x').length === 0) await h.clock.advance(100);
    const first = (h.of('x')[0] as { plannedAt: number }).plannedAt;
    h.scheduler.setRetryMode('x', true);
    await h.clock.advanceTo(first + 2000 + 50);
    expect(h.of('x').map((s) => s.plannedAt)).toEqual([first, first + 2000]);
  });
});

describe('scheduler: upsert and remove take effect at once', () => {
  it('a shorter interval applies to the already-planned next check', async () => {
    const h = harness();
    h.scheduler.upsert(target({ key: 'k', intervalMs: 3_600_000 }));
    h.scheduler.start();
    await h.clock.advance(10);
    h.scheduler.upsert(target({ key: 'k', intervalMs: 1000 }));
    await h.clock.advance(3000);
    expect(h.of('k').length).toBeGreaterThanOrEqual(2);
    expect(h.of('k')[0]?.plannedAt).toBeLessThan(h.clock.now() - 1000);
  });

  it('an unchanged re-upsert does not move the schedule', async () => {
    const h = harness();
    const t = target({ key: 'same', intervalMs: 1000 });
    h.scheduler.upsert(t);
    h.scheduler.start();
    await h.clock.advance(2500);
    for (let i = 0; i < 5; i++) h.scheduler.upsert({ ...t });
    await h.clock.advance(3000);
    expect(new Set(deltas(h.of('same').map((s) => s.plannedAt)))).toEqual(new Set([1000]));
  });

  it('remove stops a waiting target and drops the result of a running one', async () => {
    const h = harness({ duration: () => 300 });
    h.scheduler.upsert(target({ key: 'waiting', intervalMs: 1000 }));
    h.scheduler.upsert(target({ key: 'running', intervalMs: 1000 }));
    h.scheduler.start();
    await h.clock.advance(1000);
    const startOf = (k: string): number => (h.of(k).at(-1) as { startedAt: number }).startedAt;
    await h.clock.advanceTo(startOf('running') + 1000 + 100); // its 2nd check is in flight
    const done = h.of('running').length;
    expect(h.scheduler.remove('running')).toBe(true);
    expect(h.scheduler.remove('waiting')).toBe(true);
    expect(h.scheduler.size()).toBe(0);
    const countWaiting = h.of('waiting').length;
    await h.clock.advance(5000);
    expect(h.of('running').length).toBe(done);
    expect(h.of('waiting').length).toBe(countWaiting);
    expect(h.scheduler.stats().checksDone).toBe(h.seen.length + 1); // the dropped one ran
  });

  it('a host change during a check discards that stale result', async () => {
    const h = harness({ duration: () => 300 });
    const t = target({ key: 'moved', intervalMs: 1000, host: '192.0.2.1' });
    h.scheduler.upsert(t);
    h.scheduler.start();
    await h.clock.advance(1000);
    const first = h.of('moved')[0] as { plannedAt: number };
    await h.clock.advanceTo(first.plannedAt + 1000 + 100);
    h.scheduler.upsert({ ...t, host: '192.0.2.2' });
    await h.clock.advance(2500);
    expect(h.of('moved').map((s) => s.host)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.2']);
  });

  it('rejects a malformed target instead of mis-planning it', () => {
    const h = harness();
    expect(() => h.scheduler.upsert(target({ intervalMs: 0 }))).toThrow(TypeError);
    expect(() => h.scheduler.upsert(target({ retryIntervalMs: 1.5 }))).toThrow(TypeError);
    expect(() => h.scheduler.upsert(target({ key: '' }))).toThrow(TypeError);
    expect(h.scheduler.size()).toBe(0);
  });

  it('runNow checks at once, then returns to the grid', async () => {
    const h = harness();
    h.scheduler.upsert(target({ key: 'new', intervalMs: 60_000 }));
    h.scheduler.start();
    h.scheduler.runNow('new');
    await h.clock.advance(120_000);
    const planned = h.of('new').map((s) => s.plannedAt);
    expect(planned[0]).toBe(h.clock.now() - 120_000);
    expect(mod(planned[1] as number, 60_000)).toBe(mod(planned[2] as number, 60_000));
    expect(planned.length).toBe(3);
  });

  it('runNow while a check is in flight waits for the retry interval after that check started (no double count)', async () => {
    // a 300 ms check in flight; an extra check asked 100 ms into it
    const h = harness({ duration: () => 300 });
    h.scheduler.upsert(target({ key: 'sib', intervalMs: 60_000, retryIntervalMs: 2_000 }));
    h.scheduler.start();
    await h.clock.advance(60_000);
    const first = h.of('sib')[0];
    expect(first?.cause).toBe('regular');
    // start it again in flight: find its next planned start, go there, ask for an extra check mid-flight
    const nextStart = (first?.startedAt ?? 0) + 60_000;
    await h.clock.advanceTo(nextStart + 100);
    h.scheduler.runNow('sib');
    await h.clock.advanceTo(nextStart + 10_000);
    const [, second, third] = h.of('sib');
    expect(second?.startedAt).toBe(nextStart);
    expect(third?.cause).toBe('extra');
    // not the moment the first one ended (nextStart + 300), but a retry interval after its start
    expect(third?.startedAt).toBe(nextStart + 2_000);
  });

  it('says why each check ran: regular on the grid, retry in retry mode, extra after runNow', async () => {
    const h = harness();
    h.scheduler.upsert(target({ key: 'k', intervalMs: 10_000, retryIntervalMs: 1_000 }));
    h.scheduler.start();
    await h.clock.advance(10_000);
    h.scheduler.setRetryMode('k', true);
    await h.clock.advance(2_500);
    h.scheduler.setRetryMode('k', false);
    h.scheduler.runNow('k');
    await h.clock.advance(20_000);
    const kinds = h
      .of('k')
      .map((s) => s.cause)
      .join(' ');
    expect(kinds).toMatch(/^regular (retry ){2,3}extra( regular)+$/);
    const starts = h.of('k').map((s) => s.startedAt);
    for (const d of deltas(starts)) expect(d).toBeGreaterThanOrEqual(1_000);
  });
});
