import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { ProbeResult, ProbeTarget, TcpCheckOptions } from './types.ts';

/** Node's own address rendering in connect errors ("127.0.0.1:80", "::1:80"). */
const addr = (t: ProbeTarget): string => `${t.host}:${t.port}`;
const elapsed = (t0: number): number => Math.round((performance.now() - t0) * 1000) / 1000;

function errCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code !== '' ? code : 'EUNKNOWN';
}

function errMessage(err: unknown, target: ProbeTarget, code: string): string {
  const msg = err instanceof Error ? err.message : '';
  return msg !== '' ? msg : `connect ${code} ${addr(target)}`;
}

/**
 * One TCP connect to an IP literal, with a timeout. Resolves with a
 * ProbeResult for every outcome (it never rejects for "down"):
 * - connected: ok, the socket is closed with a RST (`resetAndDestroy()`), not
 *   a FIN, so no TIME_WAIT is left behind on either side;
 * - the OS refused / reported unreachable: ok=false with the OS code;
 * - no answer within `timeoutMs`: ok=false, ETIMEDOUT;
 * - `signal` aborted: ok=false, ABORT_ERR;
 * - host not an IP literal / port outside 1..65535: ok=false, EINVAL (no
 *   DNS lookup and no packet).
 */
export function tcpCheck(target: ProbeTarget, opts: TcpCheckOptions): Promise<ProbeResult> {
  const at = Date.now();
  const t0 = performance.now();
  const fail = (code: string, message: string): ProbeResult => ({
    ok: false,
    latencyMs: elapsed(t0),
    at,
    code,
    message,
  });

  if (net.isIP(target.host) === 0) {
    return Promise.resolve(fail('EINVAL', `connect EINVAL ${addr(target)} (host is not an IP literal)`));
  }
  if (!Number.isInteger(target.port) || target.port < 1 || target.port > 65535) {
    return Promise.resolve(fail('EINVAL', `connect EINVAL ${addr(target)} (port out of range)`));
  }
  if (opts.signal?.aborted) {
    return Promise.resolve(fail('ABORT_ERR', `connect ABORT_ERR ${addr(target)} (aborted before start)`));
  }

  return new Promise<ProbeResult>((resolve) => {
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let socket: net.Socket;

    const onAbort = (): void => {
      socket.destroy();
      settle(fail('ABORT_ERR', `connect ABORT_ERR ${addr(target)} (aborted)`));
    };
    const settle = (result: ProbeResult): void => {
      if (settled) return;
      settled = true;
      if (timer !== undefined) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    };

    try {
      socket = net.connect({
        host: target.host,
        port: target.port,
        ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
      });
    } catch (err) {
      // Synchronous argument errors (e.g. a bad localAddress).
      const code = errCode(err);
      settle(fail(code, errMessage(err, target, code)));
      return;
    }

    socket.on('connect', () => {
      const latencyMs = elapsed(t0);
      // RST, not FIN: a probe sends nothing, and a reset leaves no TIME_WAIT socket behind on
      // either side, so thousands of checks a minute do not pile them up (README, "The probe loop").
      socket.resetAndDestroy();
      settle({ ok: true, latencyMs, at });
    });
    // Stays attached for the socket's life: a late error after a timeout or a
    // reset must not become an unhandled 'error' event.
    socket.on('error', (err) => {
      const code = errCode(err);
      settle(fail(code, errMessage(err, target, code)));
    });

    timer = setTimeout(
      () => {
        socket.destroy();
        settle(fail('ETIMEDOUT', `connect ETIMEDOUT ${addr(target)} (no answer within ${opts.timeoutMs} ms)`));
      },
      Math.max(0, opts.timeoutMs),
    );
    opts.signal?.addEventListener('abort', onAbort, { once: true });
  });
}
