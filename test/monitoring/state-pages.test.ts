// The periodic state write of steady ports goes in pages (issue 15): collectDirty(limit) takes at
// most `limit` monitors, the oldest first, and every dirty monitor is written exactly once.
import { describe, expect, it } from 'vitest';
import { targetKey } from '../../server/monitoring/engine.ts';
import { engineHarness, S } from './engine-harness.ts';

describe('periodic state write in pages', () => {
  it('takes at most a page of dirty monitors per call, each once, until none is left', async () => {
    const h = engineHarness({ world: () => null });
    const n = 25;
    for (let i = 0; i < n; i++)
      h.addMonitor({ id: `m${i}`, host: `10.0.0.${i + 1}`, ports: [80, 443], intervalMs: 10 * S });
    h.start();
    await h.runUntil(25 * S); // every port answered twice: UP, then a steady UP check (dirty)
    expect(h.engine.dirtyCount()).toBe(n);
    const written = new Map<string, number>();
    const pages: number[] = [];
    for (let taken = h.engine.collectDirty(10); taken > 0; taken = h.engine.collectDirty(10)) {
      pages.push(taken);
      const { batch } = h.engine.takeBatch();
      for (const key of batch.portStates.keys()) written.set(key, (written.get(key) ?? 0) + 1);
    }
    expect(pages).toEqual([10, 10, 5]);
    expect(h.engine.dirtyCount()).toBe(0);
    for (let i = 0; i < n; i++)
      for (const p of [80, 443]) expect(written.get(targetKey(`m${i}`, p)), `m${i}:${p}`).toBe(1);
    await h.stop();
  });
});
