// Continuity of the probe work across processes (issue 19): what a process does when it takes a
// shard (check at once every port whose slot passed since its last recorded check) and the
// reconciliation of incidents the database shows open while the ports are UP (left behind by a
// handover, an outage or a kill), whichever process holds the shard now.
import { alignedAfter, phaseOf } from '../probe/index.ts';
import type { PrismaClient } from '../db/index.ts';
import type { Events } from '../events/events.ts';
import type { Engine } from './engine.ts';
import { targetKey } from './engine.ts';
import { ledgerRows, type AdminRecipientInfo } from '../services/notifications/rows.ts';
import type { LiveMonitor } from './model.ts';

/** True when a slot of the port's schedule fell between its last recorded check and `now`. */
export function slotMissed(key: string, intervalMs: number, lastCheckAt: number | null, now: number): boolean {
  if (lastCheckAt === null) return false;
  return alignedAfter(lastCheckAt, phaseOf(key, intervalMs), intervalMs) <= now;
}

/**
 * Ports of freshly taken monitors whose slot passed while nobody probed them: `late(m, port)` is
 * called for each (check them now). Returns how many.
 */
export function catchUp(
  monitors: Iterable<LiveMonitor>,
  now: number,
  late: (m: LiveMonitor, port: number) => void,
): number {
  let n = 0;
  for (const m of monitors) {
    const state = m.state; // built on each read when compact: once per monitor
    if (state.paused) continue;
    for (const p of m.ports) {
      const s = state.ports[p];
      if (s && s.lastCheckAt !== null && slotMissed(targetKey(m.id, p), m.intervalMs, s.lastCheckAt, now)) {
        late(m, p);
        n += 1;
      }
    }
  }
  return n;
}

export interface OpenIncidentRow {
  id: string;
  monitorId: string;
}

/** Open HOST_DOWN incidents (few: one per host at most). */
export async function loadOpenIncidents(prisma: PrismaClient): Promise<OpenIncidentRow[]> {
  const rows = await prisma.incident.findMany({
    where: { kind: 'HOST_DOWN', openMonitorId: { not: null } },
    select: { id: true, monitorId: true },
  });
  return rows.flatMap((r) => (r.monitorId ? [{ id: r.id, monitorId: r.monitorId }] : []));
}

export interface ReconcileResult {
  /** Open in the database while every port here has been UP for the recovery threshold: resolved with RECOVERED messages. */
  resolved: string[];
  /** Open in the database while this process had another id that never reached it: adopted. */
  adopted: string[];
}

/**
 * Compares the database's open incidents with the monitors this process holds and repairs what
 * a handover left behind. Queues the writes in the engine's batch (one transaction, like any other).
 */
export function reconcileIncidents(
  engine: Engine,
  open: OpenIncidentRow[],
  ctx: { events: Events; admins: AdminRecipientInfo[]; now: number },
): ReconcileResult {
  const out: ReconcileResult = { resolved: [], adopted: [] };
  const pendingResolved = new Set(engine.batch.resolved.map((r) => r.id));
  const pendingOpened = new Set(engine.batch.opened.map((o) => o.id));
  for (const { id, monitorId } of open) {
    const m = engine.monitors.get(monitorId);
    if (!m || m.openIncidentId === id || pendingResolved.has(id) || m.state.paused) continue;
    if (m.openIncidentId !== null) {
      // ours was never written (another process opened this one for the host first): continue theirs
      if (pendingOpened.has(m.openIncidentId)) continue;
      m.openIncidentId = id;
      out.adopted.push(id);
      continue;
    }
    const recovered =
      !m.state.host.incidentOpen &&
      m.ports.every((p) => {
        const s = m.state.ports[p];
        return s?.phase === 'UP' && s.consecutiveSuccesses >= m.policy.recoveryThreshold;
      });
    if (!recovered) continue;
    engine.batch.resolved.push({ id, at: new Date(ctx.now), reason: 'RECOVERED' });
    engine.batch.ledger.push(
      ...ledgerRows({
        incidentId: id,
        kind: 'RECOVERED',
        accountId: m.accountId,
        contact: m.contact,
        admins: ctx.admins,
        sendAfter: new Date(ctx.now),
      }),
    );
    engine.afterCommit.push(() => ctx.events.incident({ incidentId: id, accountId: m.accountId, change: 'RESOLVED' }));
    out.resolved.push(id);
  }
  return out;
}
