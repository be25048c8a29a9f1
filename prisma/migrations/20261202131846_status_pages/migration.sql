-- CreateTable
CREATE TABLE "StatusPage" (
    "id" TEXT NOT NULL,
    "accountId" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "published" BOOLEAN NOT NULL DEFAULT false,
    "language" "Language" NOT NULL DEFAULT 'ko',
    "timeZone" TEXT NOT NULL DEFAULT 'Asia/Seoul',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "StatusPage_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "StatusPageItem" (
    "id" TEXT NOT NULL,
    "pageId" TEXT NOT NULL,
    "monitorId" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "ports" INTEGER[],
    "showAddress" BOOLEAN NOT NULL DEFAULT false,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "StatusPageItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "IncidentPublicNote" (
    "incidentId" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "IncidentPublicNote_pkey" PRIMARY KEY ("incidentId")
);

-- CreateIndex
CREATE UNIQUE INDEX "StatusPage_slug_key" ON "StatusPage"("slug");

-- CreateIndex
CREATE INDEX "StatusPage_accountId_idx" ON "StatusPage"("accountId");

-- CreateIndex
CREATE INDEX "StatusPageItem_monitorId_idx" ON "StatusPageItem"("monitorId");

-- CreateIndex
CREATE UNIQUE INDEX "StatusPageItem_pageId_monitorId_key" ON "StatusPageItem"("pageId", "monitorId");

-- AddForeignKey
ALTER TABLE "StatusPage" ADD CONSTRAINT "StatusPage_accountId_fkey" FOREIGN KEY ("accountId") REFERENCES "Account"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatusPageItem" ADD CONSTRAINT "StatusPageItem_pageId_fkey" FOREIGN KEY ("pageId") REFERENCES "StatusPage"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "StatusPageItem" ADD CONSTRAINT "StatusPageItem_monitorId_fkey" FOREIGN KEY ("monitorId") REFERENCES "Monitor"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "IncidentPublicNote" ADD CONSTRAINT "IncidentPublicNote_incidentId_fkey" FOREIGN KEY ("incidentId") REFERENCES "Incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;
