// Who may see and do what, in one place: whether a viewer is an administrator (isAdmin,
// requireAdmin), whether it may see an account's row (seesAccount), and tenancy as Prisma
// where-clauses: a customer sees only its own account's rows, an admin all, nobody else
// anything. Every read and write of a tenant-owned row goes through one of these, so a foreign
// id behaves exactly like an id that does not exist.
import type { Prisma } from '../generated/prisma/client.ts';
import { ForbiddenError } from './errors.ts';
import type { Viewer } from './types.ts';

/** No account has an empty id: a where-clause that matches nothing. */
const NOBODY = '';

/** The one test of "is an administrator". */
export const isAdmin = (v: Viewer | null | undefined): boolean => v?.role === 'ADMIN';

/** Admin operations: anyone else gets FORBIDDEN. */
export function requireAdmin(viewer: Viewer | null | undefined): asserts viewer is Viewer {
  if (!isAdmin(viewer)) throw new ForbiddenError('Only an administrator may do this');
}

/** An admin, or the account's own viewer (a row without an account is for admins only). */
export const seesAccount = (v: Viewer | null | undefined, accountId: string | null): boolean =>
  isAdmin(v) || (accountId !== null && v?.accountId === accountId);

/** Rows with an `accountId` column (Server, Monitor, ApprovalRequest). */
export function ownedWhere(viewer: Viewer | null): { accountId?: string } {
  if (isAdmin(viewer)) return {};
  return { accountId: viewer?.accountId ?? NOBODY };
}

export function accountWhere(viewer: Viewer | null): Prisma.AccountWhereInput {
  if (isAdmin(viewer)) return {};
  return { id: viewer?.accountId ?? NOBODY };
}

/** Incidents: a customer's own; the prober's own incidents (no account) are for admins only. */
export function incidentWhere(viewer: Viewer | null): Prisma.IncidentWhereInput {
  if (isAdmin(viewer)) return {};
  return { accountId: viewer?.accountId ?? NOBODY };
}

/** Notifications: a customer sees the messages sent to its contacts, never those to the admins. */
export function notificationWhere(viewer: Viewer | null): Prisma.NotificationWhereInput {
  if (isAdmin(viewer)) return {};
  return { accountId: viewer?.accountId ?? NOBODY, recipientRole: 'CONTACT' };
}
