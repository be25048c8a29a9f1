/**
 * Real TCP targets on loopback for probe tests.
 *
 * Teardown cannot be forgotten: every target is registered on creation and
 * closed by vitest, either when the test that created it finishes
 * (onTestFinished) or, when created outside a test (beforeAll, describe
 * body), by an afterAll this module registers in each test file importing
 * it. `close()` is still exposed for tests that want to close early; it is
 * idempotent.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { afterAll, onTestFinished } from 'vitest';

export interface Target {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface OpenTarget extends Target {
  /** Connections accepted so far. */
  accepted(): number;
}

const live = new Set<() => Promise<void>>();

export async function closeAllTargets(): Promise<void> {
  const all = [...live];
  live.clear();
  await Promise.allSettled(all.map((c) => c()));
}

afterAll(closeAllTargets);

function track(closeOnce: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  const close = (): Promise<void> => {
    live.delete(close);
    done ??= closeOnce();
    return done;
  };
  live.add(close);
  try {
    onTestFinished(() => close());
  } catch {
    // Not inside a test: the module-level afterAll closes it.
  }
  return close;
}

const listen = (server: net.Server, host: string): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      server.off('error', reject);
      resolve((server.address() as net.AddressInfo).port);
    });
  });

/** A listener that accepts every connection (and sees how the client closes it). */
export async function openTarget(
  opts: { host?: string; onConnection?: (socket: net.Socket) => void } = {},
): Promise<OpenTarget> {
  const host = opts.host ?? '127.0.0.1';
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on('error', () => {}); // RST from the prober is expected
    socket.on('close', () => sockets.delete(socket));
    opts.onConnection?.(socket);
  });
  const port = await listen(server, host);
  const close = track(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { host, port, close, accepted: () => accepted };
}

/** A port nobody listens on (bound, then released): connects are refused. */
export async function refusingPort(host = '127.0.0.1'): Promise<{ host: string; port: number }> {
  const server = net.createServer();
  const port = await listen(server, host);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return { host, port };
}

/**
 * Python helper: listen(0) and never accept; one connection fills the accept
 * queue (two more sit in SYN-SENT for good measure), after which Linux drops
 * every new SYN, so a client sees no answer at all: a real timeout. It
 * exits when its stdin closes, so it dies with this process even on a crash.
 */
const TIMEOUT_TARGET_PY = `
import socket, sys
host = sys.argv[1]
fam = socket.AF_INET6 if ':' in host else socket.AF_INET
srv = socket.socket(fam, socket.SOCK_STREAM)
srv.bind((host, 0))
srv.listen(0)
port = srv.getsockname()[1]
fillers = [socket.socket(fam, socket.SOCK_STREAM) for _ in range(3)]
fillers[0].connect((host, port))
for c in fillers[1:]:
    c.setblocking(False)
    c.connect_ex((host, port))
sys.stdout.write('%d\\n' % port)
sys.stdout.flush()
sys.stdin.read()
`;

/** A port that never answers a SYN: connects to it time out. */
export async function timeoutTarget(host = '127.0.0.1'): Promise<Target> {
  const child = spawn('python3', ['-c', TIMEOUT_TARGET_PY, host], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
  const close = track(async () => {
    child.stdin.end();
    child.kill('SIGTERM');
    await exited;
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      let err = '';
      const timer = setTimeout(() => reject(new Error(`timeoutTarget: no port after 5 s ${err}`)), 5000);
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line !== undefined) {
          clearTimeout(timer);
          resolve(Number(line));
        }
      });
      child.once('error', (e) => (clearTimeout(timer), reject(e)));
      child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`timeoutTarget helper exited ${code}: ${err}`))));
    });
    return { host, port, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Whether ::1 can be bound here (no IPv6 on some CI containers). */
export async function ipv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  try {
    await listen(server, '::1');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return true;
  } catch {
    return false;
  }
}

/** TIME_WAIT sockets with `port` at either end (from /proc/net/tcp and tcp6). */
export async function timeWaitCount(port: number): Promise<number> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, remote, state] = line.trim().split(/\s+/);
      if (state === '06' && (local?.endsWith(`:${hex}`) || remote?.endsWith(`:${hex}`))) n++;
    }
  }
  return n;
}
