import type { Clock } from './clock.ts';
import type { LatenessSummary } from './timing.ts';

export type { Clock, LatenessSummary };

/**
 * Result of one TCP probe. A probe never throws for "the port is down": every
 * outcome is a value. `at` is the wall-clock start (epoch ms); `latencyMs` is
 * measured with a monotonic clock (performance.now()).
 */
export type ProbeResult =
  | { ok: true; latencyMs: number; at: number }
  | {
      ok: false;
      latencyMs: number;
      at: number;
      /**
       * OS-style reason: ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ENETUNREACH,
       * ECONNRESET, EADDRNOTAVAIL... Probe-level codes that are not from the OS:
       * ABORT_ERR (the caller's AbortSignal fired), EINVAL (host is not an IP
       * literal or port out of range; no packet was sent), ECHECK (a custom
       * check function threw; only produced by the scheduler).
       */
      code: string;
      /** Human message, e.g. "connect ECONNREFUSED 127.0.0.1:5". */
      message: string;
    };

export interface ProbeTarget {
  /** IPv4 or IPv6 literal. Names are refused (no DNS is ever done here). */
  host: string;
  port: number;
}

export interface TcpCheckOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** Source address to bind (the "probe source address" customers allow). */
  localAddress?: string;
}

export type CheckFn = (target: ProbeTarget, opts: TcpCheckOptions) => Promise<ProbeResult>;

// ---- scheduler ----

export interface ScheduledTarget {
  /** Stable id (e.g. the monitor's id): its hash fixes the target's phase. */
  key: string;
  host: string;
  port: number;
  /** Whole milliseconds >= 1. */
  intervalMs: number;
  /** Step used while retry mode is on (SUSPECT), whole ms >= 1. */
  retryIntervalMs: number;
  timeoutMs: number;
}

export interface CheckInfo {
  plannedAt: number;
  startedAt: number;
  /** startedAt - plannedAt. */
  lateMs: number;
}

export type SchedulerCheck<T extends ScheduledTarget = ScheduledTarget> = (
  target: T,
  opts: { timeoutMs: number; localAddress?: string },
) => Promise<ProbeResult>;

export interface SchedulerErrorContext {
  key: string;
  /** 'onResult' threw or rejected; 'check' threw or rejected (the result became ECHECK). */
  source: 'onResult' | 'check';
}

export interface SchedulerOptions<T extends ScheduledTarget = ScheduledTarget> {
  clock?: Clock;
  /** Default: tcpCheck. */
  check?: SchedulerCheck<T>;
  /** Fixed bound on checks in flight. Default: computed, see concurrencyLimit in stats(). */
  concurrency?: number;
  /** Cap of the computed bound (default 4096). */
  maxConcurrency?: number;
  /** Source address for the default check. */
  localAddress?: string;
  /** Called synchronously once per finished check; never awaited. */
  onResult: (target: T, result: ProbeResult, info: CheckInfo) => void;
  /** Errors of onResult / check. Default: console.error. Must not throw (ignored if it does). */
  onError?: (err: unknown, ctx: SchedulerErrorContext) => void;
}

export interface SchedulerStats {
  targets: number;
  inFlight: number;
  queued: number;
  /** Checks finished since creation (cumulative). */
  checksDone: number;
  /** Planned slots skipped because they were already past (cumulative). */
  skippedSlots: number;
  concurrencyLimit: number;
  /** Lateness (startedAt - plannedAt) of checks started since the previous stats() call. */
  lateness: LatenessSummary;
}

export interface Scheduler<T extends ScheduledTarget = ScheduledTarget> {
  upsert(target: T): void;
  remove(key: string): boolean;
  setRetryMode(key: string, fast: boolean): void;
  /** Check this target as soon as a slot is free, then go back to its grid. */
  runNow(key: string): void;
  start(): void;
  stop(): Promise<void>;
  stats(): SchedulerStats;
  size(): number;
}
