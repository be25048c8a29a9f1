-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "Channel" ADD VALUE 'ALIMTALK';
ALTER TYPE "Channel" ADD VALUE 'SLACK';
ALTER TYPE "Channel" ADD VALUE 'TELEGRAM';
ALTER TYPE "Channel" ADD VALUE 'WEBHOOK';

-- AlterEnum
ALTER TYPE "NotificationKind" ADD VALUE 'ACKNOWLEDGED';

-- AlterTable
ALTER TABLE "AdminRecipient" ADD COLUMN     "alimtalkEnabled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Monitor" ADD COLUMN     "alimtalkEnabled" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "endpointId" TEXT,
ADD COLUMN     "fallbackAt" TIMESTAMP(3),
ADD COLUMN     "fallbackForId" TEXT;

-- CreateTable
CREATE TABLE "NotifyEndpoint" (
    "id" TEXT NOT NULL,
    "accountId" TEXT,
    "adminRecipientId" TEXT,
    "channel" "Channel" NOT NULL,
    "label" TEXT NOT NULL,
    "target" TEXT NOT NULL,
    "secret" TEXT,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "allowPrivate" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotifyEndpoint_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "NotifyEndpoint_accountId_idx" ON "NotifyEndpoint"("accountId");

-- CreateIndex
CREATE INDEX "NotifyEndpoint_adminRecipientId_idx" ON "NotifyEndpoint"("adminRecipientId");

-- CreateIndex
CREATE INDEX "Notification_channel_status_fallbackAt_idx" ON "Notification"("channel", "status", "fallbackAt");

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "NotifyEndpoint"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Notification" ADD CONSTRAINT "Notification_fallbackForId_fkey" FOREIGN KEY ("fallbackForId") REFERENCES "Notification"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NotifyEndpoint" ADD CONSTRAINT "NotifyEndpoint_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NotifyEndpoint" ADD CONSTRAINT "NotifyEndpoint_adminRecipientId_fkey" FOREIGN KEY ("adminRecipientId") REFERENCES "AdminRecipient"("id") ON DELETE CASCADE ON UPDATE CASCADE;
