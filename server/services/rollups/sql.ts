// SQL over the packed hourly rollups ("PortDayRollup", docs/storage.md "Rollups"): the additive
// upsert the probe's flush writes with, and the expansion back into one row per port and hour,
// with the columns (and values) the per-hour table had, for the readers' aggregations.
import { Prisma } from '../../generated/prisma/client.ts';
import type { PortDayRow } from './pack.ts';

/** Adds the rows to the stored days (insert, or element-wise add / least / greatest). */
export function portDayUpsert(rows: readonly PortDayRow[]): Prisma.Sql {
  const values = rows.map(
    (r) => Prisma.sql`(${r.monitorId}, ${r.port}, ${r.day}, ${r.hours}, ${r.checks}::smallint[], ${r.failures}::smallint[],
      ${r.latencyCount}::smallint[], ${r.latencySumMs}::float8[], ${r.latencyMinUs}::int[], ${r.latencyMaxUs}::int[],
      ${r.downSeconds}::smallint[], ${r.flapSeconds}::smallint[])`,
  );
  return Prisma.sql`INSERT INTO "PortDayRollup" AS d ("monitorId","port","day","hours","checks","failures","latencyCount",
      "latencySumMs","latencyMinUs","latencyMaxUs","downSeconds","flapSeconds")
    VALUES ${Prisma.join(values)}
    ON CONFLICT ("monitorId","port","day") DO UPDATE SET
      "hours" = d."hours" | EXCLUDED."hours",
      "checks" = rollup_add(d."checks", EXCLUDED."checks"),
      "failures" = rollup_add(d."failures", EXCLUDED."failures"),
      "latencyCount" = CASE WHEN d."latencyCount" IS NULL AND EXCLUDED."latencyCount" IS NULL THEN NULL
        ELSE rollup_add(coalesce(d."latencyCount", rollup_answered(d."checks", d."failures")),
          coalesce(EXCLUDED."latencyCount", rollup_answered(EXCLUDED."checks", EXCLUDED."failures"))) END,
      "latencySumMs" = rollup_add(d."latencySumMs", EXCLUDED."latencySumMs"),
      "latencyMinUs" = rollup_least(d."latencyMinUs", EXCLUDED."latencyMinUs"),
      "latencyMaxUs" = rollup_greatest(d."latencyMaxUs", EXCLUDED."latencyMaxUs"),
      "downSeconds" = rollup_add(d."downSeconds", EXCLUDED."downSeconds"),
      "flapSeconds" = rollup_add(d."flapSeconds", EXCLUDED."flapSeconds")`;
}

/**
 * One row per port and hour with a rollup, as the per-hour table had them: "monitorId", "port",
 * "hour", "checks", "failures", "latencySumMs", "latencyCount", "latencyMinMs", "latencyMaxMs",
 * "downSeconds", "flapSeconds". `where` filters the day rows (alias r: "monitorId", "port", "day").
 */
export function hourlyRollups(where: Prisma.Sql): Prisma.Sql {
  return Prisma.sql`SELECT r."monitorId", r."port", r."day" + (u.i - 1) * interval '1 hour' AS "hour",
      coalesce(u.c, 0)::int AS "checks", coalesce(u.f, 0)::int AS "failures",
      coalesce(u.s, 0)::float8 AS "latencySumMs", coalesce(u.lc, coalesce(u.c, 0) - coalesce(u.f, 0))::int AS "latencyCount",
      u.mn::float8 / 1000 AS "latencyMinMs", u.mx::float8 / 1000 AS "latencyMaxMs",
      coalesce(u.d, 0)::int AS "downSeconds", coalesce(u.fl, 0)::int AS "flapSeconds"
    FROM "PortDayRollup" r CROSS JOIN LATERAL unnest(r."checks", r."failures", r."latencyCount", r."latencySumMs",
      r."latencyMinUs", r."latencyMaxUs", r."downSeconds", r."flapSeconds") WITH ORDINALITY AS u(c, f, lc, s, mn, mx, d, fl, i)
    WHERE (${where}) AND r."hours" & (1 << (u.i::int - 1)) <> 0`;
}

/** An instant as the UTC timestamp the columns hold. */
export const utc = (d: Date): Prisma.Sql => Prisma.sql`(${d.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;

/** A filter on the day rows whose hours may fall in [from, to) (UTC instants). */
export function daysOverlapping(from: Date | Prisma.Sql, to?: Date | Prisma.Sql): Prisma.Sql {
  const lo = from instanceof Date ? utc(from) : from;
  const cond = Prisma.sql`r."day" > ${lo} - interval '1 day'`;
  if (to === undefined) return cond;
  const hi = to instanceof Date ? utc(to) : to;
  return Prisma.sql`${cond} AND r."day" < ${hi}`;
}
