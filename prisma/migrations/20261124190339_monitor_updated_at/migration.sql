-- CreateIndex
CREATE INDEX "Monitor_updatedAt_idx" ON "Monitor"("updatedAt");
