// The colocation IP approval board. A colocation customer files a request for an IP; an admin
// opens it (SEEN, once), approves it (the IP joins the customer's inventory) or rejects it
// with a reason. Every change is audited and published after it commits.
import type { ApprovalRequest, Prisma } from '../generated/prisma/client.ts';
import type { RequestStatus } from '../generated/prisma/enums.ts';
import { recordAudit } from './audit.ts';
import {
  ConflictError,
  ForbiddenError,
  isUniqueViolation,
  NotFoundError,
  ValidationError,
  type FieldProblem,
} from './errors.ts';
import { checkIp, ipRangeOf, problemOf } from './ip-policy.ts';
import { isAdmin, ownedWhere, requireAdmin } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export const MAX_TITLE = 200;
export const MAX_CONTENT = 5_000;
export const MAX_REASON = 1_000;

export interface ListRequestsOptions {
  /** Part of the title. */
  search?: string | null;
  status?: RequestStatus | null;
  accountId?: string | null;
}

export function requestListWhere(viewer: Viewer | null, opts: ListRequestsOptions): Prisma.ApprovalRequestWhereInput {
  const and: Prisma.ApprovalRequestWhereInput[] = [ownedWhere(viewer)];
  if (isAdmin(viewer) && opts.accountId != null) and.push({ accountId: opts.accountId });
  if (opts.status) and.push({ status: opts.status });
  const search = opts.search?.trim().slice(0, MAX_TITLE);
  if (search) and.push({ title: { contains: search, mode: 'insensitive' } });
  return { AND: and };
}

type RequestQuery = Omit<Prisma.ApprovalRequestFindManyArgs, 'where' | 'orderBy'>;

/** Newest first (by the board's number). */
export function listRequests(deps: ServiceDeps, viewer: Viewer | null, opts: ListRequestsOptions, query: RequestQuery) {
  return deps.prisma.approvalRequest.findMany({
    ...query,
    where: requestListWhere(viewer, opts),
    orderBy: { number: 'desc' },
  });
}

export function countRequests(deps: ServiceDeps, viewer: Viewer | null, opts: ListRequestsOptions) {
  return deps.prisma.approvalRequest.count({ where: requestListWhere(viewer, opts) });
}

export interface CreateApprovalRequestOptions {
  ip: string;
  title: string;
  content: string;
}

export async function createApprovalRequest(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: CreateApprovalRequestOptions,
): Promise<ApprovalRequest> {
  if (viewer.role !== 'CUSTOMER' || viewer.kind !== 'COLOCATION')
    throw new ForbiddenError('Only colocation customers file IP approval requests');
  const problems: FieldProblem[] = [];
  const title = opts.title.trim();
  const content = opts.content.trim();
  if (!title) problems.push({ path: ['input', 'title'], message: 'Enter a title', code: 'REQUIRED' });
  else if (title.length > MAX_TITLE)
    problems.push({
      path: ['input', 'title'],
      message: `At most ${MAX_TITLE} characters`,
      code: 'TOO_LONG',
      params: { max: MAX_TITLE },
    });
  if (content.length > MAX_CONTENT)
    problems.push({
      path: ['input', 'content'],
      message: `At most ${MAX_CONTENT} characters`,
      code: 'TOO_LONG',
      params: { max: MAX_CONTENT },
    });
  // a private address may be requested (a colocation rack's management network, say): the
  // board shows it as private and the admin decides, allowing it explicitly at approval
  const ip = checkIp(opts.ip, { allowPrivate: true });
  if (!ip.ok) problems.push({ path: ['input', 'ip'], ...problemOf(ip) });
  else {
    // only the customer's own inventory is consulted: whether the IP is another customer's is
    // never revealed here (the admin sees that conflict on the board, `ipConflict`)
    const [inInventory, pending] = await Promise.all([
      deps.prisma.server.count({ where: { ip: ip.ip, accountId: viewer.accountId } }),
      deps.prisma.approvalRequest.count({
        where: { ip: ip.ip, accountId: viewer.accountId, status: { in: ['REQUESTED', 'SEEN'] } },
      }),
    ]);
    if (inInventory)
      problems.push({
        path: ['input', 'ip'],
        message: `${ip.ip} is already in your inventory`,
        code: 'IP_IN_INVENTORY',
        params: { ip: ip.ip },
      });
    else if (pending)
      problems.push({
        path: ['input', 'ip'],
        message: `You already have an open request for ${ip.ip}`,
        code: 'IP_REQUEST_OPEN',
        params: { ip: ip.ip },
      });
  }
  if (problems.length || !ip.ok) throw new ValidationError(problems);
  const request = await deps.prisma.$transaction(async (tx) => {
    const created = await tx.approvalRequest.create({
      data: { accountId: viewer.accountId, ip: ip.ip, title, content, createdAt: deps.now() },
    });
    await recordAudit(tx, viewer, {
      action: 'request.create',
      targetType: 'ApprovalRequest',
      targetId: created.id,
      detail: { ip: ip.ip, number: created.number },
    });
    return created;
  });
  deps.events.approvalRequest({ requestId: request.id, accountId: request.accountId, change: 'CREATED' });
  return request;
}

async function findRequest(deps: ServiceDeps, id: string) {
  const request = await deps.prisma.approvalRequest.findUnique({ where: { id } });
  if (!request) throw new NotFoundError('Approval request');
  return request;
}

/** An admin opens a request: REQUESTED → SEEN, once (the first admin and time are kept). */
export async function openApprovalRequest(deps: ServiceDeps, viewer: Viewer, id: string): Promise<ApprovalRequest> {
  requireAdmin(viewer);
  const request = await findRequest(deps, id);
  if (request.status !== 'REQUESTED') return request;
  const now = deps.now();
  const changed = await deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.approvalRequest.updateMany({
      where: { id, status: 'REQUESTED' },
      data: { status: 'SEEN', seenAt: now, seenById: viewer.accountId },
    });
    if (count) await recordAudit(tx, viewer, { action: 'request.seen', targetType: 'ApprovalRequest', targetId: id });
    return count > 0;
  });
  if (changed) deps.events.approvalRequest({ requestId: id, accountId: request.accountId, change: 'SEEN' });
  return findRequest(deps, id);
}

/**
 * Approves: the IP joins the customer's inventory as an APPROVED_REQUEST server. Idempotent.
 * A private (or otherwise restricted) address needs `allowPrivate`: the admin's explicit
 * permission, stored on the server like an admin-added one.
 */
export async function approveApprovalRequest(
  deps: ServiceDeps,
  viewer: Viewer,
  id: string,
  opts: { allowPrivate?: boolean | null } = {},
): Promise<ApprovalRequest> {
  requireAdmin(viewer);
  const request = await findRequest(deps, id);
  if (request.status === 'APPROVED') return request;
  if (request.status === 'REJECTED')
    throw new ConflictError('This request was rejected; the customer can file a new one');
  const range = ipRangeOf(request.ip);
  if (range && !opts.allowPrivate) {
    throw ValidationError.field(
      ['allowPrivate'],
      `${request.ip} is not a public address (${range.toLowerCase().replace('_', '-')}): approve with allowPrivate to monitor it`,
      'PRIVATE_NEEDS_PERMISSION',
      { ip: request.ip, range },
    );
  }
  const owner = await deps.prisma.server.findUnique({ where: { ip: request.ip } });
  if (owner)
    throw new ConflictError(
      `${request.ip} is already in ${owner.accountId === request.accountId ? "this customer's" : "another customer's"} inventory`,
    );
  const now = deps.now();
  try {
    await deps.prisma.$transaction(async (tx) => {
      const { count } = await tx.approvalRequest.updateMany({
        where: { id, status: { in: ['REQUESTED', 'SEEN'] } },
        data: {
          status: 'APPROVED',
          decidedAt: now,
          decidedById: viewer.accountId,
          seenAt: request.seenAt ?? now,
          seenById: request.seenById ?? viewer.accountId,
        },
      });
      if (!count) return; // decided meanwhile: answer with the current state below
      const server = await tx.server.create({
        data: {
          ip: request.ip,
          accountId: request.accountId,
          source: 'APPROVED_REQUEST',
          requestId: id,
          createdAt: now,
          allowPrivate: range !== null,
        },
      });
      await recordAudit(tx, viewer, {
        action: 'request.approve',
        targetType: 'ApprovalRequest',
        targetId: id,
        detail: { ip: request.ip, serverId: server.id, ...(range ? { allowPrivate: true, range } : {}) },
      });
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`${request.ip} was added to an inventory meanwhile`);
    throw err;
  }
  const after = await findRequest(deps, id);
  if (after.status === 'APPROVED' && after.decidedAt?.getTime() === now.getTime()) {
    deps.events.approvalRequest({ requestId: id, accountId: request.accountId, change: 'APPROVED' });
  }
  return after;
}

/** Rejects with a reason the customer sees. Rejecting an approved request is a conflict. */
export async function rejectApprovalRequest(
  deps: ServiceDeps,
  viewer: Viewer,
  id: string,
  reasonText: string,
): Promise<ApprovalRequest> {
  requireAdmin(viewer);
  const reason = reasonText.trim();
  if (!reason) throw ValidationError.field(['input', 'reason'], 'Give the customer a reason', 'REQUIRED');
  if (reason.length > MAX_REASON)
    throw ValidationError.field(['input', 'reason'], `At most ${MAX_REASON} characters`, 'TOO_LONG', {
      max: MAX_REASON,
    });
  const request = await findRequest(deps, id);
  if (request.status === 'APPROVED') throw new ConflictError('This request was already approved');
  if (request.status === 'REJECTED') return request;
  const now = deps.now();
  const changed = await deps.prisma.$transaction(async (tx) => {
    const { count } = await tx.approvalRequest.updateMany({
      where: { id, status: { in: ['REQUESTED', 'SEEN'] } },
      data: {
        status: 'REJECTED',
        rejectReason: reason,
        decidedAt: now,
        decidedById: viewer.accountId,
        seenAt: request.seenAt ?? now,
        seenById: request.seenById ?? viewer.accountId,
      },
    });
    if (count)
      await recordAudit(tx, viewer, {
        action: 'request.reject',
        targetType: 'ApprovalRequest',
        targetId: id,
        detail: { reason },
      });
    return count > 0;
  });
  if (changed) deps.events.approvalRequest({ requestId: id, accountId: request.accountId, change: 'REJECTED' });
  return findRequest(deps, id);
}

/** One request of the viewer's (any for admins), or null. */
export function findApprovalRequest(deps: ServiceDeps, viewer: Viewer | null, id: string, query: RequestQuery = {}) {
  return deps.prisma.approvalRequest.findFirst({ ...query, where: { id, ...ownedWhere(viewer) } });
}
