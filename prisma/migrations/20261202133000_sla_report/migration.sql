-- Monthly SLA report (issue 17): a per-account availability target and the opt-in monthly e-mail.
ALTER TABLE "Account" ADD COLUMN "slaTargetPercent" DOUBLE PRECISION;
ALTER TABLE "Account" ADD COLUMN "slaReportMail" BOOLEAN NOT NULL DEFAULT false;

-- Availability reads the prober's own outages (PROBE_DEGRADED) overlapping a range.
CREATE INDEX "Incident_kind_openedAt_idx" ON "Incident"("kind", "openedAt");
