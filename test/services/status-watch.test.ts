// A status page's changes reach the page's cache of the process that made them before the
// mutation answers (a reload right after writing a public note shows the note), and reach the
// other processes once through the shared event target, never twice here.
import { setMaxListeners } from 'node:events';
import type { TypedEventTarget } from '@graphql-yoga/typed-event-target';
import { describe, expect, it } from 'vitest';
import { createEvents } from '../../server/events/events.ts';
import { type StatusChange, watchStatusChanges } from '../../server/services/status-pages/watch.ts';
import type { ServiceDeps } from '../../server/services/types.ts';

type Prisma = ServiceDeps['prisma'];

/** A database whose incident reads are counted and answer `monitorId` (or never, when it is null). */
function fakePrisma(monitorId: string | null) {
  const reads = { count: 0 };
  const prisma = {
    incident: {
      findUnique: () => {
        reads.count++;
        return monitorId === null ? new Promise(() => {}) : Promise.resolve({ monitorId });
      },
    },
  } as unknown as Prisma;
  return { prisma, reads };
}

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('status page change watch', () => {
  it('runs this process’s handler before statusPageChanged returns, without a read, and once', async () => {
    const events = createEvents();
    const { prisma, reads } = fakePrisma(null);
    const seen: StatusChange[] = [];
    const stop = watchStatusChanges({ events, prisma }, (c) => seen.push(c));
    events.statusPageChanged({ pageId: null, incidentId: 'inc1', monitorId: 'mon1' });
    expect(seen).toEqual([{ kind: 'monitor', monitorId: 'mon1' }]);
    events.statusPageChanged({ pageId: 'page1' });
    expect(seen.at(-1)).toEqual({ kind: 'page', pageId: 'page1' });
    await tick();
    expect(seen).toHaveLength(2); // the pubsub's copy of this process's own event is not run again
    expect(reads.count).toBe(0);
    stop();
    events.statusPageChanged({ pageId: 'page2' });
    expect(seen).toHaveLength(2);
  });

  it('reads the incident’s monitor when the publisher did not name it', async () => {
    const events = createEvents();
    const { prisma, reads } = fakePrisma('mon9');
    const seen: StatusChange[] = [];
    const stop = watchStatusChanges({ events, prisma }, (c) => seen.push(c));
    events.statusPageChanged({ pageId: null, incidentId: 'inc9' });
    await tick();
    expect(reads.count).toBe(1);
    expect(seen).toEqual([{ kind: 'monitor', monitorId: 'mon9' }]);
    stop();
  });

  it('another process on the same event target sees the change once', async () => {
    const shared = new EventTarget();
    setMaxListeners(0, shared);
    const target = shared as unknown as TypedEventTarget<CustomEvent>;
    const here = createEvents(target);
    const there = createEvents(target);
    const seenHere: StatusChange[] = [];
    const seenThere: StatusChange[] = [];
    const { prisma } = fakePrisma(null);
    const stopHere = watchStatusChanges({ events: here, prisma }, (c) => seenHere.push(c));
    const stopThere = watchStatusChanges({ events: there, prisma }, (c) => seenThere.push(c));
    here.statusPageChanged({ pageId: 'p1' });
    expect(seenHere).toEqual([{ kind: 'page', pageId: 'p1' }]);
    await tick();
    expect(seenThere).toEqual([{ kind: 'page', pageId: 'p1' }]);
    expect(seenHere).toHaveLength(1);
    stopHere();
    stopThere();
  });

  it('a burst of port and incident changes in one step reaches the watcher whole (no queue to overflow)', async () => {
    const events = createEvents();
    const { prisma, reads } = fakePrisma('mon-i');
    const seen: StatusChange[] = [];
    const stop = watchStatusChanges({ events, prisma }, (c) => seen.push(c));
    // a rack fails: 3,000 ports change in the prober's one synchronous step (the pubsub's
    // iterator refused a 1,025th pending event with an error no one caught: the process died)
    for (let i = 0; i < 3_000; i++)
      events.portStatus({
        monitorId: `m${i}`,
        accountId: 'acc',
        host: '198.51.100.1',
        port: 443,
        phase: 'DOWN',
        since: new Date(),
        lastCheckAt: null,
        lastOk: false,
        lastLatencyMs: null,
        lastErrorCode: 'ECONNREFUSED',
        lastErrorMessage: null,
      });
    expect(seen).toHaveLength(3_000);
    for (let i = 0; i < 1_500; i++)
      events.incident({ incidentId: `i${i % 1_200}`, accountId: 'acc', change: 'OPENED' });
    await expect.poll(() => reads.count).toBe(1_200); // one read per incident, however often it was named
    expect(seen.filter((c) => c.kind === 'monitor' && c.monitorId === 'mon-i')).toHaveLength(1_200);
    stop();
  });
});
