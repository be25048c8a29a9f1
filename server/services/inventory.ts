// The provider's server inventory: which IPs belong to which customer. Customers read their
// own; admins add, import, move and remove servers and set colocation representative IPs.
import type { Prisma, Server } from '../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import { ConflictError, isUniqueViolation, NotFoundError, ValidationError } from './errors.ts';
import { checkIp, problemOf } from './ip-policy.ts';
import { isAdmin, ownedWhere, requireAdmin } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export interface ListServersOptions {
  /** Only servers without a live monitor (the seed's "not yet registered for monitoring"). */
  unregistered?: boolean | null;
  /** Admins: one customer's inventory. */
  accountId?: string | null;
  /** The start of an IP. */
  search?: string | null;
}

export function serverListWhere(viewer: Viewer | null, opts: ListServersOptions): Prisma.ServerWhereInput {
  const and: Prisma.ServerWhereInput[] = [ownedWhere(viewer)];
  if (isAdmin(viewer) && opts.accountId != null) and.push({ accountId: opts.accountId });
  if (opts.unregistered) and.push({ activeMonitor: { is: null } });
  const search = opts.search?.trim().toLowerCase().slice(0, 45);
  if (search) and.push({ ip: { startsWith: search } });
  return { AND: and };
}

type ServerQuery = Omit<Prisma.ServerFindManyArgs, 'where' | 'orderBy'>;

export function listServers(deps: ServiceDeps, viewer: Viewer | null, opts: ListServersOptions, query: ServerQuery) {
  return deps.prisma.server.findMany({
    ...query,
    where: serverListWhere(viewer, opts),
    orderBy: [{ ip: 'asc' }, { id: 'asc' }],
  });
}

export function countServers(deps: ServiceDeps, viewer: Viewer | null, opts: ListServersOptions) {
  return deps.prisma.server.count({ where: serverListWhere(viewer, opts) });
}

async function requireCustomer(deps: ServiceDeps, accountId: string | null | undefined, path: string[]) {
  const account = accountId
    ? await deps.prisma.account.findFirst({ where: { id: accountId, role: 'CUSTOMER' } })
    : null;
  if (!account) throw ValidationError.field(path, 'No such customer', 'CUSTOMER_UNKNOWN');
  return account;
}

export interface AddServerOptions {
  accountId: string;
  ip: string;
  label?: string | null;
  /** Allow a private, loopback or reserved address for this server (admins only). */
  allowPrivate?: boolean | null;
}

function cleanLabel(label: string | null | undefined, path: string[]): string | null {
  const l = label?.trim() || null;
  if (l && l.length > 100) throw ValidationError.field(path, 'At most 100 characters', 'TOO_LONG', { max: 100 });
  return l;
}

export async function addServer(deps: ServiceDeps, viewer: Viewer, opts: AddServerOptions): Promise<Server> {
  requireAdmin(viewer);
  const account = await requireCustomer(deps, opts.accountId, ['input', 'account']);
  const ip = checkIp(opts.ip, { allowPrivate: opts.allowPrivate ?? false });
  if (!ip.ok) throw new ValidationError([{ path: ['input', 'ip'], ...problemOf(ip) }]);
  const label = cleanLabel(opts.label, ['input', 'label']);
  const existing = await deps.prisma.server.findUnique({ where: { ip: ip.ip } });
  if (existing)
    throw new ConflictError(
      existing.accountId === account.id
        ? `${ip.ip} is already in this customer's inventory`
        : `${ip.ip} belongs to another customer`,
    );
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const server = await tx.server.create({
        data: {
          ip: ip.ip,
          accountId: account.id,
          source: 'HOSTING_INVENTORY',
          label,
          allowPrivate: opts.allowPrivate ?? false,
        },
      });
      await recordAudit(tx, viewer, {
        action: 'server.add',
        targetType: 'Server',
        targetId: server.id,
        detail: { ip: ip.ip, accountId: account.id },
      });
      return server;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`${ip.ip} is already in the inventory`);
    throw err;
  }
}

/** CREATED: added; WOULD_CREATE: a dry run's (or a refused run's) line that would be added; UNCHANGED: already there; ERROR: refused (see code). */
export type ImportLineStatus = 'CREATED' | 'WOULD_CREATE' | 'UNCHANGED' | 'ERROR';

export interface ImportLine {
  line: number;
  input: string;
  ip: string | null;
  status: ImportLineStatus;
  message: string | null;
  /** ERROR / UNCHANGED: why, as a field error code with params (docs/api.md). */
  code: string | null;
  params: Record<string, string | number> | null;
}

export interface ImportServersOptions {
  accountId: string;
  /** One IP per line, optionally followed by a label; blank lines and "# comments" are skipped. */
  text: string;
  allowPrivate?: boolean | null;
  /** Only report what would happen. */
  dryRun?: boolean | null;
}

export interface ImportServersResult {
  /** True when the valid lines were added (not a dry run); lines in error are skipped, each with its reason. */
  applied: boolean;
  created: number;
  /** Lines refused (status ERROR). */
  refused: number;
  lines: ImportLine[];
}

const MAX_IMPORT_LINES = 5_000;

/** How long an import's one transaction may wait for a connection and run. */
const IMPORT_TRANSACTION = { maxWait: 10_000, timeout: 60_000 };

/** Parses a pasted list: per-line results. The valid lines are added; every other line says why not. */
export async function importServers(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: ImportServersOptions,
): Promise<ImportServersResult> {
  requireAdmin(viewer);
  const account = await requireCustomer(deps, opts.accountId, ['input', 'account']);
  const raw = opts.text.split(/\r?\n/);
  if (raw.length > MAX_IMPORT_LINES)
    throw ValidationError.field(['input', 'text'], `At most ${MAX_IMPORT_LINES} lines at once`, 'TOO_MANY', {
      max: MAX_IMPORT_LINES,
    });
  const lines: (ImportLine & { label: string | null })[] = [];
  const seen = new Map<string, number>();
  raw.forEach((text, i) => {
    const input = text.trim();
    if (!input || input.startsWith('#')) return;
    const [first = '', ...rest] = input.split(/[\s,;]+/);
    const label = rest.join(' ').trim().slice(0, 100) || null;
    const ip = checkIp(first, { allowPrivate: opts.allowPrivate ?? false });
    const line: ImportLine & { label: string | null } = {
      line: i + 1,
      input,
      ip: ip.ok ? ip.ip : null,
      status: 'WOULD_CREATE',
      message: null,
      code: null,
      params: null,
      label,
    };
    if (!ip.ok) Object.assign(line, { status: 'ERROR', message: ip.message, code: ip.code, params: ip.params ?? null });
    else if (seen.has(ip.ip))
      Object.assign(line, {
        status: 'ERROR',
        message: `Same address as line ${seen.get(ip.ip)}`,
        code: 'DUPLICATE_LINE',
        params: { line: seen.get(ip.ip)! },
      });
    else seen.set(ip.ip, i + 1);
    lines.push(line);
  });
  if (lines.length === 0) throw ValidationError.field(['input', 'text'], 'Paste at least one IP address', 'REQUIRED');
  const existing = await deps.prisma.server.findMany({
    where: { ip: { in: [...seen.keys()] } },
    select: { ip: true, accountId: true },
  });
  const owner = new Map(existing.map((s) => [s.ip, s.accountId]));
  for (const l of lines) {
    if (l.status !== 'WOULD_CREATE' || !l.ip || !owner.has(l.ip)) continue;
    if (owner.get(l.ip) === account.id)
      Object.assign(l, {
        status: 'UNCHANGED',
        message: 'Already in this inventory',
        code: 'IP_IN_INVENTORY',
        params: { ip: l.ip },
      });
    else
      Object.assign(l, {
        status: 'ERROR',
        message: 'Belongs to another customer',
        code: 'IP_OTHER_CUSTOMER',
        params: { ip: l.ip },
      });
  }
  const toCreate = lines.filter((l) => l.status === 'WOULD_CREATE');
  const result = (applied: boolean): ImportServersResult => ({
    applied,
    created: applied ? toCreate.length : 0,
    refused: lines.filter((l) => l.status === 'ERROR').length,
    lines: lines.map(({ label: _label, ...l }) =>
      applied && l.status === 'WOULD_CREATE' ? { ...l, status: 'CREATED' as const } : l,
    ),
  });
  if (opts.dryRun || toCreate.length === 0) return result(false);
  try {
    await deps.prisma.$transaction(async (tx) => {
      await tx.server.createMany({
        data: toCreate.map((l) => ({
          ip: l.ip!,
          accountId: account.id,
          source: 'HOSTING_INVENTORY' as const,
          label: l.label,
          allowPrivate: opts.allowPrivate ?? false,
        })),
      });
      await recordAudit(tx, viewer, {
        action: 'server.import',
        targetType: 'Account',
        targetId: account.id,
        detail: {
          created: toCreate.length,
          lines: lines.length,
          refused: lines.filter((l) => l.status === 'ERROR').length,
        },
      });
      // up to 5,000 rows in one transaction: Prisma's default 5 s ran out on a loaded database
    }, IMPORT_TRANSACTION);
  } catch (err) {
    if (isUniqueViolation(err))
      throw new ConflictError('Another change added one of these addresses meanwhile; try again');
    throw err;
  }
  return result(true);
}

async function requireServer(deps: ServiceDeps, serverId: string) {
  const server = await deps.prisma.server.findUnique({
    where: { id: serverId },
    include: { activeMonitor: { select: { id: true } }, _count: { select: { monitors: true } } },
  });
  if (!server) throw new NotFoundError('Server');
  return server;
}

export async function moveServer(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: { serverId: string; accountId: string },
): Promise<Server> {
  requireAdmin(viewer);
  const server = await requireServer(deps, opts.serverId);
  const account = await requireCustomer(deps, opts.accountId, ['input', 'account']);
  if (server.accountId === account.id) return server;
  if (server.activeMonitor) throw new ConflictError(`${server.ip} is being monitored; delete its monitor first`);
  if (server.source === 'REPRESENTATIVE')
    throw new ConflictError(`${server.ip} is a representative IP; change the representative IP first`);
  return deps.prisma.$transaction(async (tx) => {
    const moved = await tx.server.update({ where: { id: server.id }, data: { accountId: account.id } });
    await recordAudit(tx, viewer, {
      action: 'server.move',
      targetType: 'Server',
      targetId: server.id,
      detail: { ip: server.ip, from: server.accountId, to: account.id },
    });
    return moved;
  });
}

/**
 * Admin: allows or withdraws monitoring of a server's private or reserved address. The probe
 * re-checks the address before every connect, so a withdrawn permission stops the next check
 * (its monitor is re-read here and by the other processes' resync); the port then says why.
 */
export async function setServerAllowPrivate(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: { serverId: string; allowPrivate: boolean },
): Promise<Server> {
  requireAdmin(viewer);
  const server = await requireServer(deps, opts.serverId);
  const monitorId = server.activeMonitor?.id ?? null;
  const updated = await deps.prisma.$transaction(async (tx) => {
    const s = await tx.server.update({ where: { id: server.id }, data: { allowPrivate: opts.allowPrivate } });
    // every probe process re-reads the monitors changed since its last resync
    if (monitorId) await tx.monitor.update({ where: { id: monitorId }, data: { updatedAt: deps.now() } });
    await recordAudit(tx, viewer, {
      action: 'server.allowPrivate',
      targetType: 'Server',
      targetId: server.id,
      detail: { ip: server.ip, allowPrivate: opts.allowPrivate },
    });
    return s;
  });
  if (monitorId) deps.signals.monitorChanged.emit(monitorId);
  return updated;
}

/** Removes a server from the inventory. Its monitoring history goes with it, so that needs `purgeHistory`. */
export async function removeServer(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: { serverId: string; purgeHistory?: boolean | null },
): Promise<Server> {
  requireAdmin(viewer);
  const server = await requireServer(deps, opts.serverId);
  if (server.activeMonitor) throw new ConflictError(`${server.ip} is being monitored; delete its monitor first`);
  if (server.source === 'REPRESENTATIVE')
    throw new ConflictError(`${server.ip} is a representative IP; change the representative IP first`);
  if (server._count.monitors > 0 && !opts.purgeHistory)
    throw new ConflictError(`${server.ip} has monitoring logs; pass purgeHistory to delete them with the server`);
  return deps.prisma.$transaction(async (tx) => {
    await tx.server.delete({ where: { id: server.id } });
    await recordAudit(tx, viewer, {
      action: 'server.remove',
      targetType: 'Server',
      targetId: server.id,
      detail: { ip: server.ip, accountId: server.accountId, purgedMonitors: server._count.monitors },
    });
    return server;
  });
}

/**
 * Sets a colocation customer's representative IP. The old representative server keeps its
 * history: it is re-pointed to the new IP unless it is being monitored (then: conflict).
 */
export async function setRepresentativeIp(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: { accountId: string; ip: string; allowPrivate?: boolean | null },
): Promise<Server> {
  requireAdmin(viewer);
  const account = await requireCustomer(deps, opts.accountId, ['input', 'account']);
  if (account.kind !== 'COLOCATION')
    throw ValidationError.field(
      ['input', 'account'],
      'Only colocation customers have a representative IP',
      'COLOCATION_ONLY',
    );
  const ip = checkIp(opts.ip, { allowPrivate: opts.allowPrivate ?? false });
  if (!ip.ok) throw new ValidationError([{ path: ['input', 'ip'], ...problemOf(ip) }]);
  const [current, taken] = await Promise.all([
    deps.prisma.server.findFirst({
      where: { accountId: account.id, source: 'REPRESENTATIVE' },
      include: { activeMonitor: { select: { id: true } } },
    }),
    deps.prisma.server.findUnique({ where: { ip: ip.ip } }),
  ]);
  if (taken && taken.accountId !== account.id) throw new ConflictError(`${ip.ip} belongs to another customer`);
  if (current && current.ip !== ip.ip && current.activeMonitor && !taken)
    throw new ConflictError(
      `The current representative IP ${current.ip} is being monitored; delete that monitor first`,
    );
  try {
    return await deps.prisma.$transaction(async (tx) => {
      let server: Server;
      if (taken) {
        // already in this customer's inventory: it becomes the representative; the old one stays as an ordinary server
        if (current && current.id !== taken.id)
          await tx.server.update({ where: { id: current.id }, data: { source: 'APPROVED_REQUEST' } });
        server = await tx.server.update({
          where: { id: taken.id },
          data: { source: 'REPRESENTATIVE', allowPrivate: taken.allowPrivate || (opts.allowPrivate ?? false) },
        });
      } else if (current) {
        server = await tx.server.update({
          where: { id: current.id },
          data: { ip: ip.ip, allowPrivate: opts.allowPrivate ?? false },
        });
      } else {
        server = await tx.server.create({
          data: {
            ip: ip.ip,
            accountId: account.id,
            source: 'REPRESENTATIVE',
            allowPrivate: opts.allowPrivate ?? false,
            label: 'representative IP',
          },
        });
      }
      await tx.account.update({ where: { id: account.id }, data: { representativeIp: ip.ip } });
      await recordAudit(tx, viewer, {
        action: 'account.representativeIp',
        targetType: 'Account',
        targetId: account.id,
        detail: { from: account.representativeIp, to: ip.ip },
      });
      return server;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`${ip.ip} is already in the inventory`);
    throw err;
  }
}
