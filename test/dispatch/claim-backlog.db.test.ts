// claimDueWithBacklog (server/dispatch/claim.ts): the claim, and in the same statement how many due
// rows of its channel it left in the database — what a lane that can grow sizes itself from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimDueWithBacklog } from '../../server/dispatch/claim.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeIncident, queueRows } from './helpers.ts';

describe(`claiming with the backlog counted (${backend})`, () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('counts the due rows of the channel left behind, up to the bound', async () => {
    const p = t.db.prisma;
    const { incident } = await makeIncident(p);
    const later = new Date(Date.now() + 60_000);
    await queueRows(p, incident, [
      ...Array.from({ length: 30 }, (_, i) => ({ channel: 'EMAIL' as const, recipient: `m${i}@example.com` })),
      // not counted: another channel, not yet due, not queued
      ...Array.from({ length: 5 }, (_, i) => ({ channel: 'SMS' as const, recipient: `+8210123456${70 + i}` })),
      { channel: 'EMAIL', recipient: 'later@example.com', nextAttemptAt: later },
      { channel: 'EMAIL', recipient: 'sent@example.com', status: 'YES' },
    ]);
    const now = new Date(Date.now() + 1);
    const claim = (limit: number, countUpTo: number) =>
      claimDueWithBacklog(p, { channel: 'EMAIL', limit, now, leaseMs: 60_000, countUpTo });

    const first = await claim(10, 100);
    expect(first.claimed).toHaveLength(10);
    expect(first.waiting).toBe(20);
    const bounded = await claim(5, 8);
    expect(bounded.claimed).toHaveLength(5);
    expect(bounded.waiting).toBe(8); // 15 left, counted up to 8
    const uncounted = await claim(5, 0);
    expect(uncounted.claimed).toHaveLength(5);
    expect(uncounted.waiting).toBe(0);
    const rest = await claim(50, 100);
    expect(rest.claimed).toHaveLength(10);
    expect(rest.waiting).toBe(0);
    expect(new Set([first, bounded, uncounted, rest].flatMap((c) => c.claimed.map((x) => x.row.id))).size).toBe(30);
    expect(await claim(50, 100)).toEqual({ claimed: [], waiting: 0 });
  });
});
