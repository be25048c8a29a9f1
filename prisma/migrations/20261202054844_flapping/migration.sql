-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "NotificationKind" ADD VALUE 'FLAPPING';
ALTER TYPE "NotificationKind" ADD VALUE 'STABLE';

-- AlterTable
ALTER TABLE "FailureLog" ADD COLUMN     "flapping" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "HourlyRollup" ADD COLUMN     "flapSeconds" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Incident" ADD COLUMN     "flapFigures" JSONB,
ADD COLUMN     "flapping" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "Monitor" ADD COLUMN     "flapChanges" INTEGER,
ADD COLUMN     "flapEnabled" BOOLEAN,
ADD COLUMN     "flapFailedPercent" INTEGER,
ADD COLUMN     "flapWindow" INTEGER;

-- AlterTable
ALTER TABLE "PortState" ADD COLUMN     "flapHistory" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "flapping" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "flappingSince" TIMESTAMP(3);
