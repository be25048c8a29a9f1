-- The monthly SLA e-mail (issue 17): its ledger anchor (an SLA_REPORT incident per account and
-- month, id 'sla-<account>-<YYYY-MM>', so a second process or a restart cannot create it twice)
-- and its ledger row kind; when the e-mail was switched on (a month is sent only if it was on
-- when that month ended).
ALTER TYPE "IncidentKind" ADD VALUE 'SLA_REPORT';

ALTER TYPE "NotificationKind" ADD VALUE 'SLA_REPORT';

ALTER TABLE "Account" ADD COLUMN     "slaReportMailSince" TIMESTAMP(3);
-- accounts that had switched it on before: from now (this month's report is their first)
UPDATE "Account" SET "slaReportMailSince" = CURRENT_TIMESTAMP WHERE "slaReportMail";
