-- The host day layer (issue 21, docs/storage.md "The host day layer"): one row per host and UTC
-- day, with per-UTC-hour host figures (the ports' checks and failures summed, the longest down
-- and flapping seconds of any port), the day's totals as the yearly statistics add them (each
-- hour capped at 3,600 s), and the day's failure runs per UTC quarter hour. The year screens
-- read it for past days instead of every port's hours and every run. Written once per day when
-- the day is packed (fill factor 100), partitioned by month on "day" like "PortDayRollup"
-- (written by hand: Prisma's diff knows no partitions). Built here from the existing day rows
-- and runs (the statement server/services/rollups/host-days.ts runs when a day is packed).

CREATE TABLE "HostDayRollup" (
    "monitorId" TEXT NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "hours" INTEGER NOT NULL DEFAULT 0,
    "hourTotal" SMALLINT NOT NULL DEFAULT 0,
    "checks" INTEGER[],
    "failures" INTEGER[],
    "downSeconds" SMALLINT[],
    "flapSeconds" SMALLINT[],
    "checkTotal" INTEGER NOT NULL DEFAULT 0,
    "failureTotal" INTEGER NOT NULL DEFAULT 0,
    "downTotal" INTEGER NOT NULL DEFAULT 0,
    "flapTotal" INTEGER NOT NULL DEFAULT 0,
    "runSlots" INTEGER[],
    "runFlapSlots" INTEGER[],
    "runFailures" INTEGER,
    "runFlapFailures" INTEGER,

    CONSTRAINT "HostDayRollup_pkey" PRIMARY KEY ("monitorId","day")
) PARTITION BY RANGE ("day");
CREATE TABLE "HostDayRollup_default" PARTITION OF "HostDayRollup" DEFAULT;
ALTER TABLE "HostDayRollup" ADD CONSTRAINT "HostDayRollup_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- every packed day: its host row, with the day's runs
WITH g AS (SELECT DISTINCT "monitorId", "day" FROM "PortDayRollup"), hh AS (
  SELECT p."monitorId", p."day", u.i::int AS i, bool_or(p."hours" & (1 << (u.i::int - 1)) <> 0) AS has,
    sum(CASE WHEN p."hours" & (1 << (u.i::int - 1)) <> 0 THEN coalesce(u.c, 0) ELSE 0 END)::int AS c,
    sum(CASE WHEN p."hours" & (1 << (u.i::int - 1)) <> 0 THEN coalesce(u.f, 0) ELSE 0 END)::int AS f,
    max(CASE WHEN p."hours" & (1 << (u.i::int - 1)) <> 0 THEN coalesce(u.d, 0) ELSE 0 END)::int AS d,
    max(CASE WHEN p."hours" & (1 << (u.i::int - 1)) <> 0 THEN coalesce(u.fl, 0) ELSE 0 END)::int AS fl
  FROM "PortDayRollup" p JOIN g ON g."monitorId" = p."monitorId" AND g."day" = p."day"
  CROSS JOIN LATERAL unnest(p."checks", p."failures", p."downSeconds", p."flapSeconds") WITH ORDINALITY AS u(c, f, d, fl, i)
  WHERE u.i <= 24
  GROUP BY 1, 2, 3
), hd AS (
  SELECT "monitorId", "day", sum(CASE WHEN has THEN 1 << (i - 1) ELSE 0 END)::int AS hours,
    count(*) FILTER (WHERE has)::smallint AS hour_total,
    array_agg(c ORDER BY i) AS checks,
    CASE WHEN bool_or(f <> 0) THEN array_agg(f ORDER BY i) END AS failures,
    CASE WHEN bool_or(d <> 0) THEN array_agg(d::smallint ORDER BY i) END AS down,
    CASE WHEN bool_or(fl <> 0) THEN array_agg(fl::smallint ORDER BY i) END AS flap,
    sum(c)::int AS check_total, sum(f)::int AS failure_total,
    sum(least(d, 3600))::int AS down_total, sum(least(fl, 3600))::int AS flap_total
  FROM hh GROUP BY 1, 2
), rq AS (
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
)
INSERT INTO "HostDayRollup" ("monitorId","day","hours","hourTotal","checks","failures","downSeconds","flapSeconds",
  "checkTotal","failureTotal","downTotal","flapTotal","runSlots","runFlapSlots","runFailures","runFlapFailures")
SELECT hd."monitorId", hd."day", hd.hours, hd.hour_total, hd.checks, hd.failures, hd.down, hd.flap,
  hd.check_total, hd.failure_total, hd.down_total, hd.flap_total, ra.slots, ra.fslots, coalesce(ra.n, 0), coalesce(ra.nf, 0)
FROM hd LEFT JOIN ra ON ra."monitorId" = hd."monitorId" AND ra."day" = hd."day"
ON CONFLICT ("monitorId","day") DO UPDATE SET "hours" = EXCLUDED."hours", "hourTotal" = EXCLUDED."hourTotal",
  "checks" = EXCLUDED."checks", "failures" = EXCLUDED."failures", "downSeconds" = EXCLUDED."downSeconds",
  "flapSeconds" = EXCLUDED."flapSeconds", "checkTotal" = EXCLUDED."checkTotal", "failureTotal" = EXCLUDED."failureTotal",
  "downTotal" = EXCLUDED."downTotal", "flapTotal" = EXCLUDED."flapTotal", "runSlots" = EXCLUDED."runSlots",
  "runFlapSlots" = EXCLUDED."runFlapSlots", "runFailures" = EXCLUDED."runFailures", "runFlapFailures" = EXCLUDED."runFlapFailures";
