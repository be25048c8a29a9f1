// Reading monitors: the list (a customer's own, by host; for admins every monitor, newest
// first, searchable by host and login id, filterable by status). The admins' list pages by
// the primary key: Prisma turns a cursor into `id <= (SELECT id …)`, an index range scan, so
// page 2000 of 100k rows costs what page 1 does (a cursor over (host, id) becomes an OR that
// PostgreSQL can only filter: ~100 ms deep into 100k rows).
// Read services take Pothos's `query` (take/skip/cursor/include) and spread it into Prisma.
import type { Prisma } from '../generated/prisma/client.ts';
import { parseIp } from './ip-policy.ts';
import { isAdminViewer, ownedWhere } from './tenancy.ts';
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

const TROUBLE = ['SUSPECT', 'DOWN', 'RECOVERING'] as const;

/** The where-clause of a monitor list: tenancy first, then the filters. */
export function monitorListWhere(viewer: Viewer | null, opts: ListMonitorsOptions): Prisma.MonitorWhereInput {
  const and: Prisma.MonitorWhereInput[] = [ownedWhere(viewer)];
  if (isAdminViewer(viewer) && opts.accountId != null) and.push({ accountId: opts.accountId });
  const status = opts.status ?? null;
  if (status === 'DELETED') and.push({ deletedAt: { not: null } });
  else if (!opts.includeDeleted) and.push({ deletedAt: null });
  if (status === 'PAUSED') and.push({ pausedAt: { not: null } });
  // a FLAPPING port is a problem too (its phase may be UP between failures)
  if (status === 'PROBLEM') and.push({ pausedAt: null, portStates: { some: { OR: [{ phase: { in: [...TROUBLE] } }, { flapping: true }] } } });
  if (status === 'DOWN') and.push({ pausedAt: null, portStates: { some: { phase: { in: ['DOWN', 'RECOVERING'] } } } });
  if (status === 'OK') and.push({ pausedAt: null, portStates: { none: { OR: [{ phase: { in: [...TROUBLE] } }, { flapping: true }] } } });
  const search = opts.search?.trim().slice(0, 100);
  if (search) {
    const ip = parseIp(search);
    if (ip) and.push({ host: ip.ip });
    else {
      const or: Prisma.MonitorWhereInput[] = [];
      const ipLike = /^[0-9a-f.:]+$/i.test(search);
      if (ipLike) or.push({ host: { startsWith: search.toLowerCase() } });
      if (isAdminViewer(viewer)) or.push({ account: { loginId: { startsWith: search, mode: 'insensitive' } } });
      // labels and contact names always ("db-1", and "db" or "cafe" look like hex IPv6 too)
      or.push({ contactName: { contains: search, mode: 'insensitive' } });
      or.push({ server: { label: { contains: search, mode: 'insensitive' } } });
      and.push({ OR: or });
    }
  }
  return { AND: and };
}

/** By host within one account; newest first (primary-key keyset) across every account. */
export function monitorOrder(viewer: Viewer | null, opts: ListMonitorsOptions): Prisma.MonitorOrderByWithRelationInput[] {
  if (isAdminViewer(viewer) && opts.accountId == null) return [{ id: 'desc' }];
  return [{ host: 'asc' }, { id: 'asc' }];
}

export function listMonitors(deps: ServiceDeps, viewer: Viewer | null, opts: ListMonitorsOptions, query: MonitorQuery) {
  return deps.prisma.monitor.findMany({ ...query, where: monitorListWhere(viewer, opts), orderBy: monitorOrder(viewer, opts) });
}

export function countMonitors(deps: ServiceDeps, viewer: Viewer | null, opts: ListMonitorsOptions) {
  return deps.prisma.monitor.count({ where: monitorListWhere(viewer, opts) });
}

/** One monitor of the viewer's (deleted ones included: their logs stay), or null. */
export function findMonitor(deps: ServiceDeps, viewer: Viewer | null, monitorId: string, query: MonitorQuery = {}) {
  return deps.prisma.monitor.findFirst({ ...query, where: { id: monitorId, ...ownedWhere(viewer) } });
}
