import { systemClock } from './clock.ts';
import { EXTRA, QUEUED, REGULAR, REMOVED, RETRY, RUNNING, SCHEDULED, SlotFifo, SlotHeap, SlotStore } from './slots.ts';
import { tcpCheck } from './tcp-check.ts';
import { alignedAfter, alignedAtOrAfter, hashKey, LatenessWindow, tickFor } from './timing.ts';
import type {
  CheckInfo,
  CheckCause,
  ProbeResult,
  ScheduledTarget,
  Scheduler,
  SchedulerCheck,
  SchedulerErrorContext,
  SchedulerOptions,
  TargetKey,
} from './types.ts';

const MIN_COMPUTED_CONCURRENCY = 16;
const HEADROOM = 1.2;
const CAUSES: readonly CheckCause[] = ['regular', 'retry', 'extra'];

function validate(t: ScheduledTarget<TargetKey>): void {
  const whole = (n: number): boolean => Number.isInteger(n) && n >= 1;
  if ((typeof t.key !== 'string' && typeof t.key !== 'number') || t.key === '')
    throw new TypeError('target.key must be a non-empty string or a number');
  if (!whole(t.intervalMs)) throw new TypeError(`target ${t.key}: intervalMs must be an integer >= 1`);
  if (!whole(t.retryIntervalMs)) throw new TypeError(`target ${t.key}: retryIntervalMs must be an integer >= 1`);
  if (!(Number.isFinite(t.timeoutMs) && t.timeoutMs > 0)) throw new TypeError(`target ${t.key}: timeoutMs must be > 0`);
}

const phaseFor = (t: ScheduledTarget<TargetKey>): number =>
  t.phase ?? (t.hash ?? hashKey(typeof t.key === 'string' ? t.key : String(t.key))) % t.intervalMs;

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
export function createScheduler<T extends ScheduledTarget<TargetKey> = ScheduledTarget>(
  opts: SchedulerOptions<T>,
): Scheduler<T> {
  const clock = opts.clock ?? systemClock;
  const check: SchedulerCheck<T> = opts.check ?? ((t, o) => tcpCheck(t, o));
  const localAddress = opts.localAddress;
  const maxConcurrency = Math.max(1, opts.maxConcurrency ?? 4096);
  const tick = opts.tickMs ?? 0;
  const onError =
    opts.onError ??
    ((err: unknown, ctx: SchedulerErrorContext) =>
      console.error(`probe scheduler: ${ctx.source} failed for ${ctx.key}`, err));

  /** Key → slot; everything else about a target is in the slot's columns. */
  const slotOf = new Map<T['key'], number>();
  const s = new SlotStore<T>();
  const heap = new SlotHeap(s as SlotStore<unknown>);
  const queue = new SlotFifo();
  const lateness = new LatenessWindow();
  let queuedLive = 0;
  let inFlight = 0;
  let checksDone = 0;
  let skippedSlots = 0;
  let totalLoad = 0;
  /** Checks planned per ms over every target (each at its current step): what an adaptive tick follows. */
  let totalRate = 0;
  let running = false;
  let timer: unknown;
  let timerDue = Infinity;
  let idleWaiters: (() => void)[] = [];

  const targetOf = (slot: number): T => s.targets[slot] as T;

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

  const setLoad = (slot: number): void => {
    const t = targetOf(slot);
    const step = s.fast[slot] ? t.retryIntervalMs : t.intervalMs;
    const load = t.timeoutMs / step;
    totalLoad += load - (s.load[slot] as number);
    s.load[slot] = load;
    const rate = 1 / step;
    totalRate += rate - (s.rate[slot] as number);
    s.rate[slot] = rate;
  };

  /** Next planned start of `slot`, applying the missed-slot rule. */
  const nextPlan = (slot: number, now: number): number => {
    const t = targetOf(slot);
    const lastStarted = s.lastStarted[slot] as number;
    const floor = Number.isNaN(lastStarted) ? -Infinity : lastStarted + t.retryIntervalMs;
    if (s.runNow[slot]) {
      s.runNow[slot] = 0;
      s.nextKind[slot] = EXTRA;
      return Math.max(now, floor);
    }
    s.nextKind[slot] = REGULAR;
    const lastPlanned = s.lastPlanned[slot] as number;
    const phase = s.phase[slot] as number;
    if (Number.isNaN(lastPlanned)) return alignedAtOrAfter(now, phase, t.intervalMs);
    if (s.fast[slot]) {
      s.nextKind[slot] = RETRY;
      let next = lastPlanned + t.retryIntervalMs;
      if (next < now) {
        const k = Math.ceil((now - next) / t.retryIntervalMs);
        skippedSlots += k;
        next += k * t.retryIntervalMs;
      }
      return Math.max(next, floor);
    }
    const next = alignedAfter(lastPlanned, phase, t.intervalMs);
    if (next >= now) return next;
    const caughtUp = alignedAtOrAfter(now, phase, t.intervalMs);
    skippedSlots += Math.round((caughtUp - next) / t.intervalMs);
    return caughtUp;
  };

  const arm = (): void => {
    if (!running) return;
    const top = heap.peek();
    // An armed timer due no later than the top is kept: if it fires early it
    // finds nothing due and re-arms. This keeps timer churn O(1) per change.
    if (top < 0) return;
    const topDue = s.due[top] as number;
    const tickMs = tickFor(tick, totalRate);
    const at = tickMs > 0 ? Math.ceil(topDue / tickMs) * tickMs : topDue;
    if (timer !== undefined && timerDue <= at) return;
    if (timer !== undefined) clock.clearTimeout(timer);
    timerDue = at;
    timer = clock.setTimeout(onTimer, Math.max(0, at - clock.now()));
  };

  const schedule = (slot: number): void => {
    s.state[slot] = SCHEDULED;
    s.due[slot] = nextPlan(slot, clock.now());
    heap.push(slot);
    arm();
  };

  const replan = (slot: number): void => {
    s.due[slot] = nextPlan(slot, clock.now());
    heap.update(slot);
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

  const finish = (slot: number, ran: T, result: ProbeResult, info: CheckInfo): void => {
    inFlight--;
    checksDone++;
    if (s.state[slot] === REMOVED) s.release(slot);
    else if (s.state[slot] === RUNNING) {
      const now = targetOf(slot);
      // a target moved (host or port) while its check ran: that result is not its own
      if (now.host === ran.host && now.port === ran.port) deliver(ran, result, info);
      // onResult may have removed the target, changed it or its retry mode.
      if (s.state[slot] === REMOVED) s.release(slot);
      else if (s.state[slot] === RUNNING) schedule(slot);
    }
    if (inFlight === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
    pump();
  };

  const startCheck = (slot: number): void => {
    s.state[slot] = RUNNING;
    inFlight++;
    const startedAt = clock.now();
    const plannedAt = s.due[slot] as number; // its planned start (not moved while queued or running)
    s.lastPlanned[slot] = plannedAt;
    s.lastStarted[slot] = startedAt;
    const info: CheckInfo = {
      plannedAt,
      startedAt,
      lateMs: startedAt - plannedAt,
      cause: CAUSES[s.plannedKind[slot] as number] as CheckCause,
    };
    lateness.add(info.lateMs);
    const ran = targetOf(slot);
    let p: Promise<ProbeResult>;
    try {
      p = Promise.resolve(
        check(
          ran,
          localAddress === undefined ? { timeoutMs: ran.timeoutMs } : { timeoutMs: ran.timeoutMs, localAddress },
        ),
      );
    } catch (err) {
      p = Promise.reject(err);
    }
    p.then(
      (result) => finish(slot, ran, result, info),
      (err: unknown) => {
        report(err, { key: ran.key, source: 'check' });
        const message = `check failed: ${err instanceof Error ? err.message : String(err)}`;
        finish(slot, ran, { ok: false, latencyMs: 0, at: startedAt, code: 'ECHECK', message }, info);
      },
    );
  };

  const pump = (): void => {
    const limit = concurrencyLimit();
    while (running && inFlight < limit) {
      const slot = queue.shift();
      if (slot < 0) break;
      if (s.state[slot] === REMOVED) {
        s.release(slot); // removed while waiting
        continue;
      }
      queuedLive--;
      startCheck(slot);
    }
  };

  function onTimer(): void {
    timer = undefined;
    timerDue = Infinity;
    if (!running) return;
    const now = clock.now();
    for (let top = heap.peek(); top >= 0 && (s.due[top] as number) <= now; top = heap.peek()) {
      heap.pop();
      s.state[top] = QUEUED;
      s.plannedKind[top] = s.nextKind[top] as number;
      queue.push(top);
      queuedLive++;
    }
    pump();
    arm();
  }

  return {
    upsert(target) {
      validate(target);
      const slot = slotOf.get(target.key);
      if (slot === undefined) {
        const fresh = s.alloc(target);
        s.phase[fresh] = phaseFor(target);
        slotOf.set(target.key, fresh);
        setLoad(fresh);
        schedule(fresh);
        return;
      }
      const old = targetOf(slot);
      s.targets[slot] = target;
      const intervalChanged = old.intervalMs !== target.intervalMs;
      if (intervalChanged) s.phase[slot] = phaseFor(target);
      setLoad(slot);
      const stepChanged = s.fast[slot] ? old.retryIntervalMs !== target.retryIntervalMs : intervalChanged;
      if (s.state[slot] === SCHEDULED && stepChanged) replan(slot);
    },
    remove(key) {
      const slot = slotOf.get(key);
      if (slot === undefined) return false;
      slotOf.delete(key);
      totalLoad = slotOf.size === 0 ? 0 : totalLoad - (s.load[slot] as number);
      totalRate = slotOf.size === 0 ? 0 : totalRate - (s.rate[slot] as number);
      const state = s.state[slot];
      if (state === SCHEDULED) {
        heap.remove(slot);
        s.release(slot);
        return true;
      }
      if (state === QUEUED) queuedLive--;
      // queued or running: the slot is freed when it leaves the queue or its check ends
      s.state[slot] = REMOVED;
      return true;
    },
    setRetryMode(key, fast) {
      const slot = slotOf.get(key);
      if (slot === undefined || Boolean(s.fast[slot]) === fast) return;
      s.fast[slot] = fast ? 1 : 0;
      setLoad(slot);
      if (s.state[slot] === SCHEDULED) replan(slot);
    },
    runNow(key) {
      const slot = slotOf.get(key);
      if (slot === undefined || s.state[slot] === QUEUED) return;
      s.runNow[slot] = 1;
      if (s.state[slot] === SCHEDULED) replan(slot);
    },
    start() {
      if (running) return;
      running = true;
      const now = clock.now();
      for (const slot of heap.slots()) if ((s.due[slot] as number) < now) s.due[slot] = nextPlan(slot, now);
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
      for (let slot = queue.shift(); slot >= 0; slot = queue.shift()) {
        if (s.state[slot] === REMOVED) {
          s.release(slot);
          continue;
        }
        if (s.state[slot] !== QUEUED) continue;
        s.state[slot] = SCHEDULED;
        heap.push(slot);
      }
      queuedLive = 0;
      if (inFlight === 0) return Promise.resolve();
      return new Promise<void>((resolve) => idleWaiters.push(resolve));
    },
    stats() {
      return {
        targets: slotOf.size,
        tickMs: tickFor(tick, totalRate),
        inFlight,
        queued: queuedLive,
        checksDone,
        skippedSlots,
        concurrencyLimit: concurrencyLimit(),
        lateness: lateness.take(),
      };
    },
    size: () => slotOf.size,
  };
}
