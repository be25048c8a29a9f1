// Yearly statistics per host (the seed's statistics page): from the hourly rollups (those still
// in this process's memory included: the current hour is never missing; past days from the host
// day rows, docs/storage.md "The host day layer"; and the daily rollups they are folded into
// after the retention limit) and the notification ledger, never from raw checks. Years are counted in the viewer's time zone (a folded UTC day counts in the year its
// midnight falls in: outside UTC, up to a day's figures may move across New Year).
//
// Definitions (the same words are in the schema descriptions and beside the figures on screen;
// figures derived from one another agree by construction):
// - checks, failures: every check of every port, and those that failed (retries included).
// - availability: the share of checks that answered, (checks − failures) / checks; null
//   without checks. So "1 of 1 checks failed" is 0 %, never 100 %.
// - downtimeSeconds: time during which at least one port was DOWN (an incident open; per hour,
//   the longest down time of any port, summed). Failures below the failure threshold are
//   failed checks, not downtime.
// - mailsSent / smsSent: ledger rows to the monitor's contact with status YES, READ or DELIVERED.
// - incidents: HOST_DOWN incidents opened that year.
// - flappingSeconds: like downtimeSeconds, for time during which at least one port was FLAPPING
//   (counted apart: a flapping port is not "down").
import { Prisma } from '../generated/prisma/client.ts';
import { hostHours } from './rollups/host-days.ts';
import { hourlyRollups, unpackedDays } from './rollups/sql.ts';
import { ownedWhere } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export interface HostYearStatistics {
  monitorId: string;
  year: number;
  host: string;
  contactName: string;
  contactPhone: string | null;
  checks: number;
  failures: number;
  downtimeSeconds: number;
  flappingSeconds: number;
  monitoredHours: number;
  availability: number | null;
  incidents: number;
  mailsSent: number;
  smsSent: number;
}

export interface StatisticsOptions {
  monitorIds: string[];
  /** One year, or every year with data. */
  year?: number | null;
  timeZone: string;
}

interface Row {
  monitorId: string;
  year: number;
  checks: bigint | number;
  failures: bigint | number;
  down: bigint | number;
  flap: bigint | number;
  hours: bigint | number;
  incidents: bigint | number;
  mails: bigint | number;
  sms: bigint | number;
}

/** Statistics per (monitor, year), for the viewer's monitors among `monitorIds`: two queries in all. */
export async function getYearlyStatistics(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: StatisticsOptions,
): Promise<HostYearStatistics[]> {
  if (opts.monitorIds.length === 0) return [];
  const monitors = await deps.prisma.monitor.findMany({
    where: { id: { in: opts.monitorIds }, ...ownedWhere(viewer) },
    select: { id: true, host: true, contactName: true, contactPhone: true },
  });
  if (monitors.length === 0) return [];
  const ids = Prisma.join(monitors.map((m) => m.id));
  const tz = opts.timeZone;
  const year = (col: Prisma.Sql) =>
    Prisma.sql`extract(year from ((${col}) AT TIME ZONE 'UTC') AT TIME ZONE ${tz})::int`;
  // the year's first instant and the next year's, as UTC timestamps (like the columns)
  const yearStart = (y: number) =>
    Prisma.sql`((make_timestamp(${y}::int, 1, 1, 0, 0, 0) AT TIME ZONE ${tz}) AT TIME ZONE 'UTC')`;
  const yearFilter = (col: Prisma.Sql) =>
    opts.year == null
      ? Prisma.empty
      : Prisma.sql`AND ${col} >= ${yearStart(opts.year)} AND ${col} < ${yearStart(opts.year + 1)}`;
  const range = opts.year == null ? {} : { from: yearStart(opts.year), to: yearStart(opts.year + 1) };
  const sentAt = Prisma.sql`coalesce(n."sentAt", n."createdAt")`;
  const inMemory = deps.probe?.pendingRollups(monitors.map((m) => m.id)) ?? [];
  const pending = inMemory.length
    ? Prisma.sql`SELECT * FROM (VALUES ${Prisma.join(
        inMemory.map(
          (r) =>
            Prisma.sql`(${r.monitorId}::text, ${r.port}::int, ${r.hour}::timestamp(3), ${r.checks}::int, ${r.failures}::int, ${r.downSeconds}::int, ${r.flapSeconds}::int)`,
        ),
      )}) AS p("monitorId", "port", "hour", "checks", "failures", "downSeconds", "flapSeconds")`
    : Prisma.sql`SELECT NULL::text AS "monitorId", 0 AS "port", NULL::timestamp(3) AS "hour", 0 AS "checks", 0 AS "failures", 0 AS "downSeconds", 0 AS "flapSeconds" WHERE false`;
  // days a host row cannot stand for: with hourly rows not packed yet (the current day, a late
  // hour) or hours still in memory; they are read per port and hour as before
  const recent = Prisma.sql`${unpackedDays(Prisma.sql`r."monitorId" IN (${ids})`)}
      UNION SELECT DISTINCT "monitorId", date_trunc('day', "hour") FROM (${pending}) p`;
  const wholeDay = Prisma.sql`${year(Prisma.sql`d."day"`)} = ${year(Prisma.sql`d."day" + interval '23 hours'`)}`;
  const hostRange =
    opts.year == null
      ? Prisma.empty
      : Prisma.sql`AND d."day" > ${yearStart(opts.year)} - interval '1 day' AND d."day" < ${yearStart(opts.year + 1)}`;
  const rows = await deps.prisma.$queryRaw<Row[]>`
    WITH recent AS (${recent}), per_port AS (
      SELECT x."monitorId", x."port", x."hour", sum(x."checks") AS checks, sum(x."failures") AS failures,
        sum(x."downSeconds") AS down, sum(x."flapSeconds") AS flap
      FROM (
        SELECT h."monitorId", h."port", h."hour", h."checks", h."failures", h."downSeconds", h."flapSeconds"
        FROM (${hourlyRollups({ monitor: Prisma.sql`r."monitorId" IN (${ids})`, ...range, packedDays: Prisma.sql`SELECT "monitorId", day FROM recent` })}) h
        UNION ALL ${pending}
      ) x WHERE true ${yearFilter(Prisma.sql`x."hour"`)}
      GROUP BY 1, 2, 3
    ), hours AS (
      SELECT "monitorId", "hour", sum(checks) AS checks, sum(failures) AS failures, least(max(down), 3600) AS down, least(max(flap), 3600) AS flap
      FROM per_port GROUP BY 1, 2
    ), host AS (
      SELECT d.* FROM "HostDayRollup" d WHERE d."monitorId" IN (${ids}) ${hostRange}
        AND NOT EXISTS (SELECT 1 FROM recent r WHERE r."monitorId" = d."monitorId" AND r.day = d."day")
    ), host_hours AS (
      SELECT d."monitorId", d."day" + (u.i - 1) * interval '1 hour' AS "hour", coalesce(u.c, 0) AS checks, coalesce(u.f, 0) AS failures,
        least(coalesce(u.dn, 0), 3600) AS down, least(coalesce(u.fl, 0), 3600) AS flap
      FROM host d CROSS JOIN LATERAL unnest(${hostHours('checks')}, ${hostHours('failures')}, ${hostHours('downSeconds')},
        ${hostHours('flapSeconds')}) WITH ORDINALITY AS u(c, f, dn, fl, i)
      WHERE NOT (${wholeDay}) AND d."hours" & (1 << (u.i::int - 1)) <> 0
    ), roll AS (
      SELECT "monitorId", ${year(Prisma.sql`"hour"`)} AS year, sum(checks) AS checks, sum(failures) AS failures, sum(down) AS down, sum(flap) AS flap, count(*) AS hours,
        0 AS incidents, 0 AS mails, 0 AS sms
      FROM (SELECT * FROM hours UNION ALL SELECT * FROM host_hours h WHERE true ${yearFilter(Prisma.sql`h."hour"`)}) AS x GROUP BY 1, 2
    ), host_days AS (
      SELECT d."monitorId", ${year(Prisma.sql`d."day"`)} AS year, sum(d."checkTotal") AS checks, sum(d."failureTotal") AS failures,
        sum(d."downTotal") AS down, sum(d."flapTotal") AS flap, sum(d."hourTotal") AS hours, 0 AS incidents, 0 AS mails, 0 AS sms
      FROM host d WHERE ${wholeDay} ${yearFilter(Prisma.sql`d."day"`)}
      GROUP BY 1, 2
    ), folded AS (
      SELECT d."monitorId", ${year(Prisma.sql`d."day"`)} AS year, sum(d."checks") AS checks, sum(d."failures") AS failures,
        sum(d."downSeconds") AS down, sum(d."flapSeconds") AS flap, sum(d."hours") AS hours, 0 AS incidents, 0 AS mails, 0 AS sms
      FROM "DailyRollup" d WHERE d."monitorId" IN (${ids}) ${yearFilter(Prisma.sql`d."day"`)}
      GROUP BY 1, 2
    ), inc AS (
      SELECT i."monitorId", ${year(Prisma.sql`i."openedAt"`)} AS year, 0 AS checks, 0 AS failures, 0 AS down, 0 AS flap, 0 AS hours,
        count(*) AS incidents, 0 AS mails, 0 AS sms
      FROM "Incident" i WHERE i."monitorId" IN (${ids}) AND i."kind" = 'HOST_DOWN' ${yearFilter(Prisma.sql`i."openedAt"`)}
      GROUP BY 1, 2
    ), sent AS (
      SELECT i."monitorId", ${year(sentAt)} AS year, 0 AS checks, 0 AS failures, 0 AS down, 0 AS flap, 0 AS hours, 0 AS incidents,
        count(*) FILTER (WHERE n."channel" = 'EMAIL') AS mails, count(*) FILTER (WHERE n."channel" = 'SMS') AS sms
      FROM "Notification" n JOIN "Incident" i ON i."id" = n."incidentId"
      WHERE i."monitorId" IN (${ids}) AND n."recipientRole" = 'CONTACT' AND n."status"::text IN ('YES', 'READ', 'DELIVERED') ${yearFilter(sentAt)}
      GROUP BY 1, 2
    )
    SELECT "monitorId", year, sum(checks)::bigint AS checks, sum(failures)::bigint AS failures, sum(down)::bigint AS down,
      sum(flap)::bigint AS flap, sum(hours)::bigint AS hours, sum(incidents)::bigint AS incidents, sum(mails)::bigint AS mails, sum(sms)::bigint AS sms
    FROM (SELECT * FROM roll UNION ALL SELECT * FROM host_days UNION ALL SELECT * FROM folded UNION ALL SELECT * FROM inc UNION ALL SELECT * FROM sent) AS all_rows
    GROUP BY "monitorId", year ORDER BY year, "monitorId"`;
  const byId = new Map(monitors.map((m) => [m.id, m]));
  return rows.map((r) => {
    const m = byId.get(r.monitorId)!;
    const hours = Number(r.hours);
    const down = Number(r.down);
    return {
      monitorId: r.monitorId,
      year: Number(r.year),
      host: m.host,
      contactName: m.contactName,
      contactPhone: m.contactPhone,
      checks: Number(r.checks),
      failures: Number(r.failures),
      downtimeSeconds: down,
      flappingSeconds: Number(r.flap),
      monitoredHours: hours,
      availability: Number(r.checks) > 0 ? (Number(r.checks) - Number(r.failures)) / Number(r.checks) : null,
      incidents: Number(r.incidents),
      mailsSent: Number(r.mails),
      smsSent: Number(r.sms),
    };
  });
}
