-- AlterEnum
ALTER TYPE "IncidentKind" ADD VALUE 'CERT_EXPIRY';

-- AlterEnum
ALTER TYPE "NotificationKind" ADD VALUE 'CERT_EXPIRING';

-- AlterTable
ALTER TABLE "Account" ADD COLUMN     "certWarnDays" JSONB;

-- AlterTable
ALTER TABLE "Monitor" ADD COLUMN     "checks" JSONB;

-- CreateTable
CREATE TABLE "Certificate" (
    "id" TEXT NOT NULL,
    "monitorId" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "sans" TEXT[],
    "serialNumber" TEXT NOT NULL,
    "validFrom" TIMESTAMP(3) NOT NULL,
    "validTo" TIMESTAMP(3) NOT NULL,
    "protocol" TEXT,
    "cipher" TEXT,
    "trusted" BOOLEAN NOT NULL,
    "trustError" TEXT,
    "checkedName" TEXT NOT NULL,
    "nameMatches" BOOLEAN NOT NULL,
    "firstSeenAt" TIMESTAMP(3) NOT NULL,
    "lastSeenAt" TIMESTAMP(3) NOT NULL,
    "current" BOOLEAN NOT NULL DEFAULT true,
    "incidentId" TEXT,
    "warnedDays" INTEGER,

    CONSTRAINT "Certificate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_incidentId_key" ON "Certificate"("incidentId");

-- CreateIndex
CREATE INDEX "Certificate_current_validTo_idx" ON "Certificate"("current", "validTo");

-- CreateIndex
CREATE INDEX "Certificate_accountId_current_validTo_idx" ON "Certificate"("accountId", "current", "validTo");

-- CreateIndex
CREATE UNIQUE INDEX "Certificate_monitorId_port_fingerprint_key" ON "Certificate"("monitorId", "port", "fingerprint");

-- AddForeignKey
ALTER TABLE "Certificate" ADD CONSTRAINT "Certificate_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;
