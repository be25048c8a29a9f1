import { performance } from 'node:perf_hooks';
import { tcpCheck } from './tcp-check.ts';
import type { ProbeResult, ProbeTarget, TcpCheckOptions } from './types.ts';

export interface RawConnectOptions {
  host: string;
  port: number;
  durationMs: number;
  /** Connects kept in flight at once (paced: the cap of those in flight). */
  concurrency: number;
  /**
   * Paced: start this many connects per second, evenly (a batch every `tickMs`, as the
   * scheduler wakes), instead of back to back. A start the cap holds back waits for a free place.
   */
  ratePerSec?: number;
  /** Paced: the wake-up granularity (default 20 ms: the runtime's tick at high rates; bench:probe passes the tick its adaptive one gives at the rate). */
  tickMs?: number;
  /** Per-connect timeout (default 5000 ms). */
  timeoutMs?: number;
  localAddress?: string;
  /** The connect to measure (default tcpCheck: the probe's own). */
  check?: (target: ProbeTarget, opts: TcpCheckOptions) => Promise<ProbeResult>;
}

export interface RawConnectResult {
  connects: number;
  failures: number;
  /** Successful connects per second of measured wall time. */
  perSec: number;
  elapsedMs: number;
  /** Failure counts by code (ECONNREFUSED, EADDRNOTAVAIL, ETIMEDOUT...). */
  failureCodes: Record<string, number>;
  /** Paced: starts that were due by the end but never began (the cap held them back); else 0. */
  missed: number;
}

/** Paced: the starts due `elapsedMs` after the beginning at `ratePerSec` (the first one at once). */
export const dueStarts = (elapsedMs: number, ratePerSec: number): number =>
  Math.floor((Math.max(0, elapsedMs) * ratePerSec) / 1000) + 1;

/**
 * The ceiling a benchmark compares the scheduler against: tcpCheck (the very same connect +
 * RST path) with no scheduling, until `durationMs` has passed: `concurrency` workers back to
 * back, or (ratePerSec) paced starts at a fixed rate. Checks already started when the time is
 * up are finished and counted.
 */
export async function rawConnectLoop(opts: RawConnectOptions): Promise<RawConnectResult> {
  const { host, port, durationMs } = opts;
  const concurrency = Math.max(1, Math.floor(opts.concurrency));
  const timeoutMs = opts.timeoutMs ?? 5000;
  let connects = 0;
  let failures = 0;
  const failureCodes: Record<string, number> = {};
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  const connect = opts.check ?? tcpCheck;
  const connectOnce = async (): Promise<void> => {
    const r = await connect(
      { host, port },
      { timeoutMs, ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}) },
    );
    if (r.ok) {
      connects++;
    } else {
      failures++;
      failureCodes[r.code] = (failureCodes[r.code] ?? 0) + 1;
    }
  };

  let missed = 0;
  if (opts.ratePerSec !== undefined && opts.ratePerSec > 0) {
    const rate = opts.ratePerSec;
    let started = 0;
    let inFlight = 0;
    let drained: (() => void) | undefined;
    await new Promise<void>((done) => {
      let ended = false;
      // the starts due by now (by the deadline once it passed; none after the last tick)
      const pump = (last = false): void => {
        if (ended) return;
        ended = last;
        const due = dueStarts(Math.min(performance.now(), deadline) - t0, rate);
        while (started < due && inFlight < concurrency) {
          started++;
          inFlight++;
          void connectOnce().finally(() => {
            inFlight--;
            pump();
            if (inFlight === 0) drained?.();
          });
        }
      };
      const timer = setInterval(() => {
        if (performance.now() < deadline) return pump();
        clearInterval(timer);
        pump(true);
        missed = dueStarts(durationMs, rate) - started;
        if (inFlight === 0) done();
        else drained = done;
      }, opts.tickMs ?? 20);
      pump();
    });
  } else {
    const worker = async (): Promise<void> => {
      while (performance.now() < deadline) await connectOnce();
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
  }
  const elapsedMs = performance.now() - t0;
  return {
    connects,
    failures,
    perSec: elapsedMs > 0 ? (connects * 1000) / elapsedMs : 0,
    elapsedMs,
    failureCodes,
    missed,
  };
}
