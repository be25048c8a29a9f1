// Tenancy as Prisma where-clauses: a customer sees only its own account's rows, an admin all,
// nobody else anything. Every read and write of a tenant-owned row goes through one of these,
// so a foreign id behaves exactly like an id that does not exist.
import type { Prisma } from '../generated/prisma/client.ts';
import type { Viewer } from './types.ts';

/** No account has an empty id: a where-clause that matches nothing. */
const NOBODY = '';

export const isAdminViewer = (v: Viewer | null | undefined): boolean => v?.role === 'ADMIN';

/** Rows with an `accountId` column (Server, Monitor, ApprovalRequest). */
export function ownedWhere(viewer: Viewer | null): { accountId?: string } {
  if (isAdminViewer(viewer)) return {};
  return { accountId: viewer?.accountId ?? NOBODY };
}

export function accountWhere(viewer: Viewer | null): Prisma.AccountWhereInput {
  if (isAdminViewer(viewer)) return {};
  return { id: viewer?.accountId ?? NOBODY };
}

/** Incidents: a customer's own; the prober's own incidents (no account) are for admins only. */
export function incidentWhere(viewer: Viewer | null): Prisma.IncidentWhereInput {
  if (isAdminViewer(viewer)) return {};
  return { accountId: viewer?.accountId ?? NOBODY };
}

/** Notifications: a customer sees the messages sent to its contacts, never those to the admins. */
export function notificationWhere(viewer: Viewer | null): Prisma.NotificationWhereInput {
  if (isAdminViewer(viewer)) return {};
  return { accountId: viewer?.accountId ?? NOBODY, recipientRole: 'CONTACT' };
}
