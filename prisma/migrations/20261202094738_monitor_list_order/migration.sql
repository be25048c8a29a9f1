-- AlterTable
ALTER TABLE "Monitor" ADD COLUMN     "down" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "failing" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "hostOrder" INET;

-- CreateIndex
CREATE INDEX "Monitor_failing_hostOrder_id_idx" ON "Monitor"("failing" DESC, "hostOrder", "id");

-- CreateIndex
CREATE INDEX "Monitor_accountId_failing_hostOrder_id_idx" ON "Monitor"("accountId", "failing" DESC, "hostOrder", "id");

-- The list order and the status filters read Monitor."failing" / "down", kept here by the
-- database from PortState, so every writer (the probe's batches, edits, pauses, deletes, another
-- process) leaves them true: a configured port (ports removed by an edit no longer count) of a
-- live, unpaused monitor is SUSPECT, DOWN, RECOVERING or FLAPPING / DOWN or RECOVERING.
CREATE FUNCTION "monitor_problem"(mid TEXT, mports INTEGER[], OUT failing BOOLEAN, OUT down BOOLEAN) LANGUAGE sql STABLE AS $$
  SELECT coalesce(bool_or(ps."phase" IN ('SUSPECT', 'DOWN', 'RECOVERING') OR ps."flapping"), false),
         coalesce(bool_or(ps."phase" IN ('DOWN', 'RECOVERING')), false)
  FROM "PortState" ps WHERE ps."monitorId" = mid AND ps."port" = ANY(mports)
$$;

CREATE FUNCTION "host_inet"(h TEXT) RETURNS inet LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  RETURN h::inet;
EXCEPTION WHEN others THEN
  RETURN NULL;
END $$;

CREATE FUNCTION "monitor_before_write"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW."host" IS DISTINCT FROM OLD."host" THEN
    NEW."hostOrder" := "host_inet"(NEW."host");
  END IF;
  IF NEW."deletedAt" IS NOT NULL OR NEW."pausedAt" IS NOT NULL THEN
    NEW."failing" := false;
    NEW."down" := false;
  ELSIF TG_OP = 'INSERT' OR NEW."ports" IS DISTINCT FROM OLD."ports" OR OLD."deletedAt" IS NOT NULL OR OLD."pausedAt" IS NOT NULL THEN
    SELECT p.failing, p.down INTO NEW."failing", NEW."down" FROM "monitor_problem"(NEW."id", NEW."ports") p;
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER "monitor_before_write" BEFORE INSERT OR UPDATE ON "Monitor" FOR EACH ROW EXECUTE FUNCTION "monitor_before_write"();

CREATE FUNCTION "port_state_after_write"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  mid TEXT;
BEGIN
  IF TG_OP = 'DELETE' THEN mid := OLD."monitorId"; ELSE mid := NEW."monitorId"; END IF;
  UPDATE "Monitor" m SET "failing" = p.failing, "down" = p.down
  FROM "monitor_problem"(mid, (SELECT "ports" FROM "Monitor" WHERE "id" = mid)) p
  WHERE m."id" = mid AND m."deletedAt" IS NULL AND m."pausedAt" IS NULL
    AND (m."failing" IS DISTINCT FROM p.failing OR m."down" IS DISTINCT FROM p.down);
  RETURN NULL;
END $$;

-- Only rows that can change the answer run it: a port's first state of UP (most of them), the
-- 10-minute refresh of steady ports and UP ↔ PAUSED / MAINTENANCE moves never do.
CREATE TRIGGER "port_state_after_insert" AFTER INSERT ON "PortState" FOR EACH ROW
  WHEN (NEW."phase" IN ('SUSPECT', 'DOWN', 'RECOVERING') OR NEW."flapping")
  EXECUTE FUNCTION "port_state_after_write"();
CREATE TRIGGER "port_state_after_delete" AFTER DELETE ON "PortState" FOR EACH ROW
  WHEN (OLD."phase" IN ('SUSPECT', 'DOWN', 'RECOVERING') OR OLD."flapping")
  EXECUTE FUNCTION "port_state_after_write"();
CREATE TRIGGER "port_state_after_update" AFTER UPDATE ON "PortState" FOR EACH ROW
  WHEN ((OLD."phase" IN ('SUSPECT', 'DOWN', 'RECOVERING') OR OLD."flapping") IS DISTINCT FROM (NEW."phase" IN ('SUSPECT', 'DOWN', 'RECOVERING') OR NEW."flapping")
     OR (OLD."phase" IN ('DOWN', 'RECOVERING')) IS DISTINCT FROM (NEW."phase" IN ('DOWN', 'RECOVERING')))
  EXECUTE FUNCTION "port_state_after_write"();

-- existing rows
UPDATE "Monitor" SET "hostOrder" = "host_inet"("host");
UPDATE "Monitor" m SET "failing" = p.failing, "down" = p.down
FROM (SELECT mo."id", (monitor_problem(mo."id", mo."ports")).* FROM "Monitor" mo) p
WHERE m."id" = p."id" AND m."deletedAt" IS NULL AND m."pausedAt" IS NULL;
