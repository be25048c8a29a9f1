// The probe's bulk insert of opened incidents and ledger rows (one JSON parameter per statement)
// writes what Prisma's createMany with skipDuplicates wrote: the same columns, defaults, enum
// values, arrays and JSON; duplicates skipped on any unique key; ids that sort in creation order.
import { afterAll, describe, expect, it } from 'vitest';
import { insertIncidents, insertLedger, ledgerId } from '../../server/monitoring/bulk-insert.ts';
import type { LedgerRow } from '../../server/services/notifications/rows.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';

describe(`bulk insert of incidents and ledger rows (${backend})`, () => {
  let t: TestDatabase;
  afterAll(async () => t?.drop());

  it('writes the rows createMany wrote and skips duplicates', async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    const acc = await makeCustomer(p, 'bulk');
    const m1 = await makeMonitor(p, { accountId: acc.id, ip: '192.0.2.1', ports: [22, 80] });
    const m2 = await makeMonitor(p, { accountId: acc.id, ip: '192.0.2.2', ports: [443] });
    const openedAt = new Date('2026-03-01T10:00:00.123Z');
    const flap = [{ port: 80, checks: 20, failed: 7, changes: 6, at: '2026-03-01T09:58:00.000Z' }];
    const incidents = [
      {
        id: 'bulk-a',
        kind: 'HOST_DOWN' as const,
        monitorId: m1.id,
        accountId: acc.id,
        host: '192.0.2.1',
        ports: [22, 80],
        reason: 'connect ECONNREFUSED',
        openedAt,
        flapFigures: flap,
      },
      {
        id: 'prisma-a',
        kind: 'HOST_DOWN' as const,
        monitorId: m2.id,
        accountId: acc.id,
        host: '192.0.2.2',
        ports: [443],
        reason: null,
        openedAt,
      },
      {
        id: 'bulk-b',
        kind: 'PROBE_DEGRADED' as const,
        monitorId: null,
        accountId: null,
        host: null,
        ports: [],
        reason: 'probe degraded',
        openedAt,
      },
    ];
    const [a, b, c] = incidents;
    expect(await insertIncidents(p, [a!, c!])).toBe(2);
    await p.incident.createMany({
      data: [{ ...b!, openMonitorId: b!.monitorId }],
      skipDuplicates: true,
    });
    // a second incident for an open host, and an id already there: skipped as createMany skipped them
    expect(
      await insertIncidents(p, [
        { ...a!, id: 'bulk-again' },
        { ...c!, reason: 'other' },
      ]),
    ).toBe(0);
    const rows = await p.incident.findMany({ orderBy: { id: 'asc' } });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(rows.map((r) => r.id)).toEqual(['bulk-a', 'bulk-b', 'prisma-a']);
    const { id: _a, ...bulkA } = byId.get('bulk-a')!;
    const { id: _p, ...prismaA } = byId.get('prisma-a')!;
    expect(bulkA).toEqual({
      ...prismaA,
      monitorId: m1.id,
      openMonitorId: m1.id,
      host: '192.0.2.1',
      ports: [22, 80],
      reason: 'connect ECONNREFUSED',
      flapping: true,
      flapFigures: flap,
    });
    expect(byId.get('bulk-b')).toMatchObject({
      kind: 'PROBE_DEGRADED',
      openMonitorId: null,
      flapping: false,
      flapFigures: null,
      ports: [],
    });

    const now = new Date('2026-03-01T10:00:05.000Z');
    const ledger = (incidentId: string, recipient: string): LedgerRow[] => [
      {
        incidentId,
        accountId: acc.id,
        kind: 'DOWN',
        seq: 0,
        channel: 'EMAIL',
        recipient,
        recipientRole: 'CONTACT',
        language: 'ko',
        status: 'QUEUED',
        statusDetail: null,
        nextAttemptAt: now,
      },
      {
        incidentId,
        accountId: null,
        kind: 'DOWN',
        seq: 0,
        channel: 'SMS',
        recipient: '+821012345678',
        recipientRole: 'ADMIN',
        language: 'en',
        status: 'NO',
        statusDetail: 'SMS off',
        nextAttemptAt: now,
        endpointId: null,
      },
    ];
    expect(await insertLedger(p, ledger('bulk-a', 'x@example.com'), now)).toBe(2);
    const made = await p.notification.createMany({ data: ledger('prisma-a', 'x@example.com'), skipDuplicates: true });
    expect(made.count).toBe(2);
    expect(await insertLedger(p, ledger('bulk-a', 'x@example.com'), now)).toBe(0); // the unique key
    const notes = await p.notification.findMany({ orderBy: [{ incidentId: 'asc' }, { channel: 'asc' }] });
    const strip = ({ id: _id, incidentId: _i, createdAt: _c, updatedAt: _u, ...rest }: (typeof notes)[number]) => rest;
    const bulk = notes.filter((n) => n.incidentId === 'bulk-a');
    expect(bulk.map(strip)).toEqual(notes.filter((n) => n.incidentId === 'prisma-a').map(strip));
    for (const n of bulk) {
      expect(n.createdAt).toEqual(now);
      expect(n.updatedAt).toEqual(now);
      expect(n.id).toMatch(/^c[0-9a-z]{24}$/);
    }
  });

  it('makes ids that sort in creation order', () => {
    const ids = Array.from({ length: 1_000 }, () => ledgerId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ledgerId(1_700_000_000_001) > ids.at(-1)!).toBe(true);
  });
});
