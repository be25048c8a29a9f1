-- CreateEnum
CREATE TYPE "IncidentCloseReason" AS ENUM ('RECOVERED', 'PORTS_REMOVED', 'MONITOR_PAUSED', 'MONITOR_DELETED', 'STABLE');

-- AlterEnum
ALTER TYPE "IncidentKind" ADD VALUE 'TEST';

-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "NotificationKind" ADD VALUE 'CLOSED';
ALTER TYPE "NotificationKind" ADD VALUE 'TEST';

-- AlterEnum
ALTER TYPE "NotificationStatus" ADD VALUE 'NOT_SENT';

-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "closeReason" "IncidentCloseReason";
