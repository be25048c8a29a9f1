// Issue 13 item 9: the monitor search matches the start of an IP, part of a server label or
// contact name (case-insensitive), not only an exact IP; "db" finds "db-1" although it also
// looks like the start of a hex IPv6 address.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { monitorListWhere } from '../../server/services/monitor-queries.ts';
import type { Viewer } from '../../server/services/types.ts';
import { backend, createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer } from '../helpers/fixtures.ts';

describe(`monitor search (${backend})`, () => {
  let t: TestDatabase;
  let viewer: Viewer;
  beforeAll(async () => {
    t = await createTestDatabase();
    const p = t.db.prisma;
    const a = await makeCustomer(p, 'searcher');
    viewer = { accountId: a.id, loginId: a.loginId, role: 'CUSTOMER', kind: 'HOSTING', language: 'en', via: 'session' };
    for (const [ip, label, contact] of [
      ['203.0.113.5', 'web-1', 'Kim'],
      ['203.0.113.77', 'db-1', 'Lee'],
      ['198.51.100.1', null, 'Cafe Park'],
    ] as const) {
      const s = await p.server.create({ data: { ip, accountId: a.id, source: 'HOSTING_INVENTORY', label } });
      await p.monitor.create({
        data: {
          accountId: a.id,
          serverId: s.id,
          activeServerId: s.id,
          host: ip,
          ports: [22],
          contactName: contact,
          contactEmail: 'c@example.com',
        },
      });
    }
  }, 120_000);
  afterAll(async () => {
    await t?.drop();
  });

  const hosts = async (search: string) =>
    (
      await t.db.prisma.monitor.findMany({
        where: monitorListWhere(viewer, { search }),
        orderBy: { host: 'asc' },
        select: { host: true },
      })
    ).map((m) => m.host);

  it('matches IP prefixes, labels and contact names', async () => {
    expect(await hosts('203.0.113.')).toEqual(['203.0.113.5', '203.0.113.77']);
    expect(await hosts('203.0.113.5')).toEqual(['203.0.113.5']); // an exact IP stays exact
    expect(await hosts('DB')).toEqual(['203.0.113.77']);
    expect(await hosts('web-')).toEqual(['203.0.113.5']);
    expect(await hosts('cafe')).toEqual(['198.51.100.1']);
    expect(await hosts('nothing-like-this')).toEqual([]);
  });
});
