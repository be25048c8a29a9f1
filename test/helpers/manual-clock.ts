// A clock for tests and simulations: time moves only when told to. The scheduler and the
// engine take any Clock (server/probe/clock.ts); this one is the test double.
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Clock } from '../../server/probe/clock.ts';

export interface ManualClock extends Clock {
  /** Move time forward by `ms`, firing due timers in order (see advanceTo). */
  advance(ms: number): Promise<void>;
  /**
   * Move time to `t`. Timers fire one at a time in (due time, creation) order,
   * with `now()` equal to each timer's due time, and pending promise callbacks
   * are drained after each one, so async work started by a timer (a fake
   * check resolving on a later timer) runs as it would on a real clock.
   */
  advanceTo(t: number): Promise<void>;
  /** Drain pending promise callbacks without moving time. */
  flush(): Promise<void>;
  /** Number of armed timers. */
  pending(): number;
  /** Total timers ever armed (to assert "one timer, not one per target"). */
  armedTotal(): number;
}

interface ManualTimer {
  id: number;
  at: number;
  fn: () => void;
}

/** A clock for tests: time moves only when told to. */
export function manualClock(start = 0): ManualClock {
  let now = start;
  let nextId = 1;
  const timers = new Map<number, ManualTimer>();

  const earliest = (): ManualTimer | undefined => {
    let best: ManualTimer | undefined;
    for (const t of timers.values()) {
      if (!best || t.at < best.at || (t.at === best.at && t.id < best.id)) best = t;
    }
    return best;
  };
  const flush = async (): Promise<void> => {
    // A macrotask turn runs only after every queued microtask has run.
    await nextMacrotask();
  };

  const clock: ManualClock = {
    now: () => now,
    setTimeout(fn, ms) {
      const id = nextId++;
      timers.set(id, { id, at: now + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout(handle) {
      if (typeof handle === 'number') timers.delete(handle);
    },
    async advanceTo(t) {
      if (t < now) throw new RangeError(`manualClock cannot go back (${now} -> ${t})`);
      await flush();
      for (;;) {
        const next = earliest();
        if (!next || next.at > t) break;
        timers.delete(next.id);
        now = Math.max(now, next.at);
        next.fn();
        await flush();
      }
      now = t;
      await flush();
    },
    advance(ms) {
      return clock.advanceTo(now + ms);
    },
    flush,
    pending: () => timers.size,
    armedTotal: () => nextId - 1,
  };
  return clock;
}
