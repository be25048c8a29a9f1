// The port_day_rollups migration on a database with per-hour rollups: every old row is in the packed
// day rows with the same figures (hours without a rollup stay absent; latency extremes to the
// microsecond; a latency count that is not checks − failures is kept), and "HourlyRollup" is empty,
// ready for the current day. The migrations' SQL is applied in order to a PGlite.
import type { PGlite } from '@electric-sql/pglite';
import { migrateUpTo, insertOneMonitor } from '../helpers/migration-replay.ts';
import { emptyPglite } from '../helpers/db.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PortDayRow, unpackDay } from '../../server/services/rollups/pack.ts';

describe('port_day_rollups migration', () => {
  let db: PGlite;
  beforeAll(async () => {
    db = await emptyPglite();
  });
  afterAll(() => db.close());

  it('packs every hourly row into its port and UTC day, figures unchanged', async () => {
    const { at, apply, applyRest } = await migrateUpTo(db, 'port_day_rollups');
    expect(at).toBeGreaterThan(0);
    await insertOneMonitor(db);
    const old = [
      // port, hour, checks, failures, latencySumMs, latencyCount, min, max, down, flap
      [22, '2026-03-01 00:00:00', 20, 0, 123.456, 20, 1.234, 20.001, 0, 0],
      [22, '2026-03-01 01:00:00', 20, 2, 54.5, 18, 0.001, 9.999, 120, 0],
      [22, '2026-03-01 23:00:00', 20, 20, 0, 0, null, null, 3600, 0],
      [22, '2026-03-02 00:00:00', 19, 1, 18, 18, 1, 1, 0, 240],
      [80, '2026-03-01 05:00:00', 20, 1, 40, 20, 2, 2, 0, 0], // a latency count that is not checks − failures
      [80, '2026-06-30 23:00:00', 0, 0, 0, 0, null, null, 0, 0], // an hour with a row but no check
    ] as const;
    for (const r of old)
      await db.query(
        `INSERT INTO "HourlyRollup" ("monitorId","port","hour","checks","failures","latencySumMs","latencyCount","latencyMinMs","latencyMaxMs","downSeconds","flapSeconds")
         VALUES ('m',$1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        [...r],
      );
    await apply();
    const days = await db.query<PortDayRow>(`SELECT * FROM "PortDayRollup" ORDER BY "port","day"`);
    expect(days.rows).toHaveLength(4);
    // only what differs from the defaults is stored: port 22's first day has failures, down time, a
    // count to derive; port 80's first day keeps its count
    expect(days.rows[0]).toMatchObject({ hours: 1 | 2 | (1 << 23), latencyCount: null, flapSeconds: null });
    expect(days.rows[2]).toMatchObject({ hours: 1 << 5, failures: expect.any(Array), latencyCount: expect.any(Array) });
    expect(days.rows[3]).toMatchObject({ hours: 1 << 23, failures: null, latencySumMs: null, latencyMinUs: null });
    const unpacked = days.rows.flatMap((d) => unpackDay(d));
    expect(
      unpacked.map((r) => [
        r.port,
        r.hour.toISOString().replace('T', ' ').slice(0, 19),
        r.checks,
        r.failures,
        r.latencySumMs,
        r.latencyCount,
        r.latencyMinMs,
        r.latencyMaxMs,
        r.downSeconds,
        r.flapSeconds,
      ]),
    ).toEqual(old.map((r) => [...r]));
    const hourly = await db.query(
      `SELECT count(*)::int AS n, to_regclass('"HourlyRollup_default"') AS p FROM "HourlyRollup"`,
    );
    expect(hourly.rows).toEqual([{ n: 0, p: null }]);
    await applyRest();
  }, 180_000);
});
