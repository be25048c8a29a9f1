import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Fifo, MinHeap, type HeapItem } from '../../server/probe/heap.ts';
import { alignedAfter, alignedAtOrAfter, hashKey, LatenessWindow, phaseOf } from '../../server/probe/timing.ts';

describe('phase arithmetic', () => {
  it('alignedAtOrAfter / alignedAfter return the first grid point at/after `from`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 45 }),
        fc.integer({ min: 1, max: 86_400_000 }),
        fc.nat(),
        (from, interval, h) => {
          const phase = h % interval;
          const a = alignedAtOrAfter(from, phase, interval);
          expect(a % interval).toBe(phase);
          expect(a).toBeGreaterThanOrEqual(from);
          expect(a - from).toBeLessThan(interval);
          const b = alignedAfter(from, phase, interval);
          expect(b % interval).toBe(phase);
          expect(b).toBeGreaterThan(from);
          expect(b - from).toBeLessThanOrEqual(interval);
        },
      ),
    );
  });

  it('hashKey is stable, 32-bit, and phaseOf stays inside the interval', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 3_600_000 }), (key, interval) => {
        const h = hashKey(key);
        expect(h).toBe(hashKey(key));
        expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
        const p = phaseOf(key, interval);
        expect(p >= 0 && p < interval).toBe(true);
      }),
    );
    expect(hashKey('port:1')).not.toBe(hashKey('port:2'));
  });
});

interface Item extends HeapItem {
  id: number;
}

describe('MinHeap', () => {
  it('behaves like a sorted list under push / pop / remove / update', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), due: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ k: fc.constant('pop' as const) }),
      fc.record({ k: fc.constant('remove' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('update' as const), i: fc.nat(), due: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new MinHeap<Item>();
        let model: Item[] = [];
        let id = 0;
        const order = (a: Item, b: Item): number => a.due - b.due || a.seq - b.seq;
        for (const o of ops) {
          if (o.k === 'push') {
            const it: Item = { id: id++, due: o.due, seq: 0, heapIndex: -1 };
            heap.push(it);
            model.push(it);
          } else if (o.k === 'pop') {
            model.sort(order);
            expect(heap.pop()).toBe(model.shift());
          } else if (model.length > 0) {
            const it = model[o.i % model.length] as Item;
            if (o.k === 'remove') {
              expect(heap.remove(it)).toBe(true);
              expect(heap.remove(it)).toBe(false);
              model = model.filter((m) => m !== it);
            } else {
              it.due = o.due;
              heap.update(it);
            }
          }
          expect(heap.size).toBe(model.length);
          model.sort(order);
          expect(heap.peek()).toBe(model[0]);
        }
      }),
    );
  });
});

describe('Fifo and LatenessWindow', () => {
  it('Fifo keeps order across compaction', () => {
    const q = new Fifo<number>();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift() as number);
    }
    while (q.length > 0) out.push(q.shift() as number);
    expect(out).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('reports nearest-rank percentiles and an exact max, then resets', () => {
    const w = new LatenessWindow(1000);
    for (let i = 1; i <= 100; i++) w.add(i);
    expect(w.take()).toEqual({ count: 100, p50: 50, p99: 99, max: 100 });
    expect(w.take()).toEqual({ count: 0, p50: 0, p99: 0, max: 0 });
    // Past the cap it samples, but count and max stay exact.
    for (let i = 0; i < 50_000; i++) w.add(i % 1000);
    w.add(123_456);
    const s = w.take();
    expect(s.count).toBe(50_001);
    expect(s.max).toBe(123_456);
    expect(s.p50).toBeGreaterThan(300);
    expect(s.p50).toBeLessThan(700);
  });
});
