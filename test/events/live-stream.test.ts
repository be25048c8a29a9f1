// LiveStream and LiveHub (issue 14): one listener per topic and scope feeds every subscriber's
// stream; a stream hands events to its direct receiver only while its consumer waits with
// nothing queued, so the order is the publish order whichever way an event goes.
import { describe, expect, it } from 'vitest';
import { LiveHub, type HubTarget } from '../../server/events/live-hub.ts';
import { MAX_QUEUED, type DirectReceiver, type LiveFilter } from '../../server/events/live-stream.ts';

function target() {
  const et = new EventTarget();
  const t: HubTarget = {
    addEventListener: (k, l) => et.addEventListener(k, l as EventListener),
    removeEventListener: (k, l) => et.removeEventListener(k, l as EventListener),
  };
  return {
    t,
    publish: (key: string, detail: unknown) => et.dispatchEvent(new CustomEvent(key, { detail })),
  };
}

class Direct implements DirectReceiver<number> {
  got: number[] = [];
  decline = new Set<number>();
  deliver(e: number): boolean {
    if (this.decline.has(e)) return false;
    this.got.push(e);
    return true;
  }
}

class Odd implements LiveFilter<number> {
  accept(e: number) {
    return e % 2 === 1;
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('live streams', () => {
  it('current state first, then queued events, then direct; a declined event goes through next() in order', async () => {
    const { t, publish } = target();
    const hub = new LiveHub(t);
    const s = hub.stream<number>('n', 'a');
    let release!: (v: number[]) => void;
    s.startWith(new Promise<number[]>((r) => (release = r)));
    const direct = new Direct();
    s.deliverDirectly(direct);
    publish('n:a', 1); // during the read of the current state: queued
    publish('n:b', 99); // another scope: never seen
    const first = s.next();
    release([10, 11]);
    expect(await first).toEqual({ done: false, value: 10 });
    publish('n:a', 2); // consumer busy: queued
    expect(await s.next()).toEqual({ done: false, value: 11 });
    expect(await s.next()).toEqual({ done: false, value: 1 });
    expect(await s.next()).toEqual({ done: false, value: 2 });
    expect(s.isDirect).toBe(false);
    const waiting = s.next(); // nothing queued: direct from here on
    expect(s.isDirect).toBe(true);
    publish('n:a', 3);
    publish('n:a', 4);
    direct.decline.add(5);
    publish('n:a', 5); // declined: resolves the pending next()
    publish('n:a', 6); // queued behind it
    expect(direct.got).toEqual([3, 4]);
    expect(await waiting).toEqual({ done: false, value: 5 });
    expect(await s.next()).toEqual({ done: false, value: 6 });
    const again = s.next();
    publish('n:a', 7);
    expect(direct.got).toEqual([3, 4, 7]);
    await s.return();
    expect(await again).toEqual({ done: true, value: undefined });
    publish('n:a', 8);
    expect(direct.got).toEqual([3, 4, 7]);
    expect(hub.listeners('n', 'a')).toBe(0);
  });

  it('the filter applies to queued and direct events alike; a failed start is the first next()', async () => {
    const { t, publish } = target();
    const hub = new LiveHub(t);
    const s = hub.stream<number>('n', 'a', new Odd());
    publish('n:a', 2);
    publish('n:a', 3);
    expect(await s.next()).toEqual({ done: false, value: 3 });
    const direct = new Direct();
    s.deliverDirectly(direct);
    void s.next();
    for (let i = 4; i <= 9; i++) publish('n:a', i);
    expect(direct.got).toEqual([5, 7, 9]);
    await s.return();

    const f = hub.stream<number>('n', 'a');
    f.startWith(Promise.reject(new Error('NOT_FOUND')));
    await expect(f.next()).rejects.toThrow('NOT_FOUND');
    expect(await f.next()).toEqual({ done: true, value: undefined });
    expect(hub.listeners('n', 'a')).toBe(0);
  });

  it('one listener per topic and scope; a failing receiver does not stop the others', async () => {
    const { t, publish } = target();
    const added: string[] = [];
    const errors: unknown[] = [];
    const hub = new LiveHub(
      {
        addEventListener: (k, l) => {
          added.push(k);
          t.addEventListener(k, l);
        },
        removeEventListener: (k, l) => t.removeEventListener(k, l),
      },
      (e) => errors.push(e),
    );
    const streams = Array.from({ length: 5 }, () => hub.stream<number>('n', 'a'));
    const got: number[] = [];
    streams.forEach((s, i) => {
      s.deliverDirectly({
        deliver: (e) => {
          if (i === 2) throw new Error('socket gone');
          got.push(e);
          return true;
        },
      });
      void s.next();
    });
    publish('n:a', 1);
    await tick();
    expect(added).toEqual(['n:a']);
    expect(got).toEqual([1, 1, 1, 1]);
    expect(errors).toHaveLength(1);
    for (const s of streams) await s.return();
    expect(hub.listeners('n', 'a')).toBe(0);
  });
  it('a consumer that stops taking events: the queue is bounded, the stream ends with an error', async () => {
    const { t, publish } = target();
    const hub = new LiveHub(t);
    const s = hub.stream<number>('n', 'a');
    for (let i = 0; i <= MAX_QUEUED; i++) publish('n:a', i);
    expect(hub.listeners('n', 'a')).toBe(0);
    await expect(s.next()).rejects.toThrow(/subscribe again/);
    expect(await s.next()).toEqual({ done: true, value: undefined });
  });
});
