// The host_day_rollups migration on a database with packed port rows and failure runs: every
// (monitor, UTC day) with port rows gets its host row — per UTC hour the ports' checks and failures
// summed and the longest down / flapping time of any port, the day's totals (each hour capped at
// 3,600 s), the day's runs per UTC quarter hour up to the last with a failure (flapping ones apart) — and a day with runs but no
// port rows gets none (readers count its runs). The migrations' SQL is applied in order to a PGlite.
import type { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyPglite } from '../helpers/db.ts';
import { insertOneMonitor, migrateUpTo } from '../helpers/migration-replay.ts';

/** A day array of `length` elements, zero but for `at`. */
const arr = (at: Record<number, number>, length = 24) => Array.from({ length }, (_, i) => at[i] ?? 0);
const lit = (at: Record<number, number> | null) => (at === null ? null : `{${arr(at).join(',')}}`);

describe('host_day_rollups migration', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await emptyPglite();
  });
  afterAll(() => db.close());

  it('builds one host row per monitor and packed day from its port rows and runs', async () => {
    const { at, apply, applyRest } = await migrateUpTo(db, 'host_day_rollups');
    expect(at).toBeGreaterThan(0);
    await insertOneMonitor(db);
    // port, day, hours, checks, failures, down, flap (by UTC hour)
    const ports = [
      [22, '2026-03-01', [0, 1, 23], { 0: 20, 1: 20, 23: 20 }, { 1: 2, 23: 20 }, { 1: 120, 23: 3600 }, null],
      [80, '2026-03-01', [1, 5], { 1: 10, 5: 20 }, { 1: 1 }, { 1: 300 }, { 5: 600 }],
      [22, '2026-03-02', [0], { 0: 19 }, { 0: 1 }, null, { 0: 240 }],
    ] as const;
    for (const [port, day, hours, checks, failures, down, flap] of ports)
      await db.query(
        `INSERT INTO "PortDayRollup" ("monitorId","port","day","hours","checks","failures","downSeconds","flapSeconds")
         VALUES ('m',$1,$2,$3,$4,$5,$6,$7)`,
        [port, day, hours.reduce((b: number, h) => b | (1 << h), 0), lit(checks), lit(failures), lit(down), lit(flap)],
      );
    // port, firstAt, lastAt, slots (from firstAt's quarter hour), flapping
    const runs = [
      [22, '2026-03-01 00:20:00', '2026-03-01 00:50:00', [1, 0, 2], false],
      [80, '2026-03-01 23:50:00', '2026-03-01 23:59:00', [3], true],
      [80, '2026-03-05 10:00:00', '2026-03-05 10:00:00', [1], false], // a day without port rows
      [80, '2026-03-02 02:05:00', '2026-03-02 02:20:00', [1, 1], false], // quarters kept up to the last with a failure
    ] as const;
    for (const [port, firstAt, lastAt, slots, flapping] of runs)
      await db.query(
        `INSERT INTO "FailureRun" ("monitorId","port","firstAt","lastAt","count","slots","code","message","flapping")
         VALUES ('m',$1,$2,$3,$4,$5,'ECONNREFUSED','refused',$6)`,
        [port, firstAt, lastAt, slots.reduce((a: number, b) => a + b, 0), `{${slots.join(',')}}`, flapping],
      );
    await apply();
    const rows = await db.query<Record<string, unknown>>(
      `SELECT to_char("day", 'YYYY-MM-DD') AS day, "hours", "hourTotal", "checks", "failures", "downSeconds", "flapSeconds",
        "checkTotal", "failureTotal", "downTotal", "flapTotal", "runSlots", "runFlapSlots", "runFailures", "runFlapFailures"
       FROM "HostDayRollup" ORDER BY "day"`,
    );
    expect(rows.rows).toEqual([
      {
        day: '2026-03-01',
        hours: 1 | 2 | 32 | (1 << 23),
        hourTotal: 4,
        checks: arr({ 0: 20, 1: 30, 5: 20, 23: 20 }),
        failures: arr({ 1: 3, 23: 20 }),
        downSeconds: arr({ 1: 300, 23: 3600 }), // the longest of any port, not the sum
        flapSeconds: arr({ 5: 600 }),
        checkTotal: 90,
        failureTotal: 23,
        downTotal: 3900,
        flapTotal: 600,
        runSlots: arr({ 1: 1, 3: 2, 95: 3 }, 96), // 00:15, 00:45 and 23:45
        runFlapSlots: arr({ 95: 3 }, 96),
        runFailures: 6,
        runFlapFailures: 3,
      },
      {
        day: '2026-03-02',
        hours: 1,
        hourTotal: 1,
        checks: arr({ 0: 19 }),
        failures: arr({ 0: 1 }),
        downSeconds: null,
        flapSeconds: arr({ 0: 240 }),
        checkTotal: 19,
        failureTotal: 1,
        downTotal: 0,
        flapTotal: 240,
        runSlots: arr({ 8: 1, 9: 1 }, 10), // 02:00 and 02:15
        runFlapSlots: null,
        runFailures: 2,
        runFlapFailures: 0,
      },
    ]);
    await applyRest();
  }, 180_000);
});
