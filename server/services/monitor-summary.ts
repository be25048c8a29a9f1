// The summary cards: counts over every live (not deleted) monitor the viewer may see (a
// customer: its account; an admin: the installation, or one customer), never over a page or a
// filter. Port figures count configured ports only (ports removed by an edit are gone), from
// the stored port states (phase changes are written within the probe's 0.5 s batch).
import { Prisma } from '../generated/prisma/client.ts';
import { isAdmin } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export interface MonitorSummary {
  /** Live monitors (deleted ones excluded), paused included. */
  monitors: number;
  paused: number;
  /** Live, unpaused monitors with a port SUSPECT, DOWN, RECOVERING or FLAPPING. */
  failing: number;
  /** Live, unpaused monitors with a port DOWN or RECOVERING (an incident is open). */
  down: number;
  /** Configured ports of live monitors. */
  ports: number;
  /** Ports of unpaused monitors whose last check answered in phase UP, not flapping. */
  portsUp: number;
  /** Ports of unpaused monitors that are SUSPECT, DOWN, RECOVERING or FLAPPING. */
  portsFailing: number;
  /** The rest: paused, in maintenance, or not checked yet. */
  portsOther: number;
}

interface Row {
  monitors: bigint;
  paused: bigint;
  failing: bigint;
  down: bigint;
  ports: bigint | null;
  portsUp: bigint | null;
  portsFailing: bigint | null;
}

/** `accountId`: admins may narrow to one customer; a customer always gets its own account. */
export async function monitorSummary(
  deps: ServiceDeps,
  viewer: Viewer | null,
  accountId: string | null = null,
): Promise<MonitorSummary> {
  const account = isAdmin(viewer) ? accountId : (viewer?.accountId ?? '');
  const scope = account === null ? Prisma.empty : Prisma.sql`AND m."accountId" = ${account}`;
  const [r] = await deps.prisma.$queryRaw<Row[]>`
    SELECT count(*) AS monitors,
      count(*) FILTER (WHERE m."pausedAt" IS NOT NULL) AS paused,
      count(*) FILTER (WHERE m."failing") AS failing,
      count(*) FILTER (WHERE m."down") AS down,
      sum(cardinality(m."ports")) AS ports,
      sum(p.up) AS "portsUp", sum(p.failing) AS "portsFailing"
    FROM "Monitor" m
    LEFT JOIN LATERAL (
      SELECT count(*) FILTER (WHERE ps."phase" = 'UP' AND NOT ps."flapping") AS up,
        count(*) FILTER (WHERE ps."phase" IN ('SUSPECT', 'DOWN', 'RECOVERING') OR ps."flapping") AS failing
      FROM "PortState" ps WHERE ps."monitorId" = m."id" AND ps."port" = ANY(m."ports") AND m."pausedAt" IS NULL
    ) p ON true
    WHERE m."deletedAt" IS NULL ${scope}`;
  const n = (v: bigint | null | undefined) => Number(v ?? 0);
  const ports = n(r?.ports);
  const portsUp = n(r?.portsUp);
  const portsFailing = n(r?.portsFailing);
  return {
    monitors: n(r?.monitors),
    paused: n(r?.paused),
    failing: n(r?.failing),
    down: n(r?.down),
    ports,
    portsUp,
    portsFailing,
    portsOther: Math.max(0, ports - portsUp - portsFailing),
  };
}
