// Reading incidents and the notification ledger, tenant-scoped (see tenancy.ts). Read services
// take Pothos's `query` (take/skip/cursor/include) and spread it into Prisma.
import type { Prisma } from '../generated/prisma/client.ts';
import type { Channel, IncidentKind, NotificationStatus } from '../generated/prisma/enums.ts';
import { incidentWhere, notificationWhere } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export interface ListIncidentsOptions {
  monitorId?: string | null;
  open?: boolean | null;
  kind?: IncidentKind | null;
  from?: Date | null;
  to?: Date | null;
}

export function incidentListWhere(viewer: Viewer | null, opts: ListIncidentsOptions): Prisma.IncidentWhereInput {
  return {
    AND: [
      incidentWhere(viewer),
      opts.monitorId != null ? { monitorId: opts.monitorId } : {},
      opts.open == null ? {} : opts.open ? { resolvedAt: null } : { resolvedAt: { not: null } },
      // certificate expiry warnings are not outages: listed only when asked for by kind
      opts.kind ? { kind: opts.kind } : { kind: { notIn: ['CERT_EXPIRY', 'TEST', 'SLA_REPORT'] } },
      opts.from ? { openedAt: { gte: opts.from } } : {},
      opts.to ? { openedAt: { lt: opts.to } } : {},
    ],
  };
}

type IncidentQuery = Omit<Prisma.IncidentFindManyArgs, 'where' | 'orderBy'>;

export function listIncidents(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: ListIncidentsOptions,
  query: IncidentQuery,
) {
  return deps.prisma.incident.findMany({
    ...query,
    where: incidentListWhere(viewer, opts),
    orderBy: [{ openedAt: 'desc' }, { id: 'desc' }],
  });
}

export function countIncidents(deps: ServiceDeps, viewer: Viewer | null, opts: ListIncidentsOptions) {
  return deps.prisma.incident.count({ where: incidentListWhere(viewer, opts) });
}

export interface ListNotificationsOptions {
  incidentId?: string | null;
  channel?: Channel | null;
  status?: NotificationStatus | null;
}

export function notificationListWhere(
  viewer: Viewer | null,
  opts: ListNotificationsOptions,
): Prisma.NotificationWhereInput {
  return {
    AND: [
      notificationWhere(viewer),
      opts.incidentId != null ? { incidentId: opts.incidentId } : {},
      opts.channel ? { channel: opts.channel } : {},
      opts.status ? { status: opts.status } : {},
    ],
  };
}

type NotificationQuery = Omit<Prisma.NotificationFindManyArgs, 'where' | 'orderBy'>;

export function listNotifications(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: ListNotificationsOptions,
  query: NotificationQuery,
) {
  return deps.prisma.notification.findMany({
    ...query,
    where: notificationListWhere(viewer, opts),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
  });
}

export function countNotifications(deps: ServiceDeps, viewer: Viewer | null, opts: ListNotificationsOptions) {
  return deps.prisma.notification.count({ where: notificationListWhere(viewer, opts) });
}
