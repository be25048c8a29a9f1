/*
  Warnings:

  - FailureLog (one row per failed check) is replaced by FailureRun, its rows are copied first.

*/
-- CreateTable
CREATE TABLE "FailureRun" (
    "id" BIGSERIAL NOT NULL,
    "monitorId" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "firstAt" TIMESTAMP(3) NOT NULL,
    "lastAt" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL,
    "slots" SMALLINT[],
    "code" TEXT NOT NULL,
    "message" TEXT NOT NULL,
    "latencyMs" DOUBLE PRECISION,
    "flapping" BOOLEAN NOT NULL DEFAULT false,
    "maintenance" BOOLEAN NOT NULL DEFAULT false,
    "incidentId" TEXT,

    CONSTRAINT "FailureRun_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FailureRun_firstAt_idx" ON "FailureRun"("firstAt");

-- CreateIndex
CREATE UNIQUE INDEX "FailureRun_monitorId_port_firstAt_key" ON "FailureRun"("monitorId", "port", "firstAt");

-- AddForeignKey
ALTER TABLE "FailureRun" ADD CONSTRAINT "FailureRun_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "FailureRun" ADD CONSTRAINT "FailureRun_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- Existing per-check rows become runs of their own (count 1, same-instant rows of a port merge):
-- nothing is lost and figures stay identical. New failures are compacted as they come.
INSERT INTO "FailureRun" ("monitorId","port","firstAt","lastAt","count","slots","code","message","latencyMs","flapping","incidentId")
SELECT "monitorId", "port", "at", "at", count(*)::int, ARRAY[count(*)::smallint], min("code"), min("message"), max("latencyMs"),
  bool_or("flapping"), min("incidentId")
FROM "FailureLog" GROUP BY "monitorId", "port", "at";

-- Rows updated in place (a growing run, rollup counters, port state) leave room on their page
-- for HOT updates (no index change: the new version stays on the page, no index bloat).
ALTER TABLE "FailureRun" SET (fillfactor = 70);
ALTER TABLE "HourlyRollup" SET (fillfactor = 70);
ALTER TABLE "PortState" SET (fillfactor = 70);

-- DropForeignKey
ALTER TABLE "FailureLog" DROP CONSTRAINT "FailureLog_incidentId_fkey";

-- DropForeignKey
ALTER TABLE "FailureLog" DROP CONSTRAINT "FailureLog_monitorId_fkey";

-- DropTable
DROP TABLE "FailureLog";

