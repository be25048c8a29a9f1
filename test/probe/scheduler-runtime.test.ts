import { describe, expect, it } from 'vitest';
import { manualClock } from '../helpers/manual-clock.ts';
import { createScheduler } from '../../server/probe/scheduler.ts';
import type { SchedulerErrorContext } from '../../server/probe/types.ts';
import { harness, target } from './sched-harness.ts';

describe('scheduler: bounded concurrency', () => {
  it('never runs more than the bound; the rest wait in planned order and their lateness is measured', async () => {
    const h = harness({ concurrency: 5, duration: () => 400 });
    for (let i = 0; i < 60; i++) h.scheduler.upsert(target({ key: `c${i}`, intervalMs: 10_000, timeoutMs: 400 }));
    h.scheduler.start();
    let sawQueue = false;
    let lateMax = 0;
    let started = 0;
    for (let t = 0; t < 10_000; t += 50) {
      await h.clock.advance(50);
      const s = h.scheduler.stats(); // each read returns and resets the lateness window
      expect(s.inFlight).toBeLessThanOrEqual(5);
      if (s.queued > 0) sawQueue = true;
      lateMax = Math.max(lateMax, s.lateness.max);
      started += s.lateness.count;
      expect(s.lateness.p50).toBeLessThanOrEqual(s.lateness.p99);
      expect(s.lateness.p99).toBeLessThanOrEqual(s.lateness.max);
    }
    expect(h.maxInFlight()).toBe(5);
    expect(sawQueue).toBe(true);
    const late = h.seen.filter((s) => s.lateMs > 0);
    expect(late.length).toBeGreaterThan(0);
    for (const s of h.seen) expect(s.lateMs).toBe(s.startedAt - s.plannedAt);
    // FIFO: checks start in the order they were planned.
    const byStart = [...h.seen].sort((a, b) => a.startedAt - b.startedAt || a.plannedAt - b.plannedAt);
    const planned = byStart.map((s) => s.plannedAt);
    expect(planned).toEqual([...planned].sort((a, b) => a - b));
    expect(lateMax).toBe(Math.max(...h.seen.map((s) => s.lateMs)));
    expect(started).toBe(h.seen.length + h.scheduler.stats().inFlight);
  });

  it('computes a default bound so that a round where every check times out fits in the interval', async () => {
    const targets = 2000;
    const intervalMs = 60_000;
    const timeoutMs = 5000;
    const h = harness({ duration: (t) => t.timeoutMs }); // every check "times out"
    for (let i = 0; i < targets; i++) h.scheduler.upsert(target({ key: `t${i}`, intervalMs, timeoutMs }));
    const limit = h.scheduler.stats().concurrencyLimit;
    expect(limit).toBeGreaterThanOrEqual(Math.ceil((targets * timeoutMs) / intervalMs));
    expect(limit).toBeLessThanOrEqual(4096);
    h.scheduler.start();
    await h.clock.advance(3 * intervalMs);
    const perKey = new Map<string, number>();
    for (const s of h.seen) perKey.set(s.key, (perKey.get(s.key) ?? 0) + 1);
    expect(perKey.size).toBe(targets);
    for (const n of perKey.values()) expect(n).toBeGreaterThanOrEqual(2);
    const stats = h.scheduler.stats();
    expect(stats.skippedSlots).toBe(0);
    expect(stats.lateness.max).toBeLessThan(intervalMs - timeoutMs);
  });

  it('caps the computed bound at maxConcurrency', () => {
    const h = harness({ maxConcurrency: 3 });
    for (let i = 0; i < 100; i++) h.scheduler.upsert(target({ key: `m${i}`, intervalMs: 1000, timeoutMs: 900 }));
    expect(h.scheduler.stats().concurrencyLimit).toBe(3);
  });
});

describe('scheduler: failures inside the loop', () => {
  it('keeps running when onResult throws, reporting each error', async () => {
    const h = harness({
      onResult: (t) => {
        throw new Error(`boom ${t.key}`);
      },
    });
    h.scheduler.upsert(target({ key: 'e', intervalMs: 1000 }));
    h.scheduler.start();
    await h.clock.advance(5000);
    expect(h.of('e').length).toBeGreaterThanOrEqual(4);
    expect(h.errors.length).toBe(h.of('e').length);
    expect(h.errors[0]?.ctx).toEqual({ key: 'e', source: 'onResult' });
    expect(String(h.errors[0]?.err)).toContain('boom e');
  });

  it('reports an async onResult rejection without awaiting it', async () => {
    const errors: SchedulerErrorContext[] = [];
    const clock = manualClock(0);
    let calls = 0;
    const s = createScheduler({
      clock,
      check: async () => ({ ok: true, latencyMs: 1, at: clock.now() }),
      onResult: () => {
        calls++;
        return Promise.reject(new Error('async boom')) as unknown as undefined;
      },
      onError: (_e, ctx) => errors.push(ctx),
    });
    s.upsert(target({ key: 'a', intervalMs: 100 }));
    s.start();
    await clock.advance(500);
    expect(calls).toBeGreaterThanOrEqual(4);
    expect(errors.length).toBe(calls);
  });

  it('turns a check that throws into an ECHECK failure result', async () => {
    const clock = manualClock(0);
    const results: string[] = [];
    const errors: SchedulerErrorContext[] = [];
    const s = createScheduler({
      clock,
      check: (t) => {
        if (t.key === 'sync') throw new Error('sync throw');
        return Promise.reject(new Error('rejected'));
      },
      onResult: (t, r) => results.push(`${t.key}:${r.ok ? 'ok' : r.code}`),
      onError: (_e, ctx) => errors.push(ctx),
    });
    s.upsert(target({ key: 'sync', intervalMs: 1000 }));
    s.upsert(target({ key: 'async', intervalMs: 1000 }));
    s.start();
    await clock.advance(2000);
    expect(results.filter((r) => r === 'sync:ECHECK').length).toBe(2);
    expect(results.filter((r) => r === 'async:ECHECK').length).toBe(2);
    expect(errors.every((c) => c.source === 'check')).toBe(true);
  });
});

describe('scheduler: lifecycle', () => {
  it('stop() waits for checks in flight, delivers them, and starts nothing new', async () => {
    const h = harness({ duration: () => 500 });
    h.scheduler.upsert(target({ key: 's', intervalMs: 1000 }));
    h.scheduler.start();
    while (h.scheduler.stats().inFlight === 0) await h.clock.advance(10);
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => (stopped = true));
    await h.clock.advance(250);
    expect(stopped).toBe(false);
    expect(h.seen.length).toBe(0);
    await h.clock.advance(250);
    await stopping;
    expect(h.seen.length).toBe(1);
    await h.clock.advance(10_000);
    expect(h.seen.length).toBe(1);
    expect(h.clock.pending()).toBe(0);

    // Restart: back on the same grid, missed slots skipped, no burst.
    h.scheduler.start();
    await h.clock.advance(3000);
    const planned = h.seen.map((s) => s.plannedAt);
    expect(planned.length).toBe(4);
    expect(planned.slice(1).every((p) => (p - (planned[0] as number)) % 1000 === 0)).toBe(true);
    expect(h.seen.slice(1).every((s) => s.lateMs === 0)).toBe(true);
  });

  it('holds 100k targets with one timer, checking each exactly once per interval', async () => {
    const h = harness({ duration: () => 0 });
    const n = 100_000;
    const make = (i: number) => target({ key: `big${i}`, intervalMs: 5000, timeoutMs: 50 });
    for (let i = 0; i < n; i++) h.scheduler.upsert(make(i));
    for (let i = 0; i < n; i += 10) h.scheduler.remove(`big${i}`);
    expect(h.scheduler.size()).toBe(n - n / 10);
    for (let i = 0; i < n; i += 10) h.scheduler.upsert(make(i));
    expect(h.scheduler.size()).toBe(n);
    h.scheduler.start();
    expect(h.clock.pending()).toBe(1);
    await h.clock.advance(5000 - 1);
    expect(h.seen.length).toBe(n);
    expect(new Set(h.seen.map((s) => s.key)).size).toBe(n);
    expect(h.clock.pending()).toBe(1);
    // One timer at a time: at most one arm per distinct planned time (plus re-arms).
    const distinct = new Set(h.seen.map((s) => s.plannedAt)).size;
    expect(h.clock.armedTotal()).toBeLessThanOrEqual(distinct + 2);
  });

  it('with tickMs, starts the checks due within a tick together: one timer per tick, each on its grid, late by less than a tick', async () => {
    const tickMs = 20;
    const h = harness({ duration: () => 0, tickMs });
    const n = 10_000;
    for (let i = 0; i < n; i++) h.scheduler.upsert(target({ key: `tick${i}`, intervalMs: 5000, timeoutMs: 50 }));
    h.scheduler.start();
    const t0 = h.clock.now();
    const armed0 = h.clock.armedTotal();
    await h.clock.advance(2 * 5000 - 1);
    const starts = new Map<string, number[]>();
    for (const s of h.seen) starts.set(s.key, [...(starts.get(s.key) ?? []), s.plannedAt]);
    expect(starts.size).toBe(n);
    for (const planned of starts.values()) {
      expect(planned.length).toBeGreaterThanOrEqual(1);
      // drift-free: the planned times stay on the target's own grid
      if (planned.length === 2) expect(planned[1]! - planned[0]!).toBe(5000);
    }
    for (const s of h.seen) {
      expect(s.startedAt % tickMs).toBe(0);
      expect(s.lateMs).toBeGreaterThanOrEqual(0);
      expect(s.lateMs).toBeLessThan(tickMs);
    }
    // one wake-up per tick at most (plus re-arms), not one per distinct planned time
    expect(h.clock.armedTotal() - armed0).toBeLessThanOrEqual((h.clock.now() - t0) / tickMs + 2);
    expect(new Set(h.seen.map((s) => s.plannedAt)).size).toBeGreaterThan(2 * ((h.clock.now() - t0) / tickMs));
  });

  it('with an adaptive tick, stretches the tick as the planned rate falls (about checksPerTick a wake-up, within its bounds) and shortens it when retries raise the rate', async () => {
    const tick = { minMs: 20, maxMs: 100, checksPerTick: 50 };
    const h = harness({ duration: () => 0, tickMs: tick });
    const keys: string[] = [];
    // 2,000 targets on 5 s: 0.4 checks a ms, 50 / 0.4 = 125 ms, held to the maximum
    for (let i = 0; i < 2_000; i++) {
      keys.push(`adaptive${i}`);
      h.scheduler.upsert(target({ key: `adaptive${i}`, intervalMs: 5000, retryIntervalMs: 500, timeoutMs: 50 }));
    }
    expect(h.scheduler.stats().tickMs).toBe(100);
    h.scheduler.start();
    const round = async (tickMs: number) => {
      const from = h.seen.length;
      const t0 = h.clock.now();
      const armed0 = h.clock.armedTotal();
      await h.clock.advance(5000);
      const mine = h.seen.slice(from);
      expect(mine.length).toBeGreaterThan(0);
      for (const s of mine) {
        expect(s.startedAt % tickMs).toBe(0);
        expect(s.lateMs).toBeGreaterThanOrEqual(0);
        expect(s.lateMs).toBeLessThan(tickMs);
      }
      // one wake-up per tick at most (plus re-arms)
      expect(h.clock.armedTotal() - armed0).toBeLessThanOrEqual((h.clock.now() - t0) / tickMs + 2);
      return mine;
    };
    expect((await round(100)).length).toBe(2_000);
    // 8,000 more: 2 checks a ms, 25 ms
    for (let i = 2_000; i < 10_000; i++) {
      keys.push(`adaptive${i}`);
      h.scheduler.upsert(target({ key: `adaptive${i}`, intervalMs: 5000, retryIntervalMs: 500, timeoutMs: 50 }));
    }
    expect(h.scheduler.stats().tickMs).toBe(25);
    await h.clock.advance(5000); // the new targets' first round
    await round(25);
    // 9,500 removed: 0.1 a ms, back to the maximum; 400 of the 500 left in retry mode
    // (500 ms steps): 0.82 a ms, 61 ms
    for (const k of keys.slice(500)) h.scheduler.remove(k);
    expect(h.scheduler.stats().tickMs).toBe(100);
    for (const k of keys.slice(0, 400)) h.scheduler.setRetryMode(k, true);
    expect(h.scheduler.stats().tickMs).toBe(Math.round(50 / (400 / 500 + 100 / 5000)));
    await h.clock.advance(5000); // the timer armed before the change may still fire on the old grid
    await round(61);
    // a crowd: 100,000 targets on 1 s is 100 a ms, held to the minimum
    const crowd = harness({ duration: () => 0, tickMs: tick });
    for (let i = 0; i < 100_000; i++)
      crowd.scheduler.upsert(target({ key: `crowd${i}`, intervalMs: 1000, timeoutMs: 50 }));
    expect(crowd.scheduler.stats().tickMs).toBe(20);
    // nothing planned: the maximum
    const none = harness({ tickMs: tick });
    expect(none.scheduler.stats().tickMs).toBe(100);
    await h.scheduler.stop();
  });
});
