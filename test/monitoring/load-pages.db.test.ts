// The probe runtime's paged load (store.ts monitorPages): every live monitor of the asked shards
// once, in id order, in pages of at most pageSize, with its shard, while the rows of several
// pages are read ahead at once; a read ahead that fails is thrown where its page is awaited (never
// an unhandled rejection), also when the caller stops before it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrismaClient } from '../../server/db/index.ts';
import { SHARD_SQL } from '../../server/monitoring/model.ts';
import { monitorPages, type LoadedMonitor } from '../../server/monitoring/store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { makeCustomer, makeMonitor } from '../helpers/fixtures.ts';

const ALL_SHARDS = Array.from({ length: 64 }, (_, i) => i);

describe('monitorPages (the paged load)', () => {
  let t: TestDatabase;
  let prisma: PrismaClient;
  /** id → shard of every monitor, and the ids of the deleted ones. */
  let shardOf: Map<string, number>;
  let deleted: Set<string>;
  let unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => {
    unhandled.push(reason);
  };

  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await createTestDatabase();
    prisma = t.db.prisma;
    const account = await makeCustomer(prisma, 'pages');
    for (let i = 1; i <= 23; i++)
      await makeMonitor(prisma, { accountId: account.id, ip: `10.9.0.${i}`, ports: [22, 80] });
    const rows = await prisma.$queryRawUnsafe<{ id: string; shard: number }[]>(
      `SELECT "id", (${SHARD_SQL})::int AS shard FROM "Monitor"`,
    );
    shardOf = new Map(rows.map((r) => [r.id, r.shard]));
    const gone = rows.slice(0, 2).map((r) => r.id);
    await prisma.monitor.updateMany({ where: { id: { in: gone } }, data: { deletedAt: new Date() } });
    deleted = new Set(gone);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t?.drop();
  });

  /** The ids PostgreSQL orders as the load's keyset does. */
  async function orderedIds(where: string): Promise<string[]> {
    const rows = await prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT "id" FROM "Monitor" WHERE ${where} ORDER BY "id"`,
    );
    return rows.map((r) => r.id);
  }

  async function pagesOf(p: PrismaClient, shards: number[], opts: Parameters<typeof monitorPages>[2]) {
    const pages: LoadedMonitor[][] = [];
    for await (const page of monitorPages(p, shards, opts)) pages.push(page);
    return pages;
  }

  it('yields every live monitor of the shards once, in id order, in pages of at most pageSize, each with its shard and ports', async () => {
    const pages = await pagesOf(prisma, ALL_SHARDS, { pageSize: 4 });
    for (const page of pages) expect(page.length).toBeLessThanOrEqual(4);
    const flat = pages.flat();
    expect(flat.map((m) => m.row.id)).toEqual(await orderedIds('"deletedAt" IS NULL'));
    expect(flat).toHaveLength(21);
    for (const m of flat) {
      expect(m.shard).toBe(shardOf.get(m.row.id));
      expect(m.row.ports).toEqual([22, 80]);
      expect(m.row.deleted).toBe(false);
    }
  });

  it('keeps to the asked shards, and includes the deleted ones (marked) when asked', async () => {
    const some = [...new Set(shardOf.values())].slice(0, 3);
    const pages = await pagesOf(prisma, some, { pageSize: 2, includeDeleted: true });
    const ids = pages.flat().map((m) => m.row.id);
    const expected = [...shardOf].filter(([, s]) => some.includes(s)).map(([id]) => id);
    expect(new Set(ids)).toEqual(new Set(expected));
    expect(ids).toHaveLength(expected.length);
    for (const m of pages.flat()) expect(m.row.deleted).toBe(deleted.has(m.row.id));
  });

  /**
   * The database client, whose read of monitor rows fails when it asks for `poison` (a monitor id:
   * in a list of ids, or as the last id of a key range).
   */
  function failing(poison: string): { p: PrismaClient; failed: () => number } {
    let n = 0;
    const p = new Proxy(prisma, {
      get(target, key, receiver) {
        if (key !== '$queryRaw') return Reflect.get(target, key, receiver) as unknown;
        return (...args: Parameters<PrismaClient['$queryRaw']>) => {
          const [sql, ...values] = args;
          const rowsRead = Array.isArray(sql) && sql.join('?').includes('JOIN "Server"');
          // a condition is a nested Prisma.sql fragment: its own values
          const flat = values.flatMap((v): unknown[] =>
            typeof v === 'object' && v !== null && 'values' in v ? (v as { values: unknown[] }).values : [v],
          );
          if (rowsRead && flat.some((v) => v === poison || (Array.isArray(v) && v.includes(poison)))) {
            n += 1;
            return Promise.reject(new Error('database away'));
          }
          return target.$queryRaw(...args);
        };
      },
    });
    return { p, failed: () => n };
  }

  it.each([
    ['a whole load (key ranges)', {}],
    ['a filtered read (ids)', { changedSince: new Date(0) }],
  ])('throws a failed read ahead where its page is awaited, after the pages before it: %s', async (_, extra) => {
    // deleted ones included: every page holds three monitors
    const live = await orderedIds('true');
    // pages of 3: the third page's rows fail while the caller is still busy with the first
    const { p, failed } = failing(live[8]!);
    unhandled = [];
    const got: string[] = [];
    await expect(
      (async () => {
        for await (const page of monitorPages(p, ALL_SHARDS, { pageSize: 3, includeDeleted: true, ...extra })) {
          await new Promise((r) => setTimeout(r, 30)); // the caller is busy: the read ahead fails meanwhile
          got.push(...page.map((m) => m.row.id));
        }
      })(),
    ).rejects.toThrow(/database away/);
    expect(failed()).toBeGreaterThan(0);
    expect(got).toEqual(live.slice(0, 6));
    await new Promise((r) => setTimeout(r, 50));
    expect(unhandled).toEqual([]);
  });

  it('leaves no unhandled rejection when the caller stops before a failed read ahead', async () => {
    // deleted ones included: every page holds three monitors
    const live = await orderedIds('true');
    const { p, failed } = failing(live[8]!);
    unhandled = [];
    for await (const page of monitorPages(p, ALL_SHARDS, { pageSize: 3, includeDeleted: true })) {
      expect(page.map((m) => m.row.id)).toEqual(live.slice(0, 3));
      await new Promise((r) => setTimeout(r, 30));
      break;
    }
    await new Promise((r) => setTimeout(r, 50));
    expect(failed()).toBeGreaterThan(0); // the read ahead of the third page did fail
    expect(unhandled).toEqual([]);
  });
});
