// Issue 12.11: a delivery report is recorded once, however often and however concurrently it
// arrives (a replay, or a provider retrying while the first delivery is still being written).
// Identical reports sent at the same moment add one timeline row, on both backends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordDeliveryReport } from '../../server/services/notifications/delivery.ts';
import type { DeliveryReport } from '../../server/notify/types.ts';
import { createTestDatabase, backend, type TestDatabase } from '../helpers/db.ts';
import { makeDeps, makeIncident, queueRows, statusOf, type TestDeps } from '../dispatch/helpers.ts';

describe(`delivery reports are idempotent (${backend})`, () => {
  let db: TestDatabase;
  let deps: TestDeps;

  beforeAll(async () => {
    db = await createTestDatabase();
    deps = makeDeps(db.db.prisma);
  });
  afterAll(async () => {
    await db?.drop();
  });

  async function sentSms(providerMessageId: string) {
    const { incident } = await makeIncident(db.db.prisma);
    const [sms] = await queueRows(db.db.prisma, incident, [
      { channel: 'SMS', recipient: '+821012345678', status: 'YES' },
    ]);
    await db.db.prisma.notification.update({ where: { id: sms!.id }, data: { providerMessageId, sentAt: new Date() } });
    return sms!;
  }
  const burst = (report: DeliveryReport, n: number) =>
    Promise.all(Array.from({ length: n }, () => recordDeliveryReport(deps, { report, provider: 'twilio' })));

  it.each([
    ['DELIVERED', 'DELIVERED'],
    ['FAILED', 'FAILED'],
    ['SENT', 'YES'],
  ] as const)('20 identical %s reports at once add one timeline row', async (status, expected) => {
    const id = `SM${status}${Date.now()}`;
    const sms = await sentSms(id);
    const before = (await statusOf(db.db.prisma, sms.id)).events.length;
    const published = deps.published.length;
    const results = await burst(
      { providerMessageId: id, status, detail: `${status.toLowerCase()} (test)`, raw: { MessageSid: id } },
      20,
    );
    expect(results.every((r) => r.matched)).toBe(true);
    const after = await statusOf(db.db.prisma, sms.id);
    expect(after.status).toBe(expected);
    expect(after.events.length - before).toBe(1);
    expect(after.events.at(-1)?.detail).toBe(`twilio report: ${status.toLowerCase()} (test)`);
    // one live change at most (none for a "sent" report, which changes no status)
    expect(deps.published.length - published).toBe(status === 'SENT' ? 0 : 1);
    expect(results.filter((r) => r.matched && r.changed)).toHaveLength(status === 'SENT' ? 0 : 1);
  });

  it('a different report for the same message is still recorded (once), and a contradiction is noted as ignored', async () => {
    const id = `SMmix${Date.now()}`;
    const sms = await sentSms(id);
    await burst({ providerMessageId: id, status: 'DELIVERED', detail: 'delivered', raw: {} }, 5);
    await burst({ providerMessageId: id, status: 'FAILED', detail: 'undelivered (30003)', raw: {} }, 5);
    const after = await statusOf(db.db.prisma, sms.id);
    expect(after.status).toBe('DELIVERED');
    expect(after.events.map((e) => e.detail)).toEqual([
      'twilio report: delivered',
      'ignored (already DELIVERED): twilio report: undelivered (30003)',
    ]);
  });
});
