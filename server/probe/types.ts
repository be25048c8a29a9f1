import type { Clock } from './clock.ts';
import type { LatenessSummary } from './timing.ts';

export type { Clock, LatenessSummary };

/**
 * Result of one TCP probe. A probe never throws for "the port is down": every
 * outcome is a value. `at` is the wall-clock start (epoch ms); `latencyMs` is
 * measured with a monotonic clock (performance.now()).
 */
export type ProbeResult =
  | { ok: true; latencyMs: number; at: number; tls?: TlsFacts }
  | {
      ok: false;
      /** What a TLS handshake showed, when one completed (TLS and HTTPS checks). */
      tls?: TlsFacts;
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

/** What a TLS handshake showed (recorded by TLS and HTTPS checks, failed or not). */
export interface TlsFacts {
  protocol: string | null;
  cipher: string | null;
  /** The leaf certificate's subject, e.g. "CN=example.com". */
  subject: string;
  issuer: string;
  /** DNS and IP names, e.g. ["DNS:example.com", "IP Address:192.0.2.1"]. */
  sans: string[];
  validFrom: number;
  /** Expiry (epoch ms). */
  validTo: number;
  /** SHA-256 fingerprint of the leaf certificate (hex with colons): identifies "this certificate". */
  fingerprint: string;
  serialNumber: string;
  /** The chain leads to a trusted root (Node's CA store plus extra roots given to the check). */
  trusted: boolean;
  /** Why not trusted (OpenSSL's code, e.g. SELF_SIGNED_CERT_IN_CHAIN); null when trusted. */
  trustError: string | null;
  /** The name the certificate was checked against (SNI / Host, else the IP). */
  checkedName: string;
  nameMatches: boolean;
}

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

/** A target's key: a string, or a number the caller allocates (no string per target). */
export type TargetKey = string | number;

export interface ScheduledTarget<K extends TargetKey = string> {
  /** Stable id (e.g. the monitor's id): its hash fixes the target's phase (unless `hash` is given). */
  key: K;
  /**
   * hashKey() of the stable text that fixes the phase, when the key is not that text (a numeric
   * key). Default: hashKey(String(key)).
   */
  hash?: number;
  /**
   * The target's offset inside its interval, when the caller works it out (it must be the same
   * for the same target and interval). Default: hash (or hashKey(key)) mod intervalMs.
   */
  phase?: number;
  host: string;
  port: number;
  /** Whole milliseconds >= 1. */
  intervalMs: number;
  /** Step used while retry mode is on (SUSPECT), whole ms >= 1. */
  retryIntervalMs: number;
  timeoutMs: number;
}

/**
 * Why a check ran: `regular` on the target's interval grid, `retry` in retry mode (SUSPECT),
 * `extra` asked for with runNow (a sibling re-check, a new monitor).
 */
export type CheckCause = 'regular' | 'retry' | 'extra';

export interface CheckInfo {
  plannedAt: number;
  startedAt: number;
  /** startedAt - plannedAt. */
  lateMs: number;
  cause: CheckCause;
}

export type SchedulerCheck<T extends ScheduledTarget<TargetKey> = ScheduledTarget> = (
  target: T,
  opts: { timeoutMs: number; localAddress?: string },
) => Promise<ProbeResult>;

export interface SchedulerErrorContext {
  key: TargetKey;
  /** 'onResult' threw or rejected; 'check' threw or rejected (the result became ECHECK). */
  source: 'onResult' | 'check';
}

export interface SchedulerOptions<T extends ScheduledTarget<TargetKey> = ScheduledTarget> {
  clock?: Clock;
  /** Default: tcpCheck. */
  check?: SchedulerCheck<T>;
  /** Fixed bound on checks in flight. Default: computed, see concurrencyLimit in stats(). */
  concurrency?: number;
  /** Cap of the computed bound (default 4096). */
  maxConcurrency?: number;
  /** Source address for the default check. */
  localAddress?: string;
  /**
   * Wake-up granularity (ms, default 0: exact). With a tick > 0 the one timer fires on multiples
   * of it and starts every check due by then together: at thousands of checks a second this
   * is one wake-up (timer, epoll round, microtask drain) per tick instead of one per check, for
   * at most one tick of extra lateness. An AdaptiveTick stretches the tick as the planned check
   * rate falls, so that a wake-up still starts about `checksPerTick` checks (timing.ts tickFor).
   */
  tickMs?: number | AdaptiveTick;
  /** Called synchronously once per finished check; never awaited. */
  onResult: (target: T, result: ProbeResult, info: CheckInfo) => void;
  /** Errors of onResult / check. Default: console.error. Must not throw (ignored if it does). */
  onError?: (err: unknown, ctx: SchedulerErrorContext) => void;
}

/**
 * A tick that follows the planned check rate: checksPerTick / (checks planned per ms), kept
 * between minMs and maxMs. A wake-up costs about the same whether it starts 5 checks or 50 (the
 * timer, the epoll round, caches warmed again after the sleep), so at a low rate a longer tick
 * is less CPU per check; at a high rate the tick stays short and lateness small.
 */
export interface AdaptiveTick {
  minMs: number;
  maxMs: number;
  checksPerTick: number;
}

export interface SchedulerStats {
  targets: number;
  /** The wake-up granularity now (ms; 0: exact): the fixed tick, or the adaptive one at the planned rate. */
  tickMs: number;
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

export interface Scheduler<T extends ScheduledTarget<TargetKey> = ScheduledTarget> {
  /** The target object is kept as given (not copied): to change a target, upsert a new object. */
  upsert(target: T): void;
  remove(key: T['key']): boolean;
  setRetryMode(key: T['key'], fast: boolean): void;
  /**
   * Check this target as soon as a slot is free (but not less than retryIntervalMs after its
   * previous check started, also when one is in flight), then go back to its grid.
   */
  runNow(key: T['key']): void;
  start(): void;
  stop(): Promise<void>;
  stats(): SchedulerStats;
  size(): number;
}
