-- CreateIndex
CREATE INDEX "Incident_openedAt_idx" ON "Incident"("openedAt");

-- CreateIndex
CREATE INDEX "Monitor_host_id_idx" ON "Monitor"("host", "id");

-- CreateIndex
CREATE INDEX "PortState_phase_monitorId_idx" ON "PortState"("phase", "monitorId");
