/** A scheduler on a manual clock with a fake check whose duration the test controls. */
import { manualClock } from '../helpers/manual-clock.ts';
import { createScheduler } from '../../server/probe/scheduler.ts';
import type {
  AdaptiveTick,
  CheckInfo,
  ProbeResult,
  ScheduledTarget,
  SchedulerErrorContext,
  SchedulerOptions,
} from '../../server/probe/types.ts';

export interface Seen extends CheckInfo {
  key: string;
  host: string;
  result: ProbeResult;
}

export interface HarnessOptions {
  start?: number;
  concurrency?: number;
  maxConcurrency?: number;
  /** Scheduler wake-up granularity (SchedulerOptions.tickMs). */
  tickMs?: number | AdaptiveTick;
  /** How long the fake check of `t` takes (its n-th call, from 0). Default 10 ms. */
  duration?: (t: ScheduledTarget, n: number) => number;
  onResult?: SchedulerOptions['onResult'];
}

export function harness(opts: HarnessOptions = {}) {
  const clock = manualClock(opts.start ?? 1_700_000_000_000);
  const seen: Seen[] = [];
  const errors: { err: unknown; ctx: SchedulerErrorContext }[] = [];
  const calls = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const duration = opts.duration ?? (() => 10);

  const scheduler = createScheduler({
    clock,
    ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
    ...(opts.maxConcurrency !== undefined ? { maxConcurrency: opts.maxConcurrency } : {}),
    ...(opts.tickMs !== undefined ? { tickMs: opts.tickMs } : {}),
    check: (t) => {
      const n = calls.get(t.key) ?? 0;
      calls.set(t.key, n + 1);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      const at = clock.now();
      const d = duration(t, n);
      return new Promise<ProbeResult>((resolve) => {
        const done = (): void => {
          inFlight--;
          resolve({ ok: true, latencyMs: d, at });
        };
        if (d <= 0) queueMicrotask(done);
        else clock.setTimeout(done, d);
      });
    },
    onResult: (t, result, info) => {
      seen.push({ key: t.key, host: t.host, result, ...info });
      opts.onResult?.(t, result, info);
    },
    onError: (err, ctx) => errors.push({ err, ctx }),
  });

  return {
    clock,
    scheduler,
    seen,
    errors,
    of: (key: string) => seen.filter((s) => s.key === key),
    maxInFlight: () => maxInFlight,
  };
}

let n = 0;
export function target(over: Partial<ScheduledTarget> = {}): ScheduledTarget {
  n++;
  return {
    key: `port:${n}`,
    host: '192.0.2.10',
    port: 80,
    intervalMs: 1000,
    retryIntervalMs: 250,
    timeoutMs: 100,
    ...over,
  };
}

/** Consecutive differences. */
export const deltas = (xs: number[]): number[] => xs.slice(1).map((x, i) => x - (xs[i] as number));
export const mod = (a: number, m: number): number => ((a % m) + m) % m;
