// The failure_runs migration on a database that has per-check failure rows: every old row becomes
// a run of its own with the same time, reason, incident and flapping mark (the log's figures stay
// identical), and the old table is gone. The migrations' SQL is applied in order to a PGlite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PGlite } from '@electric-sql/pglite';
import { emptyPglite } from '../helpers/db.ts';
import { insertOneMonitor, migrateUpTo } from '../helpers/migration-replay.ts';

describe('failure_runs migration', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await emptyPglite();
  });
  afterAll(() => db.close());

  it('turns every per-check failure row into a run of one', async () => {
    const { at, apply, applyRest } = await migrateUpTo(db, 'failure_runs');
    expect(at).toBeGreaterThan(0);
    await insertOneMonitor(db);
    await db.exec(`
      INSERT INTO "Incident" ("id","monitorId","accountId","host","ports","reason") VALUES ('i','m','a','10.0.0.1','{22}','refused');
      INSERT INTO "FailureLog" ("monitorId","port","at","code","message","latencyMs","flapping","incidentId") VALUES
        ('m',22,'2026-03-01 00:00:00','ECONNREFUSED','connect ECONNREFUSED',1,false,NULL),
        ('m',22,'2026-03-01 00:03:00','ECONNREFUSED','connect ECONNREFUSED',2,true,'i'),
        ('m',80,'2026-03-01 00:03:00','ETIMEDOUT','connect ETIMEDOUT',5000,false,'i');`);
    await apply();
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
    await applyRest();
  });
});
