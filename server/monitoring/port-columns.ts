// The alert state of quiet ports in typed-array columns, indexed by a port slot: a port that is
// UP (or UNKNOWN, PAUSED…) with a clean flap window costs ~45 bytes here and no JS object. The
// alerting core still works on plain PortState objects: a monitor builds them from its slots on
// demand (compact-monitor.ts) and writes the result of a step back when it is quiet again. Ports
// with anything else (a flapping window with a failure in it, a flapping port) stay objects.
import type { FlapState, PortPhase, PortState } from '../alerting/index.ts';

const PHASES: readonly PortPhase[] = ['UNKNOWN', 'UP', 'SUSPECT', 'DOWN', 'RECOVERING', 'PAUSED', 'MAINTENANCE'];
const PHASE_CODE = new Map(PHASES.map((p, i) => [p, i]));
/** flapLen when the port has no flap state (absent key). */
const NO_FLAP = 255;
const MAX_INT32 = 2 ** 31 - 1;
/** Distinct error codes kept as numbers (OS codes: a few dozen); more and a port stays an object. */
const MAX_CODES = 65_535;

/** Histories of n successes, shared ('0' × n). */
const zeros: string[] = [];
const zerosOf = (n: number): string => (zeros[n] ??= '0'.repeat(n));
/** Clean flap windows of n successes, shared and frozen (the alerting core never mutates a state). */
const cleanFlaps: FlapState[] = [];
const cleanFlapOf = (n: number): FlapState =>
  (cleanFlaps[n] ??= Object.freeze({ history: zerosOf(n), flapping: false, since: null }));

const count = (v: number) => Number.isInteger(v) && v >= 0 && v <= MAX_INT32;

export class PortColumns {
  private cap = 0;
  private top = 0;
  private readonly free = new Map<number, number[]>();
  private port = new Uint16Array(0);
  private phase = new Uint8Array(0);
  private flapLen = new Uint8Array(0);
  private lastOk = new Int8Array(0);
  private code = new Uint16Array(0);
  private failures = new Int32Array(0);
  private successes = new Int32Array(0);
  private since = new Float64Array(0);
  private lastCheckAt = new Float64Array(0);
  private latency = new Float64Array(0);
  /** The last error message per slot (a port that never failed has none). */
  private readonly messages = new Map<number, string>();
  private readonly codes: string[] = [''];
  private readonly codeIds = new Map<string, number>();

  /** Slots in use (for tests and figures). */
  used(): number {
    let freed = 0;
    for (const [n, list] of this.free) freed += n * list.length;
    return this.top - freed;
  }

  /** n consecutive slots; returns the first. */
  alloc(n: number): number {
    const reuse = this.free.get(n)?.pop();
    if (reuse !== undefined) return reuse;
    if (this.top + n > this.cap) this.grow(Math.max(this.top + n, Math.ceil(this.cap * 1.5), 1024));
    const base = this.top;
    this.top += n;
    return base;
  }

  release(base: number, n: number): void {
    if (n === 0) return;
    for (let i = base; i < base + n; i++) this.messages.delete(i);
    const list = this.free.get(n);
    if (list) list.push(base);
    else this.free.set(n, [base]);
  }

  private grow(cap: number): void {
    const g = <T extends { length: number; set(a: T): void }>(a: T, make: (n: number) => T): T => {
      const b = make(cap);
      b.set(a);
      return b;
    };
    this.port = g(this.port, (n) => new Uint16Array(n));
    this.phase = g(this.phase, (n) => new Uint8Array(n));
    this.flapLen = g(this.flapLen, (n) => new Uint8Array(n));
    this.lastOk = g(this.lastOk, (n) => new Int8Array(n));
    this.code = g(this.code, (n) => new Uint16Array(n));
    this.failures = g(this.failures, (n) => new Int32Array(n));
    this.successes = g(this.successes, (n) => new Int32Array(n));
    this.since = g(this.since, (n) => new Float64Array(n));
    this.lastCheckAt = g(this.lastCheckAt, (n) => new Float64Array(n));
    this.latency = g(this.latency, (n) => new Float64Array(n));
    this.cap = cap;
  }

  /** Whether `s` can be kept in columns exactly (same values back from read). */
  fits(s: PortState): boolean {
    if (!count(s.consecutiveFailures) || !count(s.consecutiveSuccesses)) return false;
    if (!Number.isFinite(s.since)) return false;
    if (s.lastCheckAt !== null && !Number.isFinite(s.lastCheckAt)) return false;
    if (s.lastLatencyMs !== null && Number.isNaN(s.lastLatencyMs)) return false;
    if (s.lastErrorCode !== null && !this.codeIds.has(s.lastErrorCode) && this.codes.length >= MAX_CODES) return false;
    return s.flap === undefined || quietFlap(s.flap);
  }

  /** Stores `s` (it must fit) as port `port` in `slot`. */
  write(slot: number, port: number, s: PortState): void {
    this.port[slot] = port;
    this.phase[slot] = PHASE_CODE.get(s.phase) ?? 0;
    this.failures[slot] = s.consecutiveFailures;
    this.successes[slot] = s.consecutiveSuccesses;
    this.since[slot] = s.since;
    this.lastCheckAt[slot] = s.lastCheckAt ?? Number.NaN;
    this.lastOk[slot] = s.lastOk === null ? -1 : s.lastOk ? 1 : 0;
    this.latency[slot] = s.lastLatencyMs ?? Number.NaN;
    this.code[slot] = s.lastErrorCode === null ? 0 : this.codeId(s.lastErrorCode);
    if (s.lastErrorMessage === null) this.messages.delete(slot);
    else this.messages.set(slot, s.lastErrorMessage);
    this.flapLen[slot] = s.flap === undefined ? NO_FLAP : s.flap.history.length;
  }

  portAt(slot: number): number {
    return this.port[slot] ?? 0;
  }

  phaseAt(slot: number): PortPhase {
    return PHASES[this.phase[slot] ?? 0] ?? 'UNKNOWN';
  }

  /** The port's flap window (a shared object: in columns it is always a clean one), or undefined. */
  flapAt(slot: number): FlapState | undefined {
    const n = this.flapLen[slot] ?? NO_FLAP;
    return n === NO_FLAP ? undefined : cleanFlapOf(n);
  }

  /**
   * Writes steadyPort's change (the alerting core's) in place: the counters of a steady check and
   * its clean flap window's new length. False, and nothing written, when it would not fit a column.
   */
  recordSteady(slot: number, latencyMs: number, now: number, flapLength: number): boolean {
    const successes = (this.successes[slot] ?? 0) + 1;
    if (successes > MAX_INT32 || !Number.isFinite(now) || Number.isNaN(latencyMs) || flapLength >= NO_FLAP)
      return false;
    this.flapLen[slot] = flapLength;
    this.failures[slot] = 0;
    this.successes[slot] = successes;
    this.lastCheckAt[slot] = now;
    this.lastOk[slot] = 1;
    this.latency[slot] = latencyMs;
    return true;
  }

  /** A fresh PortState object with the values written to `slot`. */
  read(slot: number): PortState {
    const lastCheckAt = this.lastCheckAt[slot] ?? Number.NaN;
    const latency = this.latency[slot] ?? Number.NaN;
    const ok = this.lastOk[slot];
    const code = this.code[slot] ?? 0;
    const s: PortState = {
      phase: this.phaseAt(slot),
      consecutiveFailures: this.failures[slot] ?? 0,
      consecutiveSuccesses: this.successes[slot] ?? 0,
      since: this.since[slot] ?? 0,
      lastCheckAt: Number.isNaN(lastCheckAt) ? null : lastCheckAt,
      lastOk: ok === -1 ? null : ok === 1,
      lastLatencyMs: Number.isNaN(latency) ? null : latency,
      lastErrorCode: code === 0 ? null : (this.codes[code] ?? null),
      lastErrorMessage: this.messages.get(slot) ?? null,
    };
    const flap = this.flapAt(slot);
    if (flap) s.flap = flap;
    return s;
  }

  private codeId(c: string): number {
    let id = this.codeIds.get(c);
    if (id === undefined) {
      id = this.codes.length;
      this.codes.push(c);
      this.codeIds.set(c, id);
    }
    return id;
  }
}

/** A flap window of successes only, not flapping (what every healthy port has). */
function quietFlap(f: FlapState): boolean {
  if (f.flapping || f.since !== null || f.history.length >= NO_FLAP) return false;
  for (let i = 0; i < f.history.length; i++) if (f.history.charCodeAt(i) !== 48) return false;
  return true;
}

/** The runtime's columns (one table per process). */
export const portColumns = new PortColumns();
