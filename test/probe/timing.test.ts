import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SlotFifo, SlotHeap, SlotStore } from '../../server/probe/slots.ts';
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

describe('SlotHeap', () => {
  it('behaves like a sorted list under push / pop / remove / update', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('push' as const), due: fc.integer({ min: 0, max: 50 }) }),
      fc.record({ k: fc.constant('pop' as const) }),
      fc.record({ k: fc.constant('remove' as const), i: fc.nat() }),
      fc.record({ k: fc.constant('update' as const), i: fc.nat(), due: fc.integer({ min: 0, max: 50 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const store = new SlotStore<number>();
        const heap = new SlotHeap(store);
        let model: number[] = [];
        let id = 0;
        // (due, seq): seq is the heap's own insertion counter
        const order = (a: number, b: number): number =>
          (store.due[a] as number) - (store.due[b] as number) || (store.seq[a] as number) - (store.seq[b] as number);
        for (const o of ops) {
          if (o.k === 'push') {
            const slot = store.alloc(id++);
            store.due[slot] = o.due;
            heap.push(slot);
            model.push(slot);
          } else if (o.k === 'pop') {
            model.sort(order);
            expect(heap.pop()).toBe(model.shift() ?? -1);
          } else if (model.length > 0) {
            const slot = model[o.i % model.length] as number;
            if (o.k === 'remove') {
              expect(heap.remove(slot)).toBe(true);
              expect(heap.remove(slot)).toBe(false);
              model = model.filter((m) => m !== slot);
            } else {
              store.due[slot] = o.due;
              heap.update(slot);
            }
          }
          expect(heap.size).toBe(model.length);
          model.sort(order);
          expect(heap.peek()).toBe(model[0] ?? -1);
        }
      }),
    );
  });
});

describe('SlotFifo and LatenessWindow', () => {
  it('SlotFifo keeps order across wrap-around and growth', () => {
    const q = new SlotFifo();
    const out: number[] = [];
    for (let i = 0; i < 5000; i++) {
      q.push(i);
      if (i % 3 === 0) out.push(q.shift());
    }
    while (q.length > 0) out.push(q.shift());
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
