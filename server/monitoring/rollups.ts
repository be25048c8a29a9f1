// In-memory hourly rollups per port, fed by every check and flushed in batches. Until a flush
// has landed, the rows (those being written included) are readable through pending(), so
// statistics include the hour still in memory.
//
// Compact: an hour's rows are typed-array columns indexed by a row number (~60 bytes a port,
// against a row object, its boxed numbers and a list per monitor before); row objects are built
// only when rows are drained for a write or read by pending().
import type { RollupRow } from '../services/types.ts';
import { grow } from '../probe/slots.ts';

const HOUR = 3_600_000;

/** The rows of one hour. */
class HourRows {
  readonly date: Date;
  size = 0;
  private cap = 0;
  /** Monitor id → its first row; the rest follow through `next`. */
  private readonly first = new Map<string, number>();
  private readonly monitorIds: string[] = [];
  private port = new Uint16Array(0);
  private next = new Int32Array(0);
  checks = new Uint32Array(0);
  failures = new Uint32Array(0);
  latencySumMs = new Float64Array(0);
  latencyCount = new Uint32Array(0);
  /** NaN: none (RollupRow null). */
  latencyMinMs = new Float64Array(0);
  latencyMaxMs = new Float64Array(0);
  downSeconds = new Float64Array(0);
  flapSeconds = new Float64Array(0);

  constructor(hour: number) {
    this.date = new Date(hour);
  }

  /** The row of (monitor, port), made when absent. */
  index(monitorId: string, port: number): number {
    let i = this.first.get(monitorId);
    if (i === undefined) {
      const fresh = this.append(monitorId, port);
      this.first.set(monitorId, fresh);
      return fresh;
    }
    for (;;) {
      if (this.port[i] === port) return i;
      const n = this.next[i] as number;
      if (n < 0) break;
      i = n;
    }
    const fresh = this.append(monitorId, port);
    this.next[i] = fresh;
    return fresh;
  }

  /** The rows of a monitor, in the order they were made. */
  *of(monitorId: string): Generator<number> {
    for (let i = this.first.get(monitorId) ?? -1; i >= 0; i = this.next[i] as number) yield i;
  }

  row(i: number): RollupRow {
    const min = this.latencyMinMs[i] as number;
    const max = this.latencyMaxMs[i] as number;
    return {
      monitorId: this.monitorIds[i] as string,
      port: this.port[i] as number,
      hour: this.date,
      checks: this.checks[i] as number,
      failures: this.failures[i] as number,
      latencySumMs: this.latencySumMs[i] as number,
      latencyCount: this.latencyCount[i] as number,
      latencyMinMs: Number.isNaN(min) ? null : min,
      latencyMaxMs: Number.isNaN(max) ? null : max,
      downSeconds: this.downSeconds[i] as number,
      flapSeconds: this.flapSeconds[i] as number,
    };
  }

  private append(monitorId: string, port: number): number {
    const i = this.size;
    if (i === this.cap) this.grow(Math.max(256, this.cap * 2));
    this.size += 1;
    this.monitorIds[i] = monitorId;
    this.port[i] = port;
    this.next[i] = -1;
    this.latencyMinMs[i] = Number.NaN;
    this.latencyMaxMs[i] = Number.NaN;
    return i;
  }

  private grow(n: number): void {
    this.port = grow(this.port, n);
    this.next = grow(this.next, n);
    this.checks = grow(this.checks, n);
    this.failures = grow(this.failures, n);
    this.latencySumMs = grow(this.latencySumMs, n);
    this.latencyCount = grow(this.latencyCount, n);
    this.latencyMinMs = grow(this.latencyMinMs, n);
    this.latencyMaxMs = grow(this.latencyMaxMs, n);
    this.downSeconds = grow(this.downSeconds, n);
    this.flapSeconds = grow(this.flapSeconds, n);
    this.cap = n;
  }
}

const minOf = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));
const maxOf = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));

export class RollupBuffer {
  private hours = new Map<number, HourRows>();
  private count = 0;
  /** Drained for a write that has not landed yet. */
  private writing: RollupRow[] = [];

  private hour(hour: number): HourRows {
    let h = this.hours.get(hour);
    if (!h) this.hours.set(hour, (h = new HourRows(hour)));
    return h;
  }

  /** `flapMs`: time since the previous check spent flapping (counted apart from down time). */
  add(monitorId: string, port: number, at: number, ok: boolean, latencyMs: number, downMs: number, flapMs = 0): void {
    const h = this.hour(Math.floor(at / HOUR) * HOUR);
    const before = h.size;
    const i = h.index(monitorId, port);
    this.count += h.size - before;
    h.checks[i] = (h.checks[i] as number) + 1;
    if (!ok) h.failures[i] = (h.failures[i] as number) + 1;
    else {
      h.latencySumMs[i] = (h.latencySumMs[i] as number) + latencyMs;
      h.latencyCount[i] = (h.latencyCount[i] as number) + 1;
      h.latencyMinMs[i] = minOf(h.latencyMinMs[i] as number, latencyMs);
      h.latencyMaxMs[i] = maxOf(h.latencyMaxMs[i] as number, latencyMs);
    }
    h.downSeconds[i] = (h.downSeconds[i] as number) + Math.round(downMs / 1000);
    h.flapSeconds[i] = (h.flapSeconds[i] as number) + Math.round(flapMs / 1000);
  }

  size(): number {
    return this.count;
  }

  /** Takes every row out of the buffer (still counted by pending() until landed() or restore()). */
  drain(): RollupRow[] {
    const out: RollupRow[] = [];
    for (const h of this.hours.values()) for (let i = 0; i < h.size; i++) out.push(h.row(i));
    this.hours.clear();
    this.count = 0;
    this.writing = [...this.writing, ...out];
    return out;
  }

  /** These drained rows are in the database. */
  landed(rows: readonly RollupRow[]): void {
    const done = new Set(rows);
    this.writing = this.writing.filter((r) => !done.has(r));
  }

  /** Copies of the rows not yet in the database for these monitors (written or being written). */
  pending(monitorIds: ReadonlySet<string>): RollupRow[] {
    const out: RollupRow[] = [];
    for (const r of this.writing) if (monitorIds.has(r.monitorId)) out.push({ ...r });
    for (const h of this.hours.values()) for (const id of monitorIds) for (const i of h.of(id)) out.push(h.row(i));
    return out;
  }

  /** Puts rows back after a failed write (added to what came since). */
  restore(rows: RollupRow[]): void {
    this.landed(rows);
    for (const r of rows) {
      const h = this.hour(r.hour.getTime());
      const before = h.size;
      const i = h.index(r.monitorId, r.port);
      this.count += h.size - before;
      h.checks[i] = (h.checks[i] as number) + r.checks;
      h.failures[i] = (h.failures[i] as number) + r.failures;
      h.latencySumMs[i] = (h.latencySumMs[i] as number) + r.latencySumMs;
      h.latencyCount[i] = (h.latencyCount[i] as number) + r.latencyCount;
      h.latencyMinMs[i] = minOf(h.latencyMinMs[i] as number, r.latencyMinMs ?? Number.NaN);
      h.latencyMaxMs[i] = maxOf(h.latencyMaxMs[i] as number, r.latencyMaxMs ?? Number.NaN);
      h.downSeconds[i] = (h.downSeconds[i] as number) + r.downSeconds;
      h.flapSeconds[i] = (h.flapSeconds[i] as number) + r.flapSeconds;
    }
  }
}
