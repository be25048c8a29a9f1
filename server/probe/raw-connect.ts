import { performance } from 'node:perf_hooks';
import { tcpCheck } from './tcp-check.ts';

export interface RawConnectOptions {
  host: string;
  port: number;
  durationMs: number;
  /** Connects kept in flight at once. */
  concurrency: number;
  /** Per-connect timeout (default 5000 ms). */
  timeoutMs?: number;
  localAddress?: string;
}

export interface RawConnectResult {
  connects: number;
  failures: number;
  /** Successful connects per second of measured wall time. */
  perSec: number;
  elapsedMs: number;
  /** Failure counts by code (ECONNREFUSED, EADDRNOTAVAIL, ETIMEDOUT...). */
  failureCodes: Record<string, number>;
}

/**
 * The ceiling a benchmark compares the scheduler against: `concurrency`
 * workers calling tcpCheck (the very same connect + RST path) back to back,
 * with no scheduling, until `durationMs` has passed. Checks already started
 * when the time is up are finished and counted.
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

  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const r = await tcpCheck(
        { host, port },
        { timeoutMs, ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}) },
      );
      if (r.ok) {
        connects++;
      } else {
        failures++;
        failureCodes[r.code] = (failureCodes[r.code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedMs = performance.now() - t0;
  return {
    connects,
    failures,
    perSec: elapsedMs > 0 ? (connects * 1000) / elapsedMs : 0,
    elapsedMs,
    failureCodes,
  };
}
