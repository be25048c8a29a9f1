// The failure_runs migration on a database that has per-check failure rows: every old row becomes
// a run of its own with the same time, reason, incident and flapping mark (the log's figures stay
// identical), and the old table is gone. The migrations' SQL is applied in order to a PGlite.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { emptyPglite } from '../helpers/db.ts';

const dir = path.join(import.meta.dirname, '../../prisma/migrations');

describe('failure_runs migration', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await emptyPglite();
  });
  afterAll(() => db.close());

  it('turns every per-check failure row into a run of one', async () => {
    const names = (await readdir(dir)).filter((n) => /^\d+_/.test(n)).sort();
    const at = names.findIndex((n) => n.endsWith('_failure_runs'));
    expect(at).toBeGreaterThan(0);
    for (const n of names.slice(0, at)) await db.exec(await readFile(path.join(dir, n, 'migration.sql'), 'utf8'));
    await db.exec(`
      INSERT INTO "Account" ("id","loginId","name","email","passwordHash","kind","language","updatedAt") VALUES ('a','alice','Alice','a@example.com','x','HOSTING','en',now());
      INSERT INTO "Server" ("id","ip","accountId","source") VALUES ('s','10.0.0.1','a','HOSTING_INVENTORY');
      INSERT INTO "Monitor" ("id","accountId","serverId","activeServerId","host","ports","contactName","contactEmail","updatedAt")
        VALUES ('m','a','s','s','10.0.0.1','{22,80}','C','c@example.com',now());
      INSERT INTO "Incident" ("id","monitorId","accountId","host","ports","reason") VALUES ('i','m','a','10.0.0.1','{22}','refused');
      INSERT INTO "FailureLog" ("monitorId","port","at","code","message","latencyMs","flapping","incidentId") VALUES
        ('m',22,'2026-03-01 00:00:00','ECONNREFUSED','connect ECONNREFUSED',1,false,NULL),
        ('m',22,'2026-03-01 00:03:00','ECONNREFUSED','connect ECONNREFUSED',2,true,'i'),
        ('m',80,'2026-03-01 00:03:00','ETIMEDOUT','connect ETIMEDOUT',5000,false,'i');`);
    await db.exec(await readFile(path.join(dir, names[at]!, 'migration.sql'), 'utf8'));
    const runs = await db.query<Record<string, unknown>>(
      `SELECT "port","firstAt","lastAt","count","slots","code","flapping","maintenance","incidentId" FROM "FailureRun" ORDER BY "firstAt","port"`,
    );
    expect(runs.rows).toEqual([
      {
        port: 22,
        firstAt: new Date('2026-03-01T00:00:00Z'),
        lastAt: new Date('2026-03-01T00:00:00Z'),
        count: 1,
        slots: [1],
        code: 'ECONNREFUSED',
        flapping: false,
        maintenance: false,
        incidentId: null,
      },
      {
        port: 22,
        firstAt: new Date('2026-03-01T00:03:00Z'),
        lastAt: new Date('2026-03-01T00:03:00Z'),
        count: 1,
        slots: [1],
        code: 'ECONNREFUSED',
        flapping: true,
        maintenance: false,
        incidentId: 'i',
      },
      {
        port: 80,
        firstAt: new Date('2026-03-01T00:03:00Z'),
        lastAt: new Date('2026-03-01T00:03:00Z'),
        count: 1,
        slots: [1],
        code: 'ETIMEDOUT',
        flapping: false,
        maintenance: false,
        incidentId: 'i',
      },
    ]);
    const old = await db.query(`SELECT to_regclass('"FailureLog"') AS t`);
    expect(old.rows).toEqual([{ t: null }]);
    for (const n of names.slice(at + 1)) await db.exec(await readFile(path.join(dir, n, 'migration.sql'), 'utf8'));
  });
});
