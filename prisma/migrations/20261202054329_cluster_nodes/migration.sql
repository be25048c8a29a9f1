-- AlterTable
ALTER TABLE "Notification" ADD COLUMN     "lockedBy" TEXT;

-- AlterTable
ALTER TABLE "ProbeNode" ADD COLUMN     "instance" TEXT,
ADD COLUMN     "probing" BOOLEAN NOT NULL DEFAULT true;

-- CreateIndex
CREATE INDEX "ProbeNode_instance_idx" ON "ProbeNode"("instance");
