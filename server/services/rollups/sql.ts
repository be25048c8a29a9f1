// SQL over the hourly rollups (docs/storage.md "Rollups"): the current day's rows per port and hour
// ("HourlyRollup"), past days packed per port and UTC day ("PortDayRollup"). Packing a day, and the
// readers' view of both as one row per port and hour with the per-hour table's columns and values.
import { Prisma } from '../../generated/prisma/client.ts';
import type { PortDayRow } from './pack.ts';

/** The port row's figures that are one element when the same in every hour with a rollup. */
export type UniformColumn = 'checks' | 'failures' | 'downSeconds' | 'flapSeconds';

/**
 * A port day row's figure (on alias `r`) as 24 elements, for readers that look only at the hours
 * "hours" has: a one-element array (the same value in every hour with a rollup) repeated.
 */
export function dayHours(r: string, col: UniformColumn): Prisma.Sql {
  const a = `${r}."${col}"`;
  return Prisma.raw(`(CASE WHEN cardinality(${a}) = 1 THEN array_fill(${a}[1], ARRAY[24]) ELSE ${a} END)`);
}

/** The same, zero in the hours without a rollup (for adding two days' arrays). */
function dayHoursExact(r: string, col: UniformColumn): string {
  const a = `${r}."${col}"`;
  return `(CASE WHEN cardinality(${a}) = 1 THEN ARRAY(SELECT (CASE WHEN ${r}."hours" & (1 << x) <> 0 THEN ${a}[1] ELSE 0 END)::smallint
        FROM generate_series(0, 23) AS x) ELSE ${a} END)`;
}

/** Merges a day row into the stored one (a day packed again: an hour written after its day was packed). */
// (one-element figures are expanded first; the merged row keeps 24 elements)
const add = (col: UniformColumn) => `rollup_add(${dayHoursExact('d', col)}, ${dayHoursExact('EXCLUDED', col)})`;
const answered = (r: string) => `rollup_answered(${dayHoursExact(r, 'checks')}, ${dayHoursExact(r, 'failures')})`;
const MERGE = Prisma.raw(`ON CONFLICT ("monitorId","port","day") DO UPDATE SET
      "hours" = d."hours" | EXCLUDED."hours",
      "checks" = ${add('checks')},
      "failures" = ${add('failures')},
      "latencyCount" = CASE WHEN d."latencyCount" IS NULL AND EXCLUDED."latencyCount" IS NULL THEN NULL
        ELSE rollup_add(coalesce(d."latencyCount", ${answered('d')}),
          coalesce(EXCLUDED."latencyCount", ${answered('EXCLUDED')})) END,
      "latencySumMs" = rollup_add(d."latencySumMs", EXCLUDED."latencySumMs"),
      "latencyMinUs" = rollup_least(d."latencyMinUs", EXCLUDED."latencyMinUs"),
      "latencyMaxUs" = rollup_greatest(d."latencyMaxUs", EXCLUDED."latencyMaxUs"),
      "downSeconds" = ${add('downSeconds')},
      "flapSeconds" = ${add('flapSeconds')}`);

const COLUMNS = Prisma.raw(`"monitorId","port","day","hours","checks","failures","latencyCount",
      "latencySumMs","latencyMinUs","latencyMaxUs","downSeconds","flapSeconds"`);

/** Adds day rows packed in the process (tests' fixtures, the bench) to the stored days. */
export function portDayUpsert(rows: readonly PortDayRow[]): Prisma.Sql {
  const values = rows.map(
    (
      r,
    ) => Prisma.sql`(${r.monitorId}, ${r.port}, ${r.day}, ${r.hours}, ${r.checks}::smallint[], ${r.failures}::smallint[],
      ${r.latencyCount}::smallint[], ${r.latencySumMs}::float8[], ${r.latencyMinUs}::int[], ${r.latencyMaxUs}::int[],
      ${r.downSeconds}::smallint[], ${r.flapSeconds}::smallint[])`,
  );
  return Prisma.sql`INSERT INTO "PortDayRollup" AS d (${COLUMNS}) VALUES ${Prisma.join(values)} ${MERGE}`;
}

/**
 * Packs the hourly rows of up to `groups` (monitor, port, UTC day) before `before` (a UTC midnight)
 * into day rows and deletes them, in one statement (a crash packs nothing or all of a group).
 * Returns the hourly rows packed and the (monitor, day) pairs whose host rows are to be rebuilt.
 */
export function packDaysSql(before: Date, groups: number): Prisma.Sql {
  const arr = (col: string, type: string, when: string) =>
    Prisma.raw(`CASE WHEN ${when} THEN array_agg(least(coalesce(h."${col}", 0), 32767)::${type} ORDER BY i) END`);
  // the same in every hour with a rollup: one element; zero all day: NULL (but for checks: `zero`)
  const one = (col: UniformColumn, zero = false) => {
    const v = `least(coalesce(h."${col}", 0), 32767)::smallint`;
    const some = `min(${v}) FILTER (WHERE h."hour" IS NOT NULL)`;
    return Prisma.raw(`CASE WHEN ${zero ? 'false' : `NOT bool_or(h."${col}" <> 0)`} THEN NULL
          WHEN ${some} = max(${v}) FILTER (WHERE h."hour" IS NOT NULL) THEN ARRAY[${some}]
          ELSE array_agg(${v} ORDER BY i) END`);
  };
  return Prisma.sql`
    WITH grp AS (
      SELECT DISTINCT "monitorId", "port", date_trunc('day', "hour") AS day FROM "HourlyRollup" WHERE "hour" < ${utc(before)} LIMIT ${groups}
    ), gone AS (
      DELETE FROM "HourlyRollup" h USING grp g
      WHERE h."monitorId" = g."monitorId" AND h."port" = g."port" AND h."hour" >= g.day AND h."hour" < g.day + interval '1 day'
      RETURNING h.*
    ), ins AS (
      INSERT INTO "PortDayRollup" AS d (${COLUMNS})
      SELECT g."monitorId", g."port", g.day, sum(CASE WHEN h."hour" IS NULL THEN 0 ELSE 1 << i END)::int,
        ${one('checks', true)},
        ${one('failures')},
        ${arr('latencyCount', 'smallint', 'bool_or(h."latencyCount" <> h."checks" - h."failures")')},
        CASE WHEN bool_or(h."latencyCount" > 0 OR h."latencySumMs" <> 0) THEN array_agg(coalesce(h."latencySumMs", 0) ORDER BY i) END,
        CASE WHEN bool_or(h."latencyMinMs" IS NOT NULL) THEN array_agg(round(h."latencyMinMs" * 1000)::int ORDER BY i) END,
        CASE WHEN bool_or(h."latencyMaxMs" IS NOT NULL) THEN array_agg(round(h."latencyMaxMs" * 1000)::int ORDER BY i) END,
        ${one('downSeconds')},
        ${one('flapSeconds')}
      FROM grp g CROSS JOIN generate_series(0, 23) AS i
      LEFT JOIN gone h ON h."monitorId" = g."monitorId" AND h."port" = g."port" AND h."hour" = g.day + i * interval '1 hour'
      GROUP BY g."monitorId", g."port", g.day HAVING count(h."hour") > 0
      ${MERGE}
      RETURNING 1
    )
    SELECT (SELECT count(*) FROM gone)::int AS hourly, (SELECT count(*) FROM ins)::int AS days,
      (SELECT coalesce(json_agg(DISTINCT jsonb_build_object('monitorId', "monitorId", 'day', to_char(day, 'YYYY-MM-DD"T"HH24:MI:SS"Z"'))), '[]') FROM grp) AS pairs`;
}

/** An instant as the UTC timestamp the columns hold. */
export const utc = (d: Date): Prisma.Sql => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

export interface RollupFilter {
  /** A condition on the monitor, on alias r: r."monitorId" = …, r."monitorId" IN (…). */
  monitor: Prisma.Sql;
  port?: number | null;
  /** Hours from (inclusive) and to (exclusive), UTC instants (or SQL giving UTC timestamps); rows of days that overlap are read. */
  from?: Date | Prisma.Sql;
  to?: Date | Prisma.Sql;
  /** Only port-hours with flapping time. */
  flapping?: boolean;
  /** Packed days read only when (r."monitorId", r."day") is in this subquery (the days a host row cannot stand for). */
  packedDays?: Prisma.Sql;
}

const asSql = (t: Date | Prisma.Sql) => (t instanceof Date ? utc(t) : t);

/**
 * Every hourly rollup the filter selects, one row per port and hour as the per-hour table has
 * them: "monitorId", "port", "hour", "checks", "failures", "latencySumMs", "latencyCount",
 * "latencyMinMs", "latencyMaxMs", "downSeconds", "flapSeconds". Past days are expanded from their
 * packed rows; a port-hour may come twice (an hour written after its day was packed): callers
 * that do more than add figures group by port and hour first. Rows of the days overlapping the
 * range are returned: callers filter by "hour".
 */
export function hourlyRollups(f: RollupFilter): Prisma.Sql {
  const packed = [f.monitor];
  const recent = [f.monitor];
  if (f.port != null) {
    packed.push(Prisma.sql`r."port" = ${f.port}`);
    recent.push(Prisma.sql`r."port" = ${f.port}`);
  }
  if (f.from !== undefined) {
    packed.push(Prisma.sql`r."day" > ${asSql(f.from)} - interval '1 day'`);
    recent.push(Prisma.sql`r."hour" >= ${asSql(f.from)}`);
  }
  if (f.to !== undefined) {
    packed.push(Prisma.sql`r."day" < ${asSql(f.to)}`);
    recent.push(Prisma.sql`r."hour" < ${asSql(f.to)}`);
  }
  if (f.packedDays) packed.push(Prisma.sql`(r."monitorId", r."day") IN (${f.packedDays})`);
  if (f.flapping) {
    packed.push(Prisma.sql`r."flapSeconds" IS NOT NULL`);
    recent.push(Prisma.sql`r."flapSeconds" > 0`);
  }
  return Prisma.sql`SELECT r."monitorId", r."port", r."day" + (u.i - 1) * interval '1 hour' AS "hour",
      coalesce(u.c, 0)::int AS "checks", coalesce(u.f, 0)::int AS "failures",
      coalesce(u.s, 0)::float8 AS "latencySumMs", coalesce(u.lc, coalesce(u.c, 0) - coalesce(u.f, 0))::int AS "latencyCount",
      u.mn::float8 / 1000 AS "latencyMinMs", u.mx::float8 / 1000 AS "latencyMaxMs",
      coalesce(u.d, 0)::int AS "downSeconds", coalesce(u.fl, 0)::int AS "flapSeconds"
    FROM "PortDayRollup" r CROSS JOIN LATERAL unnest(${dayHours('r', 'checks')}, ${dayHours('r', 'failures')}, r."latencyCount", r."latencySumMs",
      r."latencyMinUs", r."latencyMaxUs", ${dayHours('r', 'downSeconds')}, ${dayHours('r', 'flapSeconds')}) WITH ORDINALITY AS u(c, f, lc, s, mn, mx, d, fl, i)
    WHERE ${Prisma.join(packed, ' AND ')} AND r."hours" & (1 << (u.i::int - 1)) <> 0
    UNION ALL
    SELECT r."monitorId", r."port", r."hour", r."checks", r."failures", r."latencySumMs", r."latencyCount", r."latencyMinMs",
      r."latencyMaxMs", r."downSeconds", r."flapSeconds"
    FROM "HourlyRollup" r WHERE ${Prisma.join(recent, ' AND ')}`;
}

/**
 * The days with per-hour rows not packed yet (the current day, a late hour), per monitor: the
 * days a host day row cannot stand for. `monitor` is a condition on alias r.
 */
export function unpackedDays(monitor: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT DISTINCT r."monitorId", date_trunc('day', r."hour") AS day FROM "HourlyRollup" r WHERE ${monitor}`;
}
