// A TCP connect on Node's own TCP handle (the `tcp_wrap` binding that `net.Socket` is built on),
// without the stream, event emitter and buffers of a `net.Socket`: a probe connects, resets and
// never reads or writes, so it needs none of them. At the product's rates this halves a check's
// CPU (README, "The probe loop"). The binding is not a public API: `tcpHandles()` checks its shape
// once and returns null when it is missing or different, and tcp-check.ts then uses `net.Socket`.
/** The parts of the binding's connect request used here. */
interface ConnectRequest {
  oncomplete: (status: number) => void;
  address: string;
  port: number;
  localAddress?: string;
}

/** The parts of the binding's TCP handle used here (status codes are negative errnos, 0 = ok). */
interface TcpHandle {
  connect(req: ConnectRequest, host: string, port: number): number;
  connect6(req: ConnectRequest, host: string, port: number): number;
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  /** Closes the handle with a RST (SO_LINGER 0): no FIN, no TIME_WAIT. */
  reset(done: () => void): number;
  close(done?: () => void): void;
}

interface TcpBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectRequest;
  constants: { SOCKET: number };
}

/** How one connect ended: 0 = connected (and reset), else a negative errno. */
export type ConnectDone = (status: number, syscall: 'connect' | 'bind') => void;

export interface TcpHandles {
  /**
   * Starts a connect to an IP literal (`family` 4 or 6), optionally from `localAddress`. `done` is
   * called once, unless the returned cancel function is called first (a timeout, an abort): that
   * closes the handle and nothing more is reported.
   */
  connect(family: 4 | 6, host: string, port: number, localAddress: string | undefined, done: ConnectDone): () => void;
}

const isFn = (o: object, k: string): boolean => typeof (o as Record<string, unknown>)[k] === 'function';

function loadBinding(): TcpBinding | null {
  try {
    const bindingFn = (process as unknown as { binding?: (name: string) => unknown }).binding;
    if (typeof bindingFn !== 'function') return null;
    const b = bindingFn.call(process, 'tcp_wrap') as Partial<TcpBinding> | null;
    if (!b || typeof b.TCP !== 'function' || typeof b.TCPConnectWrap !== 'function') return null;
    if (typeof b.constants?.SOCKET !== 'number') return null;
    const proto = b.TCP.prototype as object;
    if (!['connect', 'connect6', 'bind', 'bind6', 'reset', 'close'].every((k) => isFn(proto, k))) return null;
    return b as TcpBinding;
  } catch {
    return null;
  }
}

const noop = (): void => {};

/**
 * A connect under way. The binding's request and handle objects hold nothing of it: V8 treats
 * the wrapper objects of native handles as live in every minor collection (native code holds
 * them), so whatever they reference (a completion closure, the check's promise and timer, its
 * result) was promoted with them at each check and left for a major collection: at 556 checks a
 * second that was a major collection every few seconds (README, "Session 12"). The state lives
 * here, keyed by the request, and is dropped when the connect ends.
 */
interface Connect {
  handle: TcpHandle;
  done: ConnectDone;
}
const underWay = new Map<ConnectRequest, Connect>();

/** Connects under way (tests: none is left behind once every check has ended). */
export const connectsUnderWay = (): number => underWay.size;

/**
 * The request's completion (one function for every connect, as net's afterConnect): Node calls
 * it on the request with (status, handle, request, readable, writable).
 */
function onComplete(this: ConnectRequest, status: number, _handle?: unknown, request?: ConnectRequest): void {
  const req = request ?? this;
  const c = underWay.get(req);
  if (!c) return; // cancelled: the handle is already closed
  underWay.delete(req);
  // the reset closes the handle (Node marks it closing even when the reset reports an error,
  // which libuv does only for a stream already shutting down: as net.Socket's resetAndDestroy,
  // nothing more can be done with it then)
  if (status === 0) c.handle.reset(noop);
  else c.handle.close();
  c.done(status, 'connect');
}

function create(b: TcpBinding): TcpHandles {
  const { TCP, TCPConnectWrap, constants } = b;
  return {
    connect(family, host, port, localAddress, done) {
      const handle = new TCP(constants.SOCKET);
      if (localAddress !== undefined) {
        const err = family === 6 ? handle.bind6(localAddress, 0, 0) : handle.bind(localAddress, 0);
        if (err !== 0) {
          handle.close();
          done(err, 'bind');
          return noop;
        }
      }
      const req = new TCPConnectWrap();
      req.address = host;
      req.port = port;
      if (localAddress !== undefined) req.localAddress = localAddress;
      req.oncomplete = onComplete;
      const err = family === 6 ? handle.connect6(req, host, port) : handle.connect(req, host, port);
      if (err !== 0) {
        handle.close();
        done(err, 'connect');
        return noop;
      }
      underWay.set(req, { handle, done });
      // cancelled while under way (not after its completion, which left the map)
      return () => {
        if (underWay.delete(req)) handle.close();
      };
    },
  };
}

let cached: TcpHandles | null | undefined;

/** The handle-based connect, or null when this Node has no usable `tcp_wrap` binding. */
export function tcpHandles(): TcpHandles | null {
  if (cached === undefined) {
    const b = loadBinding();
    cached = b ? create(b) : null;
  }
  return cached;
}
