import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { getSystemErrorName } from 'node:util';
import { type TcpHandles, tcpHandles } from './tcp-handle.ts';
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
 * - connected: ok, the socket is closed with a RST, not a FIN, so no TIME_WAIT
 *   is left behind on either side;
 * - the OS refused / reported unreachable: ok=false with the OS code;
 * - no answer within `timeoutMs`: ok=false, ETIMEDOUT;
 * - `signal` aborted: ok=false, ABORT_ERR;
 * - host not an IP literal / port outside 1..65535: ok=false, EINVAL (no
 *   DNS lookup and no packet).
 * It connects on Node's TCP handle (tcp-handle.ts) where it can, else on a net.Socket.
 */
export function tcpCheck(target: ProbeTarget, opts: TcpCheckOptions): Promise<ProbeResult> {
  return tcpCheckOn(tcpHandles(), target, opts);
}

/** tcpCheck on the given path: Node's TCP handle, or (null) a net.Socket. Tests run both. */
export function tcpCheckOn(
  handles: TcpHandles | null,
  target: ProbeTarget,
  opts: TcpCheckOptions,
): Promise<ProbeResult> {
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
  if (opts.localAddress !== undefined && net.isIP(opts.localAddress) === 0) {
    // what net.connect throws for it (a source address that is not an IP literal: configuration)
    return Promise.resolve(fail('ERR_INVALID_IP_ADDRESS', `Invalid IP address: ${opts.localAddress}`));
  }
  if (opts.signal?.aborted) {
    return Promise.resolve(fail('ABORT_ERR', `connect ABORT_ERR ${addr(target)} (aborted before start)`));
  }

  const attempt: Attempt = { target, opts, at, t0, fail };
  return handles ? viaHandle(handles, attempt) : viaSocket(attempt);
}

type Fail = (code: string, message: string) => ProbeResult;

/** One check as both connect paths take it: the target, its options, its start and its failure. */
interface Attempt {
  target: ProbeTarget;
  opts: TcpCheckOptions;
  /** Date.now() at the start (the result's `at`). */
  at: number;
  /** performance.now() at the start (for the latency). */
  t0: number;
  fail: Fail;
}

/**
 * Settles a check once: clears its timer and its abort listener. `cancel` is set by the connect
 * path (what a timeout or an abort does to the connect still under way).
 */
function settler({ target, opts, fail }: Attempt, resolve: (r: ProbeResult) => void) {
  const st = {
    settled: false,
    timer: undefined as ReturnType<typeof setTimeout> | undefined,
    cancel: (): void => {},
    settle(result: ProbeResult): void {
      if (st.settled) return;
      st.settled = true;
      if (st.timer !== undefined) clearTimeout(st.timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(result);
    },
    /** Arms the timeout and the abort (unless the connect already ended). */
    arm(): void {
      if (st.settled) return;
      st.timer = setTimeout(
        () => {
          st.cancel();
          st.settle(fail('ETIMEDOUT', `connect ETIMEDOUT ${addr(target)} (no answer within ${opts.timeoutMs} ms)`));
        },
        Math.max(0, opts.timeoutMs),
      );
      opts.signal?.addEventListener('abort', onAbort, { once: true });
    },
  };
  const onAbort = (): void => {
    st.cancel();
    st.settle(fail('ABORT_ERR', `connect ABORT_ERR ${addr(target)} (aborted)`));
  };
  return st;
}

/** The connect on Node's TCP handle (tcp-handle.ts): no net.Socket. */
function viaHandle(handles: TcpHandles, attempt: Attempt): Promise<ProbeResult> {
  const { target, opts, at, t0, fail } = attempt;
  return new Promise<ProbeResult>((resolve) => {
    const st = settler(attempt, resolve);
    const family = net.isIP(target.host) === 6 ? 6 : 4;
    st.cancel = handles.connect(family, target.host, target.port, opts.localAddress, (status, syscall) => {
      if (status === 0) return st.settle({ ok: true, latencyMs: elapsed(t0), at });
      const code = getSystemErrorName(status); // Node's name, as net gives it
      // Node's own wording for the same errors ("connect ECONNREFUSED 127.0.0.1:80", "bind EADDRNOTAVAIL 192.0.2.1")
      st.settle(
        fail(code, syscall === 'bind' ? `bind ${code} ${opts.localAddress}` : `connect ${code} ${addr(target)}`),
      );
    });
    st.arm();
  });
}

/** The same check on a net.Socket: where this Node has no usable TCP handle binding. */
function viaSocket(attempt: Attempt): Promise<ProbeResult> {
  const { target, opts, at, t0, fail } = attempt;
  return new Promise<ProbeResult>((resolve) => {
    const st = settler(attempt, resolve);
    let socket: net.Socket;
    try {
      socket = net.connect({
        host: target.host,
        port: target.port,
        ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
      });
    } catch (err) {
      // Synchronous argument errors (none expected: the host, port and source address were checked above).
      const code = errCode(err);
      st.settle(fail(code, errMessage(err, target, code)));
      return;
    }
    st.cancel = () => socket.destroy();
    socket.on('connect', () => {
      const latencyMs = elapsed(t0);
      // RST, not FIN: a probe sends nothing, and a reset leaves no TIME_WAIT socket behind on
      // either side, so thousands of checks a minute do not pile them up (README, "The probe loop").
      socket.resetAndDestroy();
      st.settle({ ok: true, latencyMs, at });
    });
    // Stays attached for the socket's life: a late error after a timeout or a
    // reset must not become an unhandled 'error' event.
    socket.on('error', (err) => {
      const code = errCode(err);
      st.settle(fail(code, errMessage(err, target, code)));
    });
    st.arm();
  });
}
