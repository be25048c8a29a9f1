-- The hourly rollups of past days, packed (issue 21, docs/storage.md): one row per port and UTC day
-- instead of 24 per port and day. "HourlyRollup" keeps only the current day's rows (updated every
-- 5 minutes), not partitioned any more; once a day is over the product packs its rows into
-- "PortDayRollup" (written once: fill factor 100) and deletes them.
-- Each figure is an array indexed by the UTC hour (element 1 = 00:00–01:00);
-- "hours" has bit h set when hour h had a rollup. A figure that is zero all day is NULL, and
-- "latencyCount" is NULL while it equals checks − failures in every hour (the probe's rows always).
-- Latency extremes are whole microseconds (the probe measures to the microsecond). Partitioned by
-- month on "day" like the table it replaces (written by hand: Prisma's diff knows no partitions).
-- Every old row is converted (figures unchanged), then the old table is dropped.

CREATE TABLE "PortDayRollup" (
    "monitorId" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "day" TIMESTAMP(3) NOT NULL,
    "hours" INTEGER NOT NULL DEFAULT 0,
    "checks" SMALLINT[],
    "failures" SMALLINT[],
    "latencyCount" SMALLINT[],
    "latencySumMs" DOUBLE PRECISION[],
    "latencyMinUs" INTEGER[],
    "latencyMaxUs" INTEGER[],
    "downSeconds" SMALLINT[],
    "flapSeconds" SMALLINT[],

    CONSTRAINT "PortDayRollup_pkey" PRIMARY KEY ("monitorId","port","day")
) PARTITION BY RANGE ("day");
CREATE TABLE "PortDayRollup_default" PARTITION OF "PortDayRollup" DEFAULT;
ALTER TABLE "PortDayRollup" ADD CONSTRAINT "PortDayRollup_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Element-wise merges for a day packed again (an hour written after its day was packed), see
-- server/services/rollups/sql.ts. NULL is "all zero" for sums and "no value" for extremes.
CREATE FUNCTION "rollup_add"(a SMALLINT[], b SMALLINT[]) RETURNS SMALLINT[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    ELSE ARRAY(SELECT (coalesce(x, 0) + coalesce(y, 0))::smallint FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i) END
$$;
CREATE FUNCTION "rollup_add"(a DOUBLE PRECISION[], b DOUBLE PRECISION[]) RETURNS DOUBLE PRECISION[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    ELSE ARRAY(SELECT coalesce(x, 0) + coalesce(y, 0) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i) END
$$;
CREATE FUNCTION "rollup_least"(a INTEGER[], b INTEGER[]) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    ELSE ARRAY(SELECT least(x, y) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i) END
$$;
CREATE FUNCTION "rollup_greatest"(a INTEGER[], b INTEGER[]) RETURNS INTEGER[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN a IS NULL THEN b WHEN b IS NULL THEN a
    ELSE ARRAY(SELECT greatest(x, y) FROM unnest(a, b) WITH ORDINALITY AS t(x, y, i) ORDER BY i) END
$$;
-- checks − failures per hour (the latency count a NULL "latencyCount" stands for)
CREATE FUNCTION "rollup_answered"(c SMALLINT[], f SMALLINT[]) RETURNS SMALLINT[] LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN f IS NULL THEN c
    ELSE ARRAY(SELECT (coalesce(x, 0) - coalesce(y, 0))::smallint FROM unnest(c, f) WITH ORDINALITY AS t(x, y, i) ORDER BY i) END
$$;

-- the old rows, one row per (monitor, port, UTC day); values beyond SMALLINT (not written by the
-- product: at most a few hundred checks and 3,600 s per port-hour) are capped
INSERT INTO "PortDayRollup" ("monitorId","port","day","hours","checks","failures","latencyCount","latencySumMs","latencyMinUs","latencyMaxUs","downSeconds","flapSeconds")
SELECT g."monitorId", g."port", g.day,
  sum(CASE WHEN h."hour" IS NULL THEN 0 ELSE 1 << i END)::int,
  array_agg(least(coalesce(h."checks", 0), 32767)::smallint ORDER BY i),
  CASE WHEN bool_or(h."failures" <> 0) THEN array_agg(least(coalesce(h."failures", 0), 32767)::smallint ORDER BY i) END,
  CASE WHEN bool_or(h."latencyCount" <> h."checks" - h."failures")
    THEN array_agg(least(coalesce(h."latencyCount", 0), 32767)::smallint ORDER BY i) END,
  CASE WHEN bool_or(h."latencyCount" > 0 OR h."latencySumMs" <> 0) THEN array_agg(coalesce(h."latencySumMs", 0) ORDER BY i) END,
  CASE WHEN bool_or(h."latencyMinMs" IS NOT NULL) THEN array_agg(round(h."latencyMinMs" * 1000)::int ORDER BY i) END,
  CASE WHEN bool_or(h."latencyMaxMs" IS NOT NULL) THEN array_agg(round(h."latencyMaxMs" * 1000)::int ORDER BY i) END,
  CASE WHEN bool_or(h."downSeconds" <> 0) THEN array_agg(least(coalesce(h."downSeconds", 0), 32767)::smallint ORDER BY i) END,
  CASE WHEN bool_or(h."flapSeconds" <> 0) THEN array_agg(least(coalesce(h."flapSeconds", 0), 32767)::smallint ORDER BY i) END
FROM (SELECT DISTINCT "monitorId", "port", date_trunc('day', "hour") AS day FROM "HourlyRollup") g
CROSS JOIN generate_series(0, 23) AS i
LEFT JOIN "HourlyRollup" h ON h."monitorId" = g."monitorId" AND h."port" = g."port" AND h."hour" = g.day + i * interval '1 hour'
GROUP BY g."monitorId", g."port", g.day;

DROP TABLE "HourlyRollup";
CREATE TABLE "HourlyRollup" (
    "monitorId" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "hour" TIMESTAMP(3) NOT NULL,
    "checks" INTEGER NOT NULL DEFAULT 0,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "latencySumMs" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "latencyCount" INTEGER NOT NULL DEFAULT 0,
    "latencyMinMs" DOUBLE PRECISION,
    "latencyMaxMs" DOUBLE PRECISION,
    "downSeconds" INTEGER NOT NULL DEFAULT 0,
    "flapSeconds" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "HourlyRollup_pkey" PRIMARY KEY ("monitorId","port","hour")
) WITH (fillfactor = 70);
CREATE INDEX "HourlyRollup_hour_idx" ON "HourlyRollup"("hour");
ALTER TABLE "HourlyRollup" ADD CONSTRAINT "HourlyRollup_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
