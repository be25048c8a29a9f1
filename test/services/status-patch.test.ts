// A shown port's phase change applied to a cached status page in memory (patchPhase): the items
// showing that port get their state again from their ports, the headline follows, uptime, strips
// and incidents stay; a port the page does not show changes nothing.
import { describe, expect, it } from 'vitest';
import { type PublicPage, patchPhase } from '../../server/services/status-pages/public-view.ts';

const NOW = new Date('2026-12-01T00:00:00Z');

function page(): PublicPage {
  const item = (id: string, label: string) => ({
    id,
    label,
    address: null,
    state: 'OPERATIONAL' as const,
    uptime: 0.999,
    bars: [{ day: '2026-11-30', ratio: 1, downSeconds: 0, incidents: 0 }],
  });
  return {
    id: 'p',
    slug: 'demo',
    title: 'Demo',
    description: null,
    language: 'en',
    timeZone: 'UTC',
    state: 'OPERATIONAL',
    items: [item('a', 'Web'), item('b', 'Mail')],
    incidents: [{ items: ['Web'], openedAt: NOW, resolvedAt: NOW, note: 'fixed' }],
    generatedAt: new Date('2026-11-30T23:59:00Z'),
    monitorIds: ['m1', 'm2'],
    portPhases: [
      {
        itemId: 'a',
        monitorId: 'm1',
        paused: false,
        ports: [
          { port: 80, phase: 'UP', flapping: false },
          { port: 443, phase: 'UP', flapping: false },
        ],
      },
      // Mail shows only port 25 of its monitor
      { itemId: 'b', monitorId: 'm2', paused: false, ports: [{ port: 25, phase: 'UP', flapping: false }] },
    ],
  };
}

describe('patchPhase', () => {
  it('re-decides the item and the headline from the ports, keeping uptime, strips and incidents', () => {
    const before = page();
    const one = patchPhase(before, { monitorId: 'm1', port: 443, phase: 'DOWN', flapping: false }, NOW)!;
    expect(one.items.map((i) => i.state)).toEqual(['DEGRADED', 'OPERATIONAL']);
    expect(one.state).toBe('DEGRADED');
    expect(one.items[0]!.uptime).toBe(before.items[0]!.uptime);
    expect(one.items[0]!.bars).toBe(before.items[0]!.bars);
    expect(one.incidents).toBe(before.incidents);
    expect(one.generatedAt).toBe(NOW);
    // the cached view itself is not changed
    expect(before.items[0]!.state).toBe('OPERATIONAL');
    const both = patchPhase(one, { monitorId: 'm1', port: 80, phase: 'DOWN', flapping: false }, NOW)!;
    expect(both.items[0]!.state).toBe('DOWN');
    expect(both.state).toBe('DEGRADED'); // one of two hosts down
    const flapping = patchPhase(page(), { monitorId: 'm2', port: 25, phase: 'UP', flapping: true }, NOW)!;
    expect(flapping.items[1]!.state).toBe('DEGRADED');
  });

  it('changes nothing for a port the page does not show', () => {
    expect(patchPhase(page(), { monitorId: 'm2', port: 110, phase: 'DOWN', flapping: false }, NOW)).toBeNull();
    expect(patchPhase(page(), { monitorId: 'other', port: 80, phase: 'DOWN', flapping: false }, NOW)).toBeNull();
  });
});
