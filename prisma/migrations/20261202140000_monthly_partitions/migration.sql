-- Monthly partitions (issue 21, docs/storage.md): FailureRun by "firstAt", HourlyRollup by "hour",
-- NotificationEvent (the ledger's event timeline) by "at". Prisma does not model partitioning, so
-- this migration is written by hand. Each table gets a DEFAULT partition here (an insert never
-- fails for lack of a partition); the monthly partitions ("<table>_pYYYY_MM") are created by the
-- product itself (server/db/partitions.ts: at start and every ten minutes, the current month and
-- the next two), which also moves rows of a new month out of the DEFAULT partition.
-- A primary key must contain the partition key: FailureRun's becomes ("id","firstAt") and
-- NotificationEvent's ("id","at") (ids still come from their sequences); HourlyRollup's contains
-- "hour" already. Storage parameters (fillfactor) are set on each partition.

-- FailureRun
ALTER TABLE "FailureRun" RENAME TO "FailureRun_old";
ALTER INDEX "FailureRun_pkey" RENAME TO "FailureRun_old_pkey";
ALTER INDEX "FailureRun_firstAt_idx" RENAME TO "FailureRun_old_firstAt_idx";
ALTER INDEX "FailureRun_monitorId_port_firstAt_key" RENAME TO "FailureRun_old_monitorId_port_firstAt_key";
ALTER SEQUENCE "FailureRun_id_seq" OWNED BY NONE;
CREATE TABLE "FailureRun" (
    "id" BIGINT NOT NULL DEFAULT nextval('"FailureRun_id_seq"'),
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
    CONSTRAINT "FailureRun_pkey" PRIMARY KEY ("id","firstAt")
) PARTITION BY RANGE ("firstAt");
ALTER SEQUENCE "FailureRun_id_seq" OWNED BY "FailureRun"."id";
CREATE TABLE "FailureRun_default" PARTITION OF "FailureRun" DEFAULT WITH (fillfactor = 70);
CREATE INDEX "FailureRun_firstAt_idx" ON "FailureRun"("firstAt");
CREATE UNIQUE INDEX "FailureRun_monitorId_port_firstAt_key" ON "FailureRun"("monitorId", "port", "firstAt");
ALTER TABLE "FailureRun" ADD CONSTRAINT "FailureRun_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "FailureRun" ADD CONSTRAINT "FailureRun_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;
INSERT INTO "FailureRun" ("id","monitorId","port","firstAt","lastAt","count","slots","code","message","latencyMs","flapping","maintenance","incidentId")
  SELECT "id","monitorId","port","firstAt","lastAt","count","slots","code","message","latencyMs","flapping","maintenance","incidentId" FROM "FailureRun_old";
DROP TABLE "FailureRun_old";

-- HourlyRollup
ALTER TABLE "HourlyRollup" RENAME TO "HourlyRollup_old";
ALTER INDEX "HourlyRollup_pkey" RENAME TO "HourlyRollup_old_pkey";
ALTER INDEX "HourlyRollup_hour_idx" RENAME TO "HourlyRollup_old_hour_idx";
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
) PARTITION BY RANGE ("hour");
CREATE TABLE "HourlyRollup_default" PARTITION OF "HourlyRollup" DEFAULT WITH (fillfactor = 70);
CREATE INDEX "HourlyRollup_hour_idx" ON "HourlyRollup"("hour");
ALTER TABLE "HourlyRollup" ADD CONSTRAINT "HourlyRollup_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
INSERT INTO "HourlyRollup" SELECT "monitorId","port","hour","checks","failures","latencySumMs","latencyCount","latencyMinMs","latencyMaxMs","downSeconds","flapSeconds" FROM "HourlyRollup_old";
DROP TABLE "HourlyRollup_old";

-- NotificationEvent
ALTER TABLE "NotificationEvent" RENAME TO "NotificationEvent_old";
ALTER INDEX "NotificationEvent_pkey" RENAME TO "NotificationEvent_old_pkey";
ALTER INDEX "NotificationEvent_notificationId_at_idx" RENAME TO "NotificationEvent_old_notificationId_at_idx";
ALTER SEQUENCE "NotificationEvent_id_seq" OWNED BY NONE;
CREATE TABLE "NotificationEvent" (
    "id" BIGINT NOT NULL DEFAULT nextval('"NotificationEvent_id_seq"'),
    "notificationId" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status" "NotificationStatus" NOT NULL,
    "detail" TEXT,
    "raw" JSONB,
    CONSTRAINT "NotificationEvent_pkey" PRIMARY KEY ("id","at")
) PARTITION BY RANGE ("at");
ALTER SEQUENCE "NotificationEvent_id_seq" OWNED BY "NotificationEvent"."id";
CREATE TABLE "NotificationEvent_default" PARTITION OF "NotificationEvent" DEFAULT;
CREATE INDEX "NotificationEvent_notificationId_at_idx" ON "NotificationEvent"("notificationId", "at");
ALTER TABLE "NotificationEvent" ADD CONSTRAINT "NotificationEvent_notificationId_fkey" FOREIGN KEY ("notificationId") REFERENCES "Notification"("id") ON DELETE CASCADE ON UPDATE CASCADE;
INSERT INTO "NotificationEvent" ("id","notificationId","at","status","detail","raw")
  SELECT "id","notificationId","at","status","detail","raw" FROM "NotificationEvent_old";
DROP TABLE "NotificationEvent_old";
