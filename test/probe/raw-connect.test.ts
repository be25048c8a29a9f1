import { describe, expect, it } from 'vitest';
import { dueStarts, rawConnectLoop } from '../../server/probe/raw-connect.ts';
import { createScheduler } from '../../server/probe/scheduler.ts';
import type { ProbeResult } from '../../server/probe/types.ts';
import { openTarget, refusingPort, timeoutTarget } from './helpers.ts';

describe('rawConnectLoop', () => {
  it('connects back to back for the given time and reports a rate', async () => {
    const target = await openTarget();
    const r = await rawConnectLoop({ host: target.host, port: target.port, durationMs: 300, concurrency: 4 });
    expect(r.failures).toBe(0);
    expect(r.connects).toBeGreaterThan(10);
    expect(r.elapsedMs).toBeGreaterThanOrEqual(300);
    expect(r.perSec).toBeCloseTo((r.connects * 1000) / r.elapsedMs, 6);
    // The server side saw each of them (accepting may lag behind the client).
    const end = Date.now() + 3000;
    while (target.accepted() < r.connects && Date.now() < end) await new Promise((res) => setTimeout(res, 10));
    expect(target.accepted()).toBe(r.connects);
  });

  it('paced: starts the rate times the duration, evenly, not back to back', async () => {
    const target = await openTarget();
    const r = await rawConnectLoop({
      host: target.host,
      port: target.port,
      durationMs: 300,
      concurrency: 64,
      ratePerSec: 100,
    });
    // due by the end: one at once, then one per 10 ms (30 ms of slack for a slow first tick)
    expect(r.connects + r.failures + r.missed).toBe(dueStarts(300, 100));
    expect(r.connects).toBeLessThanOrEqual(31);
    expect(r.failures).toBe(0);
    expect(r.missed).toBe(0);
  });

  it('paced: the starts due grow with the time at the rate', () => {
    expect(dueStarts(0, 5_556)).toBe(1);
    expect(dueStarts(20, 5_556)).toBe(112);
    expect(dueStarts(1_000, 5_556)).toBe(5_557);
    expect(dueStarts(-5, 100)).toBe(1);
  });

  it('counts failures by code', async () => {
    const { host, port } = await refusingPort();
    const r = await rawConnectLoop({ host, port, durationMs: 100, concurrency: 2 });
    expect(r.connects).toBe(0);
    expect(r.failures).toBeGreaterThan(0);
    expect(r.failureCodes).toEqual({ ECONNREFUSED: r.failures });
  });
});

describe('scheduler + tcpCheck on real sockets and the real clock', () => {
  it('reports open, refused and timed-out ports with their OS reasons', async () => {
    const open = await openTarget();
    const refused = await refusingPort();
    const silent = await timeoutTarget();
    const results = new Map<string, ProbeResult[]>();
    const s = createScheduler({
      onResult: (t, r) => results.set(t.key, [...(results.get(t.key) ?? []), r]),
    });
    const common = { intervalMs: 200, retryIntervalMs: 100, timeoutMs: 150 };
    s.upsert({ key: 'open', host: open.host, port: open.port, ...common });
    s.upsert({ key: 'refused', host: refused.host, port: refused.port, ...common });
    s.upsert({ key: 'silent', host: silent.host, port: silent.port, ...common });
    s.start();
    await new Promise((r) => setTimeout(r, 1000));
    await s.stop();
    const codes = (k: string): string[] => (results.get(k) ?? []).map((r) => (r.ok ? 'ok' : r.code));
    for (const k of ['open', 'refused', 'silent']) expect(codes(k).length).toBeGreaterThanOrEqual(3);
    expect(new Set(codes('open'))).toEqual(new Set(['ok']));
    expect(new Set(codes('refused'))).toEqual(new Set(['ECONNREFUSED']));
    expect(new Set(codes('silent'))).toEqual(new Set(['ETIMEDOUT']));
    expect(s.stats().inFlight).toBe(0);
  });
});
