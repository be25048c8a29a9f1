// Reading monitors: the list (a customer's own; for admins every monitor or one customer's),
// searchable by IP prefix, server label, contact name and (admins) login id, filterable by
// status. Every list is ordered failing first, then by numeric IP (IPv4 before IPv6), then id,
// across pages: Monitor.failing and Monitor.hostOrder are kept by database triggers from the
// port states (migration monitor_list_order), indexed with the id for keyset paging.
// Read services take Pothos's `query` (take/skip/cursor/include) and spread it into Prisma.
import type { Prisma } from '../generated/prisma/client.ts';
import { parseIp } from './ip-policy.ts';
import { isAdmin, ownedWhere } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export type MonitorStatusFilter = 'OK' | 'PROBLEM' | 'DOWN' | 'PAUSED' | 'DELETED';

export interface ListMonitorsOptions {
  /** An IP (exact), the start of one ("203.0.113."), part of a server label or contact name, or a login id's start (admins). */
  search?: string | null;
  status?: MonitorStatusFilter | null;
  /** Admins: one customer's monitors. Ignored for customers (always their own). */
  accountId?: string | null;
  /** Also list deleted monitors (their logs stay queryable). */
  includeDeleted?: boolean | null;
}

type MonitorQuery = Omit<Prisma.MonitorFindManyArgs, 'where' | 'orderBy'>;

/** The where-clause of a monitor list: tenancy first, then the filters. */
export function monitorListWhere(viewer: Viewer | null, opts: ListMonitorsOptions): Prisma.MonitorWhereInput {
  const and: Prisma.MonitorWhereInput[] = [ownedWhere(viewer)];
  if (isAdmin(viewer) && opts.accountId != null) and.push({ accountId: opts.accountId });
  const status = opts.status ?? null;
  if (status === 'DELETED') and.push({ deletedAt: { not: null } });
  else if (!opts.includeDeleted) and.push({ deletedAt: null });
  if (status === 'PAUSED') and.push({ pausedAt: { not: null } });
  // `failing`: a configured port SUSPECT, DOWN, RECOVERING or FLAPPING (its phase may be UP
  // between failures); `down`: DOWN or RECOVERING. Both false for paused and deleted monitors.
  if (status === 'PROBLEM') and.push({ pausedAt: null, failing: true });
  if (status === 'DOWN') and.push({ pausedAt: null, down: true });
  if (status === 'OK') and.push({ pausedAt: null, failing: false });
  const search = opts.search?.trim().slice(0, 100);
  if (search) {
    const or: Prisma.MonitorWhereInput[] = [];
    // an IP or the start of one: "203.0.113.1" also finds 203.0.113.10–19 and 100–199
    const ip = parseIp(search);
    if (ip) or.push({ host: ip.ip });
    if (/^[0-9a-f.:]+$/i.test(search)) or.push({ host: { startsWith: search.toLowerCase() } });
    if (isAdmin(viewer)) or.push({ account: { loginId: { startsWith: search, mode: 'insensitive' } } });
    // labels and contact names always ("db-1", and "db" or "cafe" look like hex IPv6 too)
    or.push({ contactName: { contains: search, mode: 'insensitive' } });
    or.push({ server: { label: { contains: search, mode: 'insensitive' } } });
    and.push({ OR: or });
  }
  return { AND: and };
}

/** Failing first, then numeric IP order (10.0.0.2 before 10.0.0.10), then id: on every page. */
export const MONITOR_ORDER: Prisma.MonitorOrderByWithRelationInput[] = [
  { failing: 'desc' },
  { hostOrder: 'asc' },
  { id: 'asc' },
];

export function listMonitors(deps: ServiceDeps, viewer: Viewer | null, opts: ListMonitorsOptions, query: MonitorQuery) {
  return deps.prisma.monitor.findMany({ ...query, where: monitorListWhere(viewer, opts), orderBy: MONITOR_ORDER });
}

export function countMonitors(deps: ServiceDeps, viewer: Viewer | null, opts: ListMonitorsOptions) {
  return deps.prisma.monitor.count({ where: monitorListWhere(viewer, opts) });
}

/** One monitor of the viewer's (deleted ones included: their logs stay), or null. */
export function findMonitor(deps: ServiceDeps, viewer: Viewer | null, monitorId: string, query: MonitorQuery = {}) {
  return deps.prisma.monitor.findFirst({ ...query, where: { id: monitorId, ...ownedWhere(viewer) } });
}
