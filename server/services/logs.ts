// A monitor's logs, as the seed keeps them: by year, month, day or hour. Buckets come from one
// SQL query (GROUP BY date_trunc in the viewer's time zone) over failure runs, incidents and
// the notification ledger; the drill-down lists failure runs with their incident's messages.
// Past days are read from their host day rows (docs/storage.md "The host day layer"): the runs'
// failed checks per quarter hour (or the day's total when the day lies in one bucket) and the
// per-hour flapping time; the current day from the runs and the hourly rollups.
// A run counts its failed checks per UTC quarter hour (FailureRun.slots): every zone's hour and
// day starts on a UTC quarter hour, so each bucket's failure count is exact in any time zone
// (a range whose from or to is not on a quarter hour counts the quarter it cuts by the quarter's start).
import { Prisma } from '../generated/prisma/client.ts';
import { NotFoundError, ValidationError, type FieldProblem } from './errors.ts';
import { findMonitor } from './monitor-queries.ts';
import { hostHours } from './rollups/host-days.ts';
import { hourlyRollups, unpackedDays } from './rollups/sql.ts';
import { ownedWhere } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export type LogGranularity = 'YEAR' | 'MONTH' | 'DAY' | 'HOUR';

export interface LogBucket {
  /** The bucket's first instant. */
  start: Date;
  /** Local label: "2026", "2026-03", "2026-03-01", "2026-03-01 09:00". */
  label: string;
  failures: number;
  incidents: number;
  mailsSent: number;
  smsSent: number;
  /** Failed checks in the bucket made while their port was FLAPPING. */
  flappingFailures: number;
  /** Time in the bucket during which at least one port was FLAPPING (from the hourly rollups). */
  flappingSeconds: number;
}

export interface MonitorLogOptions {
  monitorId: string;
  granularity: LogGranularity;
  from: Date;
  to: Date;
  timeZone: string;
}

const UNIT: Record<LogGranularity, string> = { YEAR: 'year', MONTH: 'month', DAY: 'day', HOUR: 'hour' };
const LABEL: Record<LogGranularity, string> = {
  YEAR: 'YYYY',
  MONTH: 'YYYY-MM',
  DAY: 'YYYY-MM-DD',
  HOUR: 'YYYY-MM-DD HH24:00',
};
const MAX_SPAN_DAYS: Record<LogGranularity, number> = { HOUR: 93, DAY: 3_700, MONTH: 36_600, YEAR: 36_600 };
/** Ledger statuses that count as "sent" (the seed's mails/SMS sent figures). */
export const SENT_STATUSES = ['YES', 'READ', 'DELIVERED'] as const;

export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return tz.length <= 64;
  } catch {
    return false;
  }
}

/** Checks a range and zone: pure. Paths are the query's argument names. */
export function validateLogRange(granularity: LogGranularity, from: Date, to: Date, timeZone: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (!isTimeZone(timeZone))
    problems.push({
      path: ['timeZone'],
      message: 'Unknown time zone (use an IANA name such as Asia/Seoul)',
      code: 'UNKNOWN_TIME_ZONE',
    });
  if (!(to.getTime() > from.getTime()))
    problems.push({ path: ['to'], message: 'Must be after from', code: 'AFTER_START' });
  else if (to.getTime() - from.getTime() > MAX_SPAN_DAYS[granularity] * 86_400_000) {
    problems.push({
      path: ['to'],
      message: `At most ${MAX_SPAN_DAYS[granularity]} days for ${granularity.toLowerCase()} buckets`,
      code: 'SPAN_TOO_LONG',
      params: { days: MAX_SPAN_DAYS[granularity] },
    });
  }
  return problems;
}

interface BucketRow {
  start: string;
  label: string;
  failures: number;
  incidents: number;
  mails: number;
  sms: number;
  flapfail: number;
  flap: number;
}

/** Buckets with activity, oldest first, plus the range's totals. */
export async function getMonitorLog(deps: ServiceDeps, viewer: Viewer | null, opts: MonitorLogOptions) {
  const problems = validateLogRange(opts.granularity, opts.from, opts.to, opts.timeZone);
  if (problems.length) throw new ValidationError(problems);
  const monitor = await findMonitor(deps, viewer, opts.monitorId, { select: { id: true } });
  if (!monitor) throw new NotFoundError('Monitor');
  const tz = opts.timeZone;
  const unit = UNIT[opts.granularity];
  const lo = Prisma.sql`(${opts.from.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  const hi = Prisma.sql`(${opts.to.toISOString()}::timestamptz AT TIME ZONE 'UTC')`;
  // timestamp columns hold UTC: to local time, truncate, and the bucket's start back to UTC
  const bucket = (col: Prisma.Sql) => Prisma.sql`date_trunc(${unit}, ((${col}) AT TIME ZONE 'UTC') AT TIME ZONE ${tz})`;
  const sentAt = Prisma.sql`coalesce(n."sentAt", n."createdAt")`;
  // the start of a run's i-th quarter hour (UTC, like the columns)
  const slotAt = Prisma.sql`(date_bin('15 minutes', r."firstAt", timestamp '2000-01-01') + (s.i - 1) * interval '15 minutes')`;
  // a summarised host row's day lies in one bucket and in the range: its totals, no quarter hours
  const quarter = Prisma.sql`interval '23 hours 45 minutes'`;
  const wholeDay = Prisma.sql`d."day" >= ${lo} AND d."day" + ${quarter} < ${hi} AND ${bucket(Prisma.sql`d."day"`)} = ${bucket(Prisma.sql`d."day" + ${quarter}`)}
    AND coalesce(cardinality(d."runSlots"), 0) <= 96`;
  const lastHour = Prisma.sql`interval '23 hours'`;
  const wholeHours = Prisma.sql`(d."day" >= ${lo} AND d."day" + ${lastHour} < ${hi} AND ${bucket(Prisma.sql`d."day"`)} = ${bucket(Prisma.sql`d."day" + ${lastHour}`)})`;
  const hostDays = Prisma.sql`d."monitorId" = ${monitor.id} AND d."day" > ${lo} - interval '1 day' AND d."day" < ${hi}`;
  const rows = await deps.prisma.$queryRaw<BucketRow[]>`
    WITH slots AS (
      -- runs of days no host row summarises (the current day, days whose rollups were folded)
      SELECT ${slotAt} AS at, s.n, CASE WHEN r."flapping" THEN s.n ELSE 0 END AS nf
      FROM "FailureRun" r CROSS JOIN LATERAL unnest(r."slots") WITH ORDINALITY AS s(n, i)
      WHERE r."monitorId" = ${monitor.id} AND r."lastAt" >= ${lo} AND r."firstAt" < ${hi} AND s.n > 0
        AND NOT EXISTS (SELECT 1 FROM "HostDayRollup" d WHERE d."monitorId" = r."monitorId"
          AND d."day" = date_trunc('day', r."firstAt") AND d."runFailures" IS NOT NULL)
      UNION ALL
      -- summarised days across a bucket's start or the range's ends: per quarter hour
      SELECT d."day" + (q.i - 1) * interval '15 minutes' AS at, q.n, coalesce(q.nf, 0) AS nf
      FROM "HostDayRollup" d CROSS JOIN LATERAL unnest(d."runSlots", d."runFlapSlots") WITH ORDINALITY AS q(n, nf, i)
      WHERE ${hostDays} AND d."runFailures" > 0 AND NOT (${wholeDay}) AND q.n > 0
    ), fl AS (
      SELECT ${bucket(Prisma.sql`at`)} AS b, n AS failures, 0 AS incidents, 0 AS mails, 0 AS sms, nf AS flapfail, 0 AS flap
      FROM slots WHERE at >= ${lo} AND at < ${hi}
      UNION ALL
      SELECT ${bucket(Prisma.sql`d."day"`)} AS b, d."runFailures", 0, 0, 0, d."runFlapFailures", 0
      FROM "HostDayRollup" d WHERE ${hostDays} AND d."runFailures" > 0 AND ${wholeDay}
    ), inc_rows AS (
      SELECT ${bucket(Prisma.sql`"openedAt"`)} AS b, 0 AS failures, 1 AS incidents, 0 AS mails, 0 AS sms, 0 AS flapfail, 0 AS flap
      FROM "Incident" WHERE "monitorId" = ${monitor.id} AND "kind" = 'HOST_DOWN' AND "openedAt" >= ${lo} AND "openedAt" < ${hi}
    ), sent AS (
      SELECT ${bucket(sentAt)} AS b, 0 AS failures, 0 AS incidents,
        CASE WHEN n."channel" = 'EMAIL' THEN 1 ELSE 0 END AS mails, CASE WHEN n."channel" = 'SMS' THEN 1 ELSE 0 END AS sms,
        0 AS flapfail, 0 AS flap
      FROM "Incident" inc CROSS JOIN LATERAL (
        -- each incident's ledger rows by its index (OFFSET 0 keeps the planner from scanning the whole ledger)
        SELECT n.* FROM "Notification" n WHERE n."incidentId" = inc."id" AND n."recipientRole" = 'CONTACT'
          AND n."status"::text IN ('YES', 'READ', 'DELIVERED') OFFSET 0
      ) n
      WHERE inc."monitorId" = ${monitor.id} AND ${sentAt} >= ${lo} AND ${sentAt} < ${hi}
    ), recent AS (
      -- days a host row cannot stand for: with hourly rows not packed yet (the current day, a late hour)
      ${unpackedDays(Prisma.sql`r."monitorId" = ${monitor.id}`)}
    ), host_flap AS MATERIALIZED (
      -- host rows with flapping time, each with whether its 24 hours fall in one bucket inside the range (once per day)
      SELECT d."day", d."hours", ${hostHours('flapSeconds')} AS "flapSeconds", ${wholeHours} AS whole FROM "HostDayRollup" d
      WHERE ${hostDays} AND d."flapTotal" > 0
        AND NOT EXISTS (SELECT 1 FROM recent r WHERE r."monitorId" = d."monitorId" AND r.day = d."day")
    ), flaps AS (
      SELECT ${bucket(Prisma.sql`"hour"`)} AS b, 0 AS failures, 0 AS incidents, 0 AS mails, 0 AS sms, 0 AS flapfail, max(flap) AS flap
      FROM (
        SELECT "port", "hour", sum("flapSeconds") AS flap
        FROM (${hourlyRollups({ monitor: Prisma.sql`r."monitorId" = ${monitor.id}`, from: lo, to: hi, flapping: true, packedDays: Prisma.sql`SELECT "monitorId", day FROM recent` })}) h
        WHERE "flapSeconds" > 0 AND "hour" >= ${lo} AND "hour" < ${hi}
        GROUP BY "port", "hour"
      ) per_port
      GROUP BY "hour"
      UNION ALL
      SELECT ${bucket(Prisma.sql`x.t`)}, 0, 0, 0, 0, 0, sum(x.flap)
      FROM (
        -- a day whose 24 hours fall in one bucket inside the range adds up at its start (no zone arithmetic per hour)
        SELECT CASE WHEN d.whole THEN d."day" ELSE d."day" + (u.i - 1) * interval '1 hour' END AS t,
          d."day" + (u.i - 1) * interval '1 hour' AS "hour", u.fl AS flap
        FROM host_flap d CROSS JOIN LATERAL unnest(d."flapSeconds") WITH ORDINALITY AS u(fl, i)
        WHERE u.fl > 0 AND d."hours" & (1 << (u.i::int - 1)) <> 0
      ) x WHERE x."hour" >= ${lo} AND x."hour" < ${hi}
      GROUP BY x.t
      UNION ALL
      SELECT ${bucket(Prisma.sql`"day"`)} AS b, 0, 0, 0, 0, 0, "flapSeconds" AS flap
      FROM "DailyRollup" WHERE "monitorId" = ${monitor.id} AND "flapSeconds" > 0 AND "day" >= ${lo} AND "day" < ${hi}
    )
    SELECT to_char((b AT TIME ZONE ${tz}) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS start,
      to_char(b, ${LABEL[opts.granularity]}) AS label,
      sum(failures)::int AS failures, sum(incidents)::int AS incidents, sum(mails)::int AS mails, sum(sms)::int AS sms,
      sum(flapfail)::int AS flapfail, sum(flap)::int AS flap
    FROM (SELECT * FROM fl UNION ALL SELECT * FROM inc_rows UNION ALL SELECT * FROM sent UNION ALL SELECT * FROM flaps) AS all_rows
    GROUP BY b ORDER BY b`;
  const buckets: LogBucket[] = rows.map((r) => ({
    start: new Date(r.start),
    label: r.label,
    failures: Number(r.failures),
    incidents: Number(r.incidents),
    mailsSent: Number(r.mails),
    smsSent: Number(r.sms),
    flappingFailures: Number(r.flapfail),
    flappingSeconds: Number(r.flap),
  }));
  const totals = buckets.reduce(
    (t, b) => ({
      failures: t.failures + b.failures,
      incidents: t.incidents + b.incidents,
      mailsSent: t.mailsSent + b.mailsSent,
      smsSent: t.smsSent + b.smsSent,
    }),
    { failures: 0, incidents: 0, mailsSent: 0, smsSent: 0 },
  );
  return { monitorId: monitor.id, granularity: opts.granularity, timeZone: tz, buckets, totals };
}

export interface ListFailuresOptions {
  monitorId: string;
  from?: Date | null;
  to?: Date | null;
  port?: number | null;
}

/** Runs that overlap [from, to): their last check at or after `from`, their first before `to`. */
export function failureListWhere(viewer: Viewer | null, opts: ListFailuresOptions): Prisma.FailureRunWhereInput {
  return {
    monitorId: opts.monitorId,
    monitor: ownedWhere(viewer),
    ...(opts.port != null ? { port: opts.port } : {}),
    ...(opts.from ? { lastAt: { gte: opts.from } } : {}),
    ...(opts.to ? { firstAt: { lt: opts.to } } : {}),
  };
}

type FailureQuery = Omit<Prisma.FailureRunFindManyArgs, 'where' | 'orderBy'>;

/** The detail list: failure runs, newest first. */
export function listFailures(deps: ServiceDeps, viewer: Viewer | null, opts: ListFailuresOptions, query: FailureQuery) {
  return deps.prisma.failureRun.findMany({
    ...query,
    where: failureListWhere(viewer, opts),
    orderBy: [{ firstAt: 'desc' }, { id: 'desc' }],
  });
}

/** Runs in the list. */
export function countFailures(deps: ServiceDeps, viewer: Viewer | null, opts: ListFailuresOptions) {
  return deps.prisma.failureRun.count({ where: failureListWhere(viewer, opts) });
}
