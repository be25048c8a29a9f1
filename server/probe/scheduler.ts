import { systemClock } from './clock.ts';
import { Fifo, MinHeap, type HeapItem } from './heap.ts';
import { tcpCheck } from './tcp-check.ts';
import { alignedAfter, alignedAtOrAfter, LatenessWindow, phaseOf } from './timing.ts';
import type {
  CheckInfo,
  CheckCause,
  ProbeResult,
  ScheduledTarget,
  Scheduler,
  SchedulerCheck,
  SchedulerErrorContext,
  SchedulerOptions,
} from './types.ts';

type State = 'scheduled' | 'queued' | 'running' | 'removed';

interface Entry<T> extends HeapItem {
  target: T;
  phase: number;
  fast: boolean;
  state: State;
  /** Planned start of the last check started; undefined before the first. */
  lastPlanned: number | undefined;
  /** Planned start of the check now queued or running. */
  plannedAt: number;
  /** Actual start of the last check started; undefined before the first. */
  lastStarted: number | undefined;
  /** Why the check at `due` is planned (set by nextPlan). */
  nextKind: CheckCause;
  /** Why the check now queued or running was planned. */
  plannedKind: CheckCause;
  runNow: boolean;
  /** timeoutMs / current step: this target's share of one concurrency slot. */
  load: number;
}

const MIN_COMPUTED_CONCURRENCY = 16;
const HEADROOM = 1.2;

function validate(t: ScheduledTarget): void {
  const whole = (n: number): boolean => Number.isInteger(n) && n >= 1;
  if (typeof t.key !== 'string' || t.key === '') throw new TypeError('target.key must be a non-empty string');
  if (!whole(t.intervalMs)) throw new TypeError(`target ${t.key}: intervalMs must be an integer >= 1`);
  if (!whole(t.retryIntervalMs)) throw new TypeError(`target ${t.key}: retryIntervalMs must be an integer >= 1`);
  if (!(Number.isFinite(t.timeoutMs) && t.timeoutMs > 0)) throw new TypeError(`target ${t.key}: timeoutMs must be > 0`);
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * Drift-free scheduler over many targets: one indexed min-heap keyed by
 * planned time, ONE timer armed for the earliest entry, a FIFO for due
 * checks waiting for a concurrency slot.
 *
 * Planning rules:
 * - first check: the first t >= now with t mod intervalMs == hash(key) mod intervalMs;
 * - normal mode: next = the next grid point after the previous *planned*
 *   start (= planned + intervalMs when on the grid), never completion + interval;
 * - retry mode (setRetryMode(key, true)): next = previous planned + retryIntervalMs;
 *   leaving it re-aligns to the target's phase grid (next grid point after the
 *   last planned start, so never later than one interval);
 * - runNow (an extra check): as soon as possible, but never less than
 *   retryIntervalMs after the previous check's start, also when asked while a
 *   check is in flight (a second check the moment the first ends would count two
 *   failures 2 ms apart as two consecutive ones); retry mode keeps the same floor.
 *   So two checks of one target always start at least retryIntervalMs apart.
 * - missed slots: if that next time is already past when the check finishes
 *   (overrun or long queueing), the missed slots are skipped: the target runs
 *   at the first slot of its grid >= now, so a slow round never turns into a
 *   burst. Counted in stats().skippedSlots.
 * Changing a target's host/port while its check is in flight discards that
 * check's result; a removed target's in-flight result is discarded too.
 */
export function createScheduler<T extends ScheduledTarget = ScheduledTarget>(opts: SchedulerOptions<T>): Scheduler<T> {
  const clock = opts.clock ?? systemClock;
  const check: SchedulerCheck<T> = opts.check ?? ((t, o) => tcpCheck(t, o));
  const localAddress = opts.localAddress;
  const maxConcurrency = Math.max(1, opts.maxConcurrency ?? 4096);
  const tickMs = Math.max(0, opts.tickMs ?? 0);
  const onError =
    opts.onError ??
    ((err: unknown, ctx: SchedulerErrorContext) =>
      console.error(`probe scheduler: ${ctx.source} failed for ${ctx.key}`, err));

  const entries = new Map<string, Entry<T>>();
  const heap = new MinHeap<Entry<T>>();
  const queue = new Fifo<Entry<T>>();
  const lateness = new LatenessWindow();
  let queuedLive = 0;
  let inFlight = 0;
  let checksDone = 0;
  let skippedSlots = 0;
  let totalLoad = 0;
  let running = false;
  let timer: unknown;
  let timerDue = Infinity;
  let idleWaiters: (() => void)[] = [];

  const report = (err: unknown, ctx: SchedulerErrorContext): void => {
    try {
      onError(err, ctx);
    } catch {
      // onError must not stop the loop either.
    }
  };

  const concurrencyLimit = (): number => {
    if (opts.concurrency !== undefined) return Math.max(1, Math.floor(opts.concurrency));
    const need = Math.ceil(totalLoad * HEADROOM - 1e-9);
    return Math.min(maxConcurrency, Math.max(MIN_COMPUTED_CONCURRENCY, need));
  };

  const setLoad = (e: Entry<T>): void => {
    const t = e.target;
    const load = t.timeoutMs / (e.fast ? t.retryIntervalMs : t.intervalMs);
    totalLoad += load - e.load;
    e.load = load;
  };

  /** Next planned start of `e`, applying the missed-slot rule. */
  const nextPlan = (e: Entry<T>, now: number): number => {
    const t = e.target;
    const floor = e.lastStarted === undefined ? -Infinity : e.lastStarted + t.retryIntervalMs;
    if (e.runNow) {
      e.runNow = false;
      e.nextKind = 'extra';
      return Math.max(now, floor);
    }
    e.nextKind = 'regular';
    if (e.lastPlanned === undefined) return alignedAtOrAfter(now, e.phase, t.intervalMs);
    if (e.fast) {
      e.nextKind = 'retry';
      let next = e.lastPlanned + t.retryIntervalMs;
      if (next < now) {
        const k = Math.ceil((now - next) / t.retryIntervalMs);
        skippedSlots += k;
        next += k * t.retryIntervalMs;
      }
      return Math.max(next, floor);
    }
    const next = alignedAfter(e.lastPlanned, e.phase, t.intervalMs);
    if (next >= now) return next;
    const caughtUp = alignedAtOrAfter(now, e.phase, t.intervalMs);
    skippedSlots += Math.round((caughtUp - next) / t.intervalMs);
    return caughtUp;
  };

  const arm = (): void => {
    if (!running) return;
    const top = heap.peek();
    // An armed timer due no later than the top is kept: if it fires early it
    // finds nothing due and re-arms. This keeps timer churn O(1) per change.
    if (top === undefined) return;
    const at = tickMs > 0 ? Math.ceil(top.due / tickMs) * tickMs : top.due;
    if (timer !== undefined && timerDue <= at) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timerDue = at;
    timer = clock.setTimeout(onTimer, Math.max(0, at - clock.now()));
  };

  const schedule = (e: Entry<T>): void => {
    e.state = 'scheduled';
    e.due = nextPlan(e, clock.now());
    heap.push(e);
    arm();
  };

  const replan = (e: Entry<T>): void => {
    e.due = nextPlan(e, clock.now());
    heap.update(e);
    arm();
  };

  const deliver = (target: T, result: ProbeResult, info: CheckInfo): void => {
    try {
      const r: unknown = opts.onResult(target, result, info);
      if (isThenable(r)) r.then(undefined, (err: unknown) => report(err, { key: target.key, source: 'onResult' }));
    } catch (err) {
      report(err, { key: target.key, source: 'onResult' });
    }
  };

  const finish = (e: Entry<T>, ran: T, result: ProbeResult, info: CheckInfo): void => {
    inFlight--;
    checksDone++;
    const moved = e.target.host !== ran.host || e.target.port !== ran.port;
    if (e.state === 'running' && !moved) deliver(ran, result, info);
    // onResult may have removed the target, changed it or its retry mode.
    if (e.state === 'running') schedule(e);
    if (inFlight === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
    pump();
  };

  const startCheck = (e: Entry<T>): void => {
    e.state = 'running';
    inFlight++;
    const startedAt = clock.now();
    const plannedAt = e.plannedAt;
    e.lastPlanned = plannedAt;
    e.lastStarted = startedAt;
    const info: CheckInfo = { plannedAt, startedAt, lateMs: startedAt - plannedAt, cause: e.plannedKind };
    lateness.add(info.lateMs);
    const ran = e.target;
    let p: Promise<ProbeResult>;
    try {
      p = Promise.resolve(
        check(ran, { timeoutMs: ran.timeoutMs, ...(localAddress !== undefined ? { localAddress } : {}) }),
      );
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (result) => finish(e, ran, result, info),
      (err: unknown) => {
        report(err, { key: ran.key, source: 'check' });
        const message = `check failed: ${err instanceof Error ? err.message : String(err)}`;
        finish(e, ran, { ok: false, latencyMs: 0, at: startedAt, code: 'ECHECK', message }, info);
      },
    );
  };

  const pump = (): void => {
    const limit = concurrencyLimit();
    while (running && inFlight < limit) {
      const e = queue.shift();
      if (e === undefined) break;
      if (e.state !== 'queued') continue; // removed while waiting
      queuedLive--;
      startCheck(e);
    }
  };

  function onTimer(): void {
    timer = undefined;
    timerDue = Infinity;
    if (!running) return;
    const now = clock.now();
    for (let top = heap.peek(); top !== undefined && top.due <= now; top = heap.peek()) {
      heap.pop();
      top.state = 'queued';
      top.plannedAt = top.due;
      top.plannedKind = top.nextKind;
      queue.push(top);
      queuedLive++;
    }
    pump();
    arm();
  }

  return {
    upsert(input) {
      validate(input);
      const target: T = { ...input };
      const e = entries.get(target.key);
      if (e === undefined) {
        const fresh: Entry<T> = {
          target,
          phase: phaseOf(target.key, target.intervalMs),
          fast: false,
          state: 'scheduled',
          lastPlanned: undefined,
          plannedAt: 0,
          lastStarted: undefined,
          nextKind: 'regular',
          plannedKind: 'regular',
          runNow: false,
          load: 0,
          due: 0,
          seq: 0,
          heapIndex: -1,
        };
        entries.set(target.key, fresh);
        setLoad(fresh);
        schedule(fresh);
        return;
      }
      const old = e.target;
      e.target = target;
      const intervalChanged = old.intervalMs !== target.intervalMs;
      if (intervalChanged) e.phase = phaseOf(target.key, target.intervalMs);
      setLoad(e);
      const stepChanged = e.fast ? old.retryIntervalMs !== target.retryIntervalMs : intervalChanged;
      if (e.state === 'scheduled' && stepChanged) replan(e);
    },
    remove(key) {
      const e = entries.get(key);
      if (e === undefined) return false;
      entries.delete(key);
      totalLoad = entries.size === 0 ? 0 : totalLoad - e.load;
      if (e.state === 'scheduled') heap.remove(e);
      if (e.state === 'queued') queuedLive--;
      e.state = 'removed';
      return true;
    },
    setRetryMode(key, fast) {
      const e = entries.get(key);
      if (e === undefined || e.fast === fast) return;
      e.fast = fast;
      setLoad(e);
      if (e.state === 'scheduled') replan(e);
    },
    runNow(key) {
      const e = entries.get(key);
      if (e === undefined || e.state === 'queued') return;
      e.runNow = true;
      if (e.state === 'scheduled') replan(e);
    },
    start() {
      if (running) return;
      running = true;
      const now = clock.now();
      for (const e of heap.values()) if (e.due < now) e.due = nextPlan(e, now);
      heap.rebuild();
      arm();
      pump();
    },
    stop() {
      running = false;
      if (timer !== undefined) clock.clearTimeout(timer);
      timer = undefined;
      timerDue = Infinity;
      // Due checks that never started go back to the heap at their planned time.
      for (const e of queue.drain()) {
        if (e.state !== 'queued') continue;
        e.state = 'scheduled';
        e.due = e.plannedAt;
        heap.push(e);
      }
      queuedLive = 0;
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    stats() {
      return {
        targets: entries.size,
        inFlight,
        queued: queuedLive,
        checksDone,
        skippedSlots,
        concurrencyLimit: concurrencyLimit(),
        lateness: lateness.take(),
      };
    },
    size: () => entries.size,
  };
}
