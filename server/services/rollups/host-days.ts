// The host day layer (docs/storage.md "The host day layer"): one row per host and UTC day, built
// from the day's packed port rows ("PortDayRollup") and failure runs, so the year screens read 365
// rows per host-year instead of every port's hours and every run's quarter hours. Built when a day
// is packed (and again when a late hour is added to it); a failure run written to a day already
// summarised updates the row's run figures.
import { Prisma } from '../../generated/prisma/client.ts';
import { dayHours } from './sql.ts';

/** A host row's per-hour figure and the day's total it is derived from when NULL. */
const TOTAL = {
  checks: 'checkTotal',
  failures: 'failureTotal',
  downSeconds: 'downTotal',
  flapSeconds: 'flapTotal',
} as const;

/**
 * A host row's per-hour figure (on alias `d`) as 24 elements, element h+1 for the UTC hour h (read
 * only where "hours" has bit h): the stored array, or, when NULL (the same value in every hour with a
 * rollup, zero all day included), the day's total divided by its hours.
 */
export function hostHours(col: keyof typeof TOTAL, d = 'd'): Prisma.Sql {
  return Prisma.raw(
    `coalesce(${d}."${col}"::int[], array_fill(${d}."${TOTAL[col]}" / nullif(${d}."hourTotal", 0), ARRAY[24]))`,
  );
}

/** The hours of a day (hh: "has", the value) as an array, or NULL when every hour with a rollup has the same value (at most `max`). */
const perHour = (v: string, type: string, max = '') =>
  Prisma.raw(`CASE WHEN min(${v}) FILTER (WHERE has) = max(${v}) FILTER (WHERE has)${max ? ` AND max(${v}) <= ${max}` : ''}
        THEN NULL ELSE array_agg(${v}::${type} ORDER BY i) END`);

/** Per (monitor, UTC day) of `g`: the failure runs that started that day, counted per UTC quarter hour of the day (up to the last with a failure). */
const RUNS = Prisma.sql`rq AS (
      SELECT g."monitorId", g."day",
        (extract(epoch FROM date_bin('15 minutes', r."firstAt", timestamp '2000-01-01') - g."day") / 900)::int + s.i::int AS q,
        sum(s.n)::int AS n, coalesce(sum(s.n) FILTER (WHERE r."flapping"), 0)::int AS nf
      FROM g JOIN "FailureRun" r ON r."monitorId" = g."monitorId" AND r."firstAt" >= g."day" AND r."firstAt" < g."day" + interval '1 day'
      CROSS JOIN LATERAL unnest(r."slots") WITH ORDINALITY AS s(n, i)
      WHERE s.n > 0
      GROUP BY 1, 2, 3
    ), rk AS (
      SELECT "monitorId", "day", max(q) AS mq FROM rq GROUP BY 1, 2
    ), ra AS (
      SELECT k."monitorId", k."day", array_agg(coalesce(rq.n, 0) ORDER BY x.q) AS slots,
        CASE WHEN sum(rq.nf) > 0 THEN array_agg(coalesce(rq.nf, 0) ORDER BY x.q) END AS fslots,
        coalesce(sum(rq.n), 0)::int AS n, coalesce(sum(rq.nf), 0)::int AS nf
      FROM rk k CROSS JOIN LATERAL generate_series(1, k.mq) AS x(q)
      LEFT JOIN rq ON rq."monitorId" = k."monitorId" AND rq."day" = k."day" AND rq.q = x.q
      GROUP BY 1, 2
    )`;

/**
 * (Re)builds the host rows of the (monitor, UTC day) pairs `pairs` selects (columns "monitorId",
 * "day") from their port day rows; with `runs`, also their failure runs' figures (without: NULL,
 * readers count that day's runs from "FailureRun"). Pairs without port day rows get no row.
 */
export function hostDaysSql(pairs: Prisma.Sql, runs: boolean): Prisma.Sql {
  const bit = Prisma.sql`p."hours" & (1 << (u.i::int - 1)) <> 0`;
  const runCols = runs
    ? Prisma.sql`ra.slots, ra.fslots, coalesce(ra.n, 0), coalesce(ra.nf, 0)`
    : Prisma.sql`NULL::int[], NULL::int[], NULL::int, NULL::int`;
  const runJoin = runs
    ? Prisma.sql`LEFT JOIN ra ON ra."monitorId" = hd."monitorId" AND ra."day" = hd."day"`
    : Prisma.empty;
  return Prisma.sql`
    WITH g AS (${pairs}), hh AS (
      SELECT p."monitorId", p."day", u.i::int AS i, bool_or(${bit}) AS has,
        sum(CASE WHEN ${bit} THEN coalesce(u.c, 0) ELSE 0 END)::int AS c,
        sum(CASE WHEN ${bit} THEN coalesce(u.f, 0) ELSE 0 END)::int AS f,
        max(CASE WHEN ${bit} THEN coalesce(u.d, 0) ELSE 0 END)::int AS d,
        max(CASE WHEN ${bit} THEN coalesce(u.fl, 0) ELSE 0 END)::int AS fl
      FROM "PortDayRollup" p JOIN g ON g."monitorId" = p."monitorId" AND g."day" = p."day"
      CROSS JOIN LATERAL unnest(${dayHours('p', 'checks')}, ${dayHours('p', 'failures')}, ${dayHours('p', 'downSeconds')},
        ${dayHours('p', 'flapSeconds')}) WITH ORDINALITY AS u(c, f, d, fl, i)
      WHERE u.i <= 24
      GROUP BY 1, 2, 3
    ), hd AS (
      SELECT "monitorId", "day", sum(CASE WHEN has THEN 1 << (i - 1) ELSE 0 END)::int AS hours,
        count(*) FILTER (WHERE has)::smallint AS hour_total,
        ${perHour('c', 'int')} AS checks, ${perHour('f', 'int')} AS failures,
        ${perHour('d', 'smallint', '3600')} AS down, ${perHour('fl', 'smallint', '3600')} AS flap,
        sum(c)::int AS check_total, sum(f)::int AS failure_total,
        sum(least(d, 3600))::int AS down_total, sum(least(fl, 3600))::int AS flap_total
      FROM hh GROUP BY 1, 2
    ), ${RUNS}
    INSERT INTO "HostDayRollup" ("monitorId","day","hours","hourTotal","checks","failures","downSeconds","flapSeconds",
      "checkTotal","failureTotal","downTotal","flapTotal","runSlots","runFlapSlots","runFailures","runFlapFailures")
    SELECT hd."monitorId", hd."day", hd.hours, hd.hour_total, hd.checks, hd.failures, hd.down, hd.flap,
      hd.check_total, hd.failure_total, hd.down_total, hd.flap_total, ${runCols}
    FROM hd ${runJoin}
    ON CONFLICT ("monitorId","day") DO UPDATE SET "hours" = EXCLUDED."hours", "hourTotal" = EXCLUDED."hourTotal",
      "checks" = EXCLUDED."checks", "failures" = EXCLUDED."failures", "downSeconds" = EXCLUDED."downSeconds",
      "flapSeconds" = EXCLUDED."flapSeconds", "checkTotal" = EXCLUDED."checkTotal", "failureTotal" = EXCLUDED."failureTotal",
      "downTotal" = EXCLUDED."downTotal", "flapTotal" = EXCLUDED."flapTotal", "runSlots" = EXCLUDED."runSlots",
      "runFlapSlots" = EXCLUDED."runFlapSlots", "runFailures" = EXCLUDED."runFailures", "runFlapFailures" = EXCLUDED."runFlapFailures"`;
}

/**
 * Recounts the run figures of the summarised host rows of the pairs (a run written to a day already
 * summarised); pairs without such a row (the current day: always, but for a late write) cost one index probe.
 */
export function hostRunsSql(pairs: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`
    WITH g AS (
      SELECT v.* FROM (${pairs}) v WHERE EXISTS (SELECT 1 FROM "HostDayRollup" h
        WHERE h."monitorId" = v."monitorId" AND h."day" = v."day" AND h."runFailures" IS NOT NULL)
    ), ${RUNS}
    UPDATE "HostDayRollup" h SET "runSlots" = ra.slots, "runFlapSlots" = ra.fslots,
      "runFailures" = coalesce(ra.n, 0), "runFlapFailures" = coalesce(ra.nf, 0)
    FROM g LEFT JOIN ra ON ra."monitorId" = g."monitorId" AND ra."day" = g."day"
    WHERE h."monitorId" = g."monitorId" AND h."day" = g."day" AND h."runFailures" IS NOT NULL`;
}

/** The pairs as a VALUES list for hostDaysSql / hostRunsSql. */
export function dayPairs(pairs: readonly { monitorId: string; day: Date }[]): Prisma.Sql {
  const values = pairs.map(
    (p) => Prisma.sql`(${p.monitorId}::text, ${p.day.toISOString()}::timestamptz AT TIME ZONE 'UTC')`,
  );
  return Prisma.sql`SELECT DISTINCT * FROM (VALUES ${Prisma.join(values)}) AS v("monitorId", "day")`;
}
