// The scheduler's per-target state in compact form: one slot number per target, its fields in
// typed-array columns indexed by the slot (no object per target besides the caller's own), and
// one indexed min-heap of slot numbers. At a million targets this is ~70 bytes per target
// instead of an entry object, a copy of the target and a heap of object references.

/** Where a slot's target is. FREE: the slot is unused (on the free list). */
export const SCHEDULED: number = 0;
export const QUEUED: number = 1;
export const RUNNING: number = 2;
/** Removed while queued or running: freed when it leaves the queue or its check ends. */
export const REMOVED: number = 3;
export const FREE: number = 4;

/** Why a check is planned (CheckCause as a number). */
export const REGULAR: number = 0;
export const RETRY: number = 1;
export const EXTRA: number = 2;

/** A typed array of length n holding a's elements first (the rest zero). */
export function grow<A extends Float64Array | Int32Array | Uint32Array | Uint16Array | Uint8Array>(a: A, n: number): A {
  const b = new (a.constructor as new (length: number) => A)(n);
  b.set(a);
  return b;
}

export class SlotStore<T> {
  private cap = 0;
  private nextSlot = 0;
  private readonly free: number[] = [];
  private live = 0;
  /** The caller's target objects (kept as given: never copied). */
  readonly targets: (T | undefined)[] = [];
  /** Planned time of the next check: while SCHEDULED the heap's sort key, while QUEUED or RUNNING the planned start of that check. */
  due = new Float64Array(0);
  /** Heap tie-breaker: lower first, so equal due times keep insertion order. */
  seq = new Float64Array(0);
  /** Position in the heap, -1 when not in it. */
  heapPos = new Int32Array(0);
  /** Offset inside the interval: hash(key) mod intervalMs. */
  phase = new Float64Array(0);
  /** Planned start of the last check started; NaN before the first. */
  lastPlanned = new Float64Array(0);
  /** Actual start of the last check started; NaN before the first. */
  lastStarted = new Float64Array(0);
  /** timeoutMs / current step: this target's share of one concurrency slot. */
  load = new Float64Array(0);
  /** Checks per ms at the current step (1 / interval, or 1 / retry interval in retry mode). */
  rate = new Float64Array(0);
  state = new Uint8Array(0);
  fast = new Uint8Array(0);
  runNow = new Uint8Array(0);
  /** Why the check at `due` is planned. */
  nextKind = new Uint8Array(0);
  /** Why the check now queued or running was planned. */
  plannedKind = new Uint8Array(0);

  get size(): number {
    return this.live;
  }

  alloc(target: T): number {
    const slot = this.free.pop() ?? this.nextSlot++;
    if (slot >= this.cap) this.grow(Math.max(1024, this.cap * 2));
    this.live++;
    this.targets[slot] = target;
    this.due[slot] = 0;
    this.seq[slot] = 0;
    this.heapPos[slot] = -1;
    this.phase[slot] = 0;
    this.lastPlanned[slot] = Number.NaN;
    this.lastStarted[slot] = Number.NaN;
    this.load[slot] = 0;
    this.rate[slot] = 0;
    this.state[slot] = SCHEDULED;
    this.fast[slot] = 0;
    this.runNow[slot] = 0;
    this.nextKind[slot] = REGULAR;
    this.plannedKind[slot] = REGULAR;
    return slot;
  }

  release(slot: number): void {
    this.targets[slot] = undefined;
    this.state[slot] = FREE;
    this.free.push(slot);
    this.live--;
  }

  private grow(n: number): void {
    this.due = grow(this.due, n);
    this.seq = grow(this.seq, n);
    this.heapPos = grow(this.heapPos, n);
    this.phase = grow(this.phase, n);
    this.lastPlanned = grow(this.lastPlanned, n);
    this.lastStarted = grow(this.lastStarted, n);
    this.load = grow(this.load, n);
    this.rate = grow(this.rate, n);
    this.state = grow(this.state, n);
    this.fast = grow(this.fast, n);
    this.runNow = grow(this.runNow, n);
    this.nextKind = grow(this.nextKind, n);
    this.plannedKind = grow(this.plannedKind, n);
    this.cap = n;
  }
}

/**
 * Indexed binary min-heap of slot numbers on (due, seq) of a SlotStore. push/pop/remove/update
 * are O(log n); each slot records its position, so removing one needs no search.
 */
export class SlotHeap {
  private items = new Int32Array(1024);
  private n = 0;
  private nextSeq = 0;

  constructor(private readonly s: SlotStore<unknown>) {}

  get size(): number {
    return this.n;
  }

  /** The earliest slot, or -1. */
  peek(): number {
    return this.n > 0 ? (this.items[0] as number) : -1;
  }

  has(slot: number): boolean {
    const i = this.s.heapPos[slot] as number;
    return i >= 0 && i < this.n && this.items[i] === slot;
  }

  push(slot: number): void {
    if (this.n === this.items.length) this.items = grow(this.items, this.n * 2);
    this.s.seq[slot] = this.nextSeq++;
    this.items[this.n] = slot;
    this.s.heapPos[slot] = this.n;
    this.n++;
    this.up(this.n - 1);
  }

  pop(): number {
    const top = this.peek();
    if (top >= 0) this.removeAt(0);
    return top;
  }

  remove(slot: number): boolean {
    if (!this.has(slot)) return false;
    this.removeAt(this.s.heapPos[slot] as number);
    return true;
  }

  /** Re-position a slot after its `due` changed (keeps its seq). */
  update(slot: number): void {
    if (!this.has(slot)) return;
    this.up(this.s.heapPos[slot] as number);
    this.down(this.s.heapPos[slot] as number);
  }

  /** Every slot in the heap, in no particular order. */
  slots(): Int32Array {
    return this.items.subarray(0, this.n);
  }

  /** Restore heap order after many `due` changes made in place: O(n). */
  rebuild(): void {
    for (let i = (this.n >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private before(a: number, b: number): boolean {
    const due = this.s.due;
    const da = due[a] as number;
    const db = due[b] as number;
    return da < db || (da === db && (this.s.seq[a] as number) < (this.s.seq[b] as number));
  }

  private removeAt(i: number): void {
    const items = this.items;
    const gone = items[i] as number;
    this.n--;
    const last = items[this.n] as number;
    this.s.heapPos[gone] = -1;
    if (i < this.n) {
      items[i] = last;
      this.s.heapPos[last] = i;
      this.up(i);
      this.down(this.s.heapPos[last] as number);
    }
  }

  private up(i: number): void {
    const items = this.items;
    const pos = this.s.heapPos;
    const slot = items[i] as number;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = items[p] as number;
      if (!this.before(slot, parent)) break;
      items[i] = parent;
      pos[parent] = i;
      i = p;
    }
    items[i] = slot;
    pos[slot] = i;
  }

  private down(i: number): void {
    const items = this.items;
    const pos = this.s.heapPos;
    const n = this.n;
    const slot = items[i] as number;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && this.before(items[r] as number, items[l] as number)) c = r;
      const child = items[c] as number;
      if (!this.before(child, slot)) break;
      items[i] = child;
      pos[child] = i;
      i = c;
    }
    items[i] = slot;
    pos[slot] = i;
  }
}

/** FIFO of slot numbers waiting for a concurrency slot; O(1) amortised, a growable ring. */
export class SlotFifo {
  private items = new Int32Array(1024);
  private head = 0;
  private n = 0;

  get length(): number {
    return this.n;
  }

  push(slot: number): void {
    if (this.n === this.items.length) {
      const b = new Int32Array(this.n * 2);
      for (let i = 0; i < this.n; i++) b[i] = this.items[(this.head + i) % this.items.length] as number;
      this.items = b;
      this.head = 0;
    }
    this.items[(this.head + this.n) % this.items.length] = slot;
    this.n++;
  }

  /** The oldest slot, or -1. */
  shift(): number {
    if (this.n === 0) return -1;
    const slot = this.items[this.head] as number;
    this.head = (this.head + 1) % this.items.length;
    this.n--;
    return slot;
  }
}
