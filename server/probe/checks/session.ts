// One connected socket with one deadline: the frame every talking check (banner, TLS, HTTP)
// runs in. It connects to the IP literal only (no DNS, ever), with the monitor's timeout for the
// whole check, and turns every outcome into one ProbeResult with the reason of the phase it
// ended in. The socket is closed with a RST like the connect check's (no TIME_WAIT).
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeResult, ProbeTarget, TcpCheckOptions, TlsFacts } from '../types.ts';
import { elapsedSince, osCode } from './result.ts';

export interface CheckOptions extends TcpCheckOptions {
  /** Extra trusted roots (PEM) besides Node's store (NODE_EXTRA_CA_CERTS also works). */
  ca?: readonly string[];
  /** Wall clock for certificate validity (default Date.now). */
  now?: () => number;
}

export interface Session {
  readonly socket: net.Socket;
  readonly target: ProbeTarget;
  readonly opts: CheckOptions;
  /** Describes what the check waits for; ends the timeout message ("no banner within 5000 ms"). */
  phase: string;
  /** Code of a timeout after the connect (BANNER_TIMEOUT, TLS_TIMEOUT, HTTP_TIMEOUT…). */
  timeoutCode: string;
  /** Added to the timeout message (bytes received so far…). */
  progress: () => string;
  /** TLS facts to attach to whatever ends the check. */
  tls: TlsFacts | undefined;
  readonly settled: boolean;
  ok(): void;
  fail(code: string, message: string): void;
  /** Remaining time of the check's budget (ms). */
  remainingMs(): number;
  onCleanup(fn: () => void): void;
}

export const addr = (t: ProbeTarget): string => (net.isIPv6(t.host) ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);

/** Runs `start` once the TCP connection to target is up; resolves with the check's one result. */
export function socketCheck(
  target: ProbeTarget,
  opts: CheckOptions,
  start: (s: Session) => void,
): Promise<ProbeResult> {
  const at = Date.now();
  const t0 = performance.now();
  const where = `${target.host}:${target.port}`;
  const early = (code: string, message: string): Promise<ProbeResult> =>
    Promise.resolve({ ok: false, latencyMs: elapsedSince(t0), at, code, message });
  if (net.isIP(target.host) === 0) return early('EINVAL', `connect EINVAL ${where} (host is not an IP literal)`);
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535)
    return early('EINVAL', `connect EINVAL ${where} (port out of range)`);
  if (opts.signal?.aborted) return early('ABORT_ERR', `connect ABORT_ERR ${where} (aborted before start)`);

  return new Promise<ProbeResult>((resolve) => {
    let connected = false;
    let settled = false;
    const cleanups: (() => void)[] = [];
    let socket: net.Socket;

    const finish = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      for (const c of cleanups.reverse()) {
        try {
          c();
        } catch {
          // closing is best effort
        }
      }
      if (!socket.destroyed) {
        try {
          socket.resetAndDestroy();
        } catch {
          socket.destroy();
        }
      }
      resolve(r);
    };

    const session: Session = {
      get socket() {
        return socket;
      },
      target,
      opts,
      phase: 'an answer',
      timeoutCode: 'ETIMEDOUT',
      progress: () => '',
      tls: undefined,
      get settled() {
        return settled;
      },
      ok() {
        finish({ ok: true, latencyMs: elapsedSince(t0), at, ...(session.tls ? { tls: session.tls } : {}) });
      },
      fail(code, message) {
        finish({
          ok: false,
          latencyMs: elapsedSince(t0),
          at,
          code,
          message,
          ...(session.tls ? { tls: session.tls } : {}),
        });
      },
      remainingMs: () => Math.max(0, opts.timeoutMs - (performance.now() - t0)),
      onCleanup(fn) {
        cleanups.push(fn);
      },
    };

    const onAbort = (): void =>
      session.fail('ABORT_ERR', `${connected ? 'check' : 'connect'} ABORT_ERR ${where} (aborted)`);
    const timer = setTimeout(
      () => {
        if (!connected)
          return session.fail('ETIMEDOUT', `connect ETIMEDOUT ${where} (no answer within ${opts.timeoutMs} ms)`);
        const more = session.progress();
        session.fail(
          session.timeoutCode,
          `no ${session.phase} within ${Math.round(opts.timeoutMs)} ms${more ? ` (${more})` : ''}`,
        );
      },
      Math.max(0, opts.timeoutMs),
    );

    try {
      socket = net.connect({
        host: target.host,
        port: target.port,
        ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
      });
    } catch (err) {
      const code = osCode(err);
      socket = new net.Socket();
      session.fail(code, err instanceof Error ? err.message : `connect ${code} ${where}`);
      return;
    }
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    socket.on('error', (err) => {
      const code = osCode(err);
      if (!connected) return session.fail(code, err.message || `connect ${code} ${where}`);
      session.fail(code, `${err.message || code} while waiting for ${session.phase}`);
    });
    socket.once('connect', () => {
      connected = true;
      socket.setNoDelay(true);
      try {
        start(session);
      } catch (err) {
        session.fail('ECHECK', `check failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    });
  });
}
