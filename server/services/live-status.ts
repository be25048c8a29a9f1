// Current port status for live subscriptions: the probe's memory when this process probes the
// monitor, the persisted PortState otherwise. Tenancy: customers see only their own monitors.
//
// monitorStatus subscriptions that start together (a reconnect storm after a restart, a
// dashboard's tabs, a partner's workers) share one database read: requests are collected until
// the next turn of the event loop and answered from one query. Every request has subscribed to
// changes before it asks, and the shared read starts after it asked, so none misses a change.
import type { Prisma } from '../generated/prisma/client.ts';
import type { PortStatusEvent } from '../events/events.ts';
import { flapStatusFromRow } from './flapping.ts';
import { isAdmin, seesAccount } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

/** Monitors read for one subscription at most (a customer's whole account). */
const MAX_MONITORS = 5_000;
/** Requests answered by one query at most. */
const MAX_BATCH = 200;

const select = { id: true, accountId: true, host: true, ports: true, portStates: true } satisfies Prisma.MonitorSelect;
type Row = Prisma.MonitorGetPayload<{ select: typeof select }>;

interface Wanted {
  viewer: Viewer;
  monitorId: string | null;
  resolve: (r: PortStatusEvent[] | null) => void;
  reject: (err: unknown) => void;
}

const queues = new WeakMap<ServiceDeps, Wanted[]>();

function events(deps: ServiceDeps, rows: Row[]): PortStatusEvent[] {
  const out: PortStatusEvent[] = [];
  for (const m of rows) {
    const live = deps.probe?.status(m.id);
    if (live) {
      out.push(...live);
      continue;
    }
    const saved = new Map(m.portStates.map((p) => [p.port, p]));
    for (const port of m.ports) {
      const s = saved.get(port);
      out.push({
        monitorId: m.id,
        accountId: m.accountId,
        host: m.host,
        port,
        phase: s?.phase ?? 'UNKNOWN',
        since: s?.since ?? new Date(0),
        lastCheckAt: s?.lastCheckAt ?? null,
        lastOk: s?.lastOk ?? null,
        lastLatencyMs: s?.lastLatencyMs ?? null,
        lastErrorCode: s?.lastErrorCode ?? null,
        lastErrorMessage: s?.lastErrorMessage ?? null,
        ...(s ? { flap: flapStatusFromRow(s) } : {}),
      });
    }
  }
  return out;
}

const scope = (w: Pick<Wanted, 'viewer' | 'monitorId'>): Prisma.MonitorWhereInput => ({
  ...(isAdmin(w.viewer) ? {} : { accountId: w.viewer.accountId }),
  ...(w.monitorId ? { id: w.monitorId } : {}),
});
const matches = (w: Wanted, r: Row) => seesAccount(w.viewer, r.accountId) && (!w.monitorId || r.id === w.monitorId);

async function readBatch(deps: ServiceDeps, batch: Wanted[]): Promise<void> {
  const where = new Map<string, Prisma.MonitorWhereInput>();
  for (const w of batch) {
    const s = scope(w);
    where.set(JSON.stringify(s), s);
  }
  try {
    const rows = await deps.prisma.monitor.findMany({
      where: { deletedAt: null, OR: [...where.values()] },
      select,
      orderBy: { id: 'asc' },
    });
    for (const w of batch) {
      const mine = rows.filter((r) => matches(w, r)).slice(0, MAX_MONITORS);
      w.resolve(w.monitorId && mine.length === 0 ? null : events(deps, mine));
    }
  } catch (err) {
    for (const w of batch) w.reject(err);
  }
}

/**
 * The current status of the viewer's monitors (one monitor with `monitorId`; null when that
 * monitor is not the viewer's, or deleted). Call it after subscribing to changes.
 */
export function currentPortStatus(
  deps: ServiceDeps,
  viewer: Viewer,
  monitorId: string | null,
): Promise<PortStatusEvent[] | null> {
  if (isAdmin(viewer) && !monitorId) {
    // every monitor of the installation: its own bounded read, never merged into others
    return deps.prisma.monitor
      .findMany({ where: { deletedAt: null }, select, take: MAX_MONITORS })
      .then((rows) => events(deps, rows));
  }
  return new Promise((resolve, reject) => {
    let queue = queues.get(deps);
    if (!queue) {
      queue = [];
      queues.set(deps, queue);
      setImmediate(() => {
        const all = queues.get(deps) ?? [];
        queues.delete(deps);
        for (let i = 0; i < all.length; i += MAX_BATCH) void readBatch(deps, all.slice(i, i + MAX_BATCH));
      });
    }
    queue.push({ viewer, monitorId, resolve, reject });
  });
}

/** True when the viewer may watch this monitor (its owner, or an admin) and it is not deleted. */
export async function canWatchMonitor(deps: ServiceDeps, viewer: Viewer, monitorId: string): Promise<boolean> {
  return (
    (await deps.prisma.monitor.count({
      where: { id: monitorId, deletedAt: null, ...(isAdmin(viewer) ? {} : { accountId: viewer.accountId }) },
    })) > 0
  );
}
