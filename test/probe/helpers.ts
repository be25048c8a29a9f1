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
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { Worker } from 'node:worker_threads';
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
 * Worker-thread listener that never accepts: it listens with backlog 1, then
 * blocks its own event loop in Atomics.wait, so libuv never calls accept().
 * Once the accept queue is full (the fillers below), Linux drops every new
 * SYN: a client sees no answer at all, a real ETIMEDOUT. (A Python helper
 * doing listen(0) works too; a worker starts ~10x faster than python3 here.)
 */
const SILENT_LISTENER = `
const { parentPort, workerData } = require('node:worker_threads');
const net = require('node:net');
const server = net.createServer();
server.on('error', (e) => parentPort.postMessage({ error: String(e) }));
server.listen({ host: workerData.host, port: 0, backlog: 1 }, () => {
  parentPort.postMessage({ port: server.address().port });
  Atomics.wait(new Int32Array(workerData.wake), 0, 0);
  server.close();
});`;

const connectWithin = (host: string, port: number, ms: number): Promise<{ socket: net.Socket; ok: boolean }> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.on('error', () => {});
    const timer = setTimeout(() => resolve({ socket, ok: false }), ms);
    socket.once('connect', () => {
      clearTimeout(timer);
      resolve({ socket, ok: true });
    });
  });

/** A port that never answers a SYN: connects to it time out. */
export async function timeoutTarget(host = '127.0.0.1'): Promise<Target> {
  const wake = new SharedArrayBuffer(4);
  const worker = new Worker(SILENT_LISTENER, { eval: true, workerData: { host, wake } });
  const fillers: net.Socket[] = [];
  const close = track(async () => {
    for (const f of fillers) f.destroy();
    const flag = new Int32Array(wake);
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
    await worker.terminate();
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      worker.once('error', reject);
      worker.once('message', (m: { port?: number; error?: string }) =>
        m.port !== undefined ? resolve(m.port) : reject(new Error(`timeoutTarget: ${m.error}`)),
      );
    });
    // Fill the accept queue: connect until a SYN goes unanswered.
    for (let i = 0; i < 16; i++) {
      const { socket, ok } = await connectWithin(host, port, 100);
      fillers.push(socket);
      if (!ok) return { host, port, close };
    }
    throw new Error('timeoutTarget: the accept queue never filled up');
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
