// Test fixtures written as failed checks (the seed's per-check log) and stored as the product
// stores them: compacted into failure runs by the runtime's own RunTracker.
import type { PrismaClient } from '../../server/db/index.ts';
import { compactChecks as compactRuns, QUARTER_MS, type RunRow } from '../../server/monitoring/runs.ts';

export interface FailedCheckFixture {
  monitorId: string;
  port: number;
  at: Date;
  code: string;
  message: string;
  incidentId?: string | null;
  flapping?: boolean;
  maintenance?: boolean;
  latencyMs?: number;
}

/** The runs the probe runtime would store for these failed checks (no success in between). */
export function compactChecks(checks: FailedCheckFixture[]): RunRow[] {
  return compactRuns(
    checks.map((c) => ({
      monitorId: c.monitorId,
      port: c.port,
      at: c.at.getTime(),
      code: c.code,
      message: c.message,
      latencyMs: c.latencyMs ?? 0,
      incidentId: c.incidentId ?? null,
      flapping: c.flapping ?? false,
      maintenance: c.maintenance ?? false,
    })),
  );
}

export async function insertFailures(prisma: PrismaClient, checks: FailedCheckFixture[]): Promise<RunRow[]> {
  const runs = compactChecks(checks);
  await prisma.failureRun.createMany({ data: runs });
  return runs;
}

/** Failed checks per (monitor, port, UTC quarter hour), as stored runs count them. */
export function quarterCounts(runs: Pick<RunRow, 'monitorId' | 'port' | 'firstAt' | 'slots'>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of runs) {
    const q0 = Math.floor(r.firstAt.getTime() / QUARTER_MS);
    r.slots.forEach((n, i) => {
      if (n === 0) return;
      const k = `${r.monitorId}:${r.port}:${(q0 + i) * QUARTER_MS}`;
      out.set(k, (out.get(k) ?? 0) + n);
    });
  }
  return out;
}
