import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../server/db/index.ts';
import { backend, createPostgresDatabase, emptyPglite } from '../helpers/db.ts';
import { readMigrationsList } from '../../server/db/schema-engine.ts';

describe(`migrations on ${backend}`, () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function freshTarget() {
    if (backend === 'postgres') {
      const created = await createPostgresDatabase();
      cleanups.push(created.drop);
      return { kind: 'postgres' as const, url: created.url, poolSize: 2 };
    }
    const pglite = await emptyPglite();
    cleanups.push(() => pglite.close());
    return { kind: 'pglite' as const, instance: pglite };
  }

  it('apply to an empty database, then are idempotent', async () => {
    const target = await freshTarget();
    const names = (await readMigrationsList()).migrationDirectories.map((d) => d.path);
    expect(names.length).toBeGreaterThan(0);

    const first = await openDatabase(target);
    expect(first.applied).toEqual(names);
    const tables = await first.prisma.$queryRaw<
      { tablename: string }[]
    >`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`;
    const tableNames = tables.map((t) => t.tablename);
    for (const t of [
      'Account',
      'Monitor',
      'FailureRun',
      'PortDayRollup',
      'Incident',
      'Notification',
      'ApprovalRequest',
      '_prisma_migrations',
    ])
      expect(tableNames).toContain(t);
    const recorded = await first.prisma.$queryRaw<
      { migration_name: string; finished_at: Date | null }[]
    >`SELECT migration_name, finished_at FROM _prisma_migrations`;
    expect(recorded.map((r) => r.migration_name).sort()).toEqual(names);
    expect(recorded.every((r) => r.finished_at !== null)).toBe(true);
    if (target.kind === 'postgres') await first.close();
    else await first.prisma.$disconnect();

    const second = await openDatabase(target);
    expect(second.applied).toEqual([]);
    await second.ping();
    if (target.kind === 'postgres') await second.close();
    else await second.prisma.$disconnect();
  });

  it('the database enforces one ledger row per incident, kind, channel and recipient', async () => {
    const target = await freshTarget();
    const db = await openDatabase(target);
    const p = db.prisma;
    const account = await p.account.create({
      data: { loginId: 'c1', name: 'C', email: 'c@example.com', passwordHash: 'x', kind: 'HOSTING' },
    });
    const incident = await p.incident.create({ data: { accountId: account.id, host: '203.0.113.1', ports: [22] } });
    const row = {
      incidentId: incident.id,
      accountId: account.id,
      kind: 'DOWN' as const,
      channel: 'EMAIL' as const,
      recipient: 'c@example.com',
      recipientRole: 'CONTACT' as const,
    };
    await p.notification.create({ data: row });
    await expect(p.notification.create({ data: row })).rejects.toMatchObject({ code: 'P2002' });
    expect(await p.notification.count()).toBe(1);
    if (target.kind === 'postgres') await db.close();
    else await p.$disconnect();
  });
});
