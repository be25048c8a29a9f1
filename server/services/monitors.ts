// Registering servers for monitoring: register, update, delete (soft), pause, resume.
// Tenancy: a customer acts only on its own inventory and monitors (ownedWhere); an admin on all.
// Every write is one transaction with its audit row; the probe hears about it after the commit.
import type { Monitor, Prisma, Server } from '../generated/prisma/client.ts';
import { recordAudit } from './audit.ts';
import {
  checksJson,
  pruneChecks,
  readChecks,
  validateChecks,
  type PortCheckInput,
  type StoredChecks,
} from './check-input.ts';
import { ConflictError, isUniqueViolation, NotFoundError, ValidationError, type FieldProblem } from './errors.ts';
import { checkIp, parseIp, problemOf } from './ip-policy.ts';
import {
  validateContact,
  validatePolicy,
  validateWindows,
  type ContactInput,
  type MaintenanceWindowInput,
  type PolicyFields,
} from './monitor-input.ts';
import { parsePorts, portsProblem } from './ports.ts';
import { getMonitorDefaults } from './settings.ts';
import { closeMonitorIncidents } from './incident-close.ts';
import { ownedWhere } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

type Tx = Prisma.TransactionClient;

export interface MonitorPolicyOptions {
  intervalSec?: number | null;
  retryIntervalSec?: number | null;
  timeoutMs?: number | null;
  failureThreshold?: number | null;
  recoveryThreshold?: number | null;
  reminderEveryMin?: number | null;
  escalateAfterMin?: number | null;
  flapEnabled?: boolean | null;
  flapWindow?: number | null;
  flapChanges?: number | null;
  flapFailedPercent?: number | null;
}

export interface MonitorContactOptions {
  /** The seed's "use existing information": copy the account's name, e-mail and phone. */
  useAccountContact?: boolean | null;
  contactName?: string | null;
  contactEmail?: string | null;
  contactPhone?: string | null;
  mailEnabled?: boolean | null;
  smsEnabled?: boolean | null;
  alimtalkEnabled?: boolean | null;
}

export interface RegisterMonitorOptions extends MonitorPolicyOptions, MonitorContactOptions {
  /** The inventory server (its database id), or… */
  serverId?: string | null;
  /** …its IP address as typed. */
  host?: string | null;
  /** A list of ports, or text such as "21,22,23", "21/22/23" or "21 22 23". */
  ports: unknown;
  maintenanceWindows?: MaintenanceWindowInput[] | null;
  /** Check kind per port; ports not listed are TCP connects. */
  checks?: PortCheckInput[] | null;
}

export interface UpdateMonitorOptions extends MonitorPolicyOptions, MonitorContactOptions {
  ports?: unknown;
  /** Replaces every window when given (an empty list removes them all). */
  maintenanceWindows?: MaintenanceWindowInput[] | null;
  /** Replaces every port's check kind when given; else a removed port's check goes with it. */
  checks?: PortCheckInput[] | null;
}

const POLICY_KEYS = [
  'intervalSec',
  'retryIntervalSec',
  'timeoutMs',
  'failureThreshold',
  'recoveryThreshold',
  'reminderEveryMin',
  'escalateAfterMin',
  'flapWindow',
  'flapChanges',
  'flapFailedPercent',
] as const;

const EMPTY_POLICY: PolicyFields = {
  intervalSec: null,
  retryIntervalSec: null,
  timeoutMs: null,
  failureThreshold: null,
  recoveryThreshold: null,
  reminderEveryMin: null,
  escalateAfterMin: null,
  flapEnabled: null,
  flapWindow: null,
  flapChanges: null,
  flapFailedPercent: null,
};

function mergePolicy(current: PolicyFields, opts: MonitorPolicyOptions): PolicyFields {
  const next = { ...EMPTY_POLICY };
  for (const k of POLICY_KEYS) next[k] = opts[k] !== undefined ? (opts[k] ?? null) : current[k];
  next.flapEnabled = opts.flapEnabled !== undefined ? (opts.flapEnabled ?? null) : current.flapEnabled;
  return next;
}

interface OwnerContact {
  name: string;
  email: string;
  phone: string | null;
}

function mergeContact(current: ContactInput, opts: MonitorContactOptions, owner: OwnerContact): ContactInput {
  const base = opts.useAccountContact
    ? { ...current, contactName: owner.name, contactEmail: owner.email, contactPhone: owner.phone }
    : { ...current };
  if (!opts.useAccountContact) {
    if (opts.contactName !== undefined) base.contactName = opts.contactName ?? '';
    if (opts.contactEmail !== undefined) base.contactEmail = opts.contactEmail ?? '';
    if (opts.contactPhone !== undefined) base.contactPhone = opts.contactPhone;
  }
  if (opts.mailEnabled != null) base.mailEnabled = opts.mailEnabled;
  if (opts.smsEnabled != null) base.smsEnabled = opts.smsEnabled;
  if (opts.alimtalkEnabled != null) base.alimtalkEnabled = opts.alimtalkEnabled;
  return base;
}

/** The server to register: by id or by IP, always within the viewer's inventory. */
async function findTargetServer(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: RegisterMonitorOptions,
): Promise<{ server: Server | null; problem: FieldProblem | null }> {
  if (opts.serverId) {
    const server = await deps.prisma.server.findFirst({ where: { id: opts.serverId, ...ownedWhere(viewer) } });
    return {
      server,
      problem: server
        ? null
        : { path: ['input', 'server'], message: 'No such server in your inventory', code: 'SERVER_UNKNOWN' },
    };
  }
  if (opts.host?.trim()) {
    const parsed = parseIp(opts.host);
    if (!parsed)
      return {
        server: null,
        problem: { path: ['input', 'host'], message: 'Enter an IPv4 or IPv6 address', code: 'INVALID_IP' },
      };
    const server = await deps.prisma.server.findFirst({ where: { ip: parsed.ip, ...ownedWhere(viewer) } });
    return {
      server,
      problem: server
        ? null
        : {
            path: ['input', 'host'],
            message: `${parsed.ip} is not in your inventory (colocation customers: file an IP approval request first)`,
            code: 'IP_NOT_YOURS',
            params: { ip: parsed.ip },
          },
    };
  }
  return { server: null, problem: { path: ['input', 'server'], message: 'Choose a server', code: 'SERVER_REQUIRED' } };
}

async function replaceWindows(tx: Tx, monitorId: string, rows: ReturnType<typeof validateWindows>['rows']) {
  await tx.maintenanceWindow.deleteMany({ where: { monitorId } });
  if (rows.length) await tx.maintenanceWindow.createMany({ data: rows.map((r) => ({ ...r, monitorId })) });
}

export async function registerMonitor(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: RegisterMonitorOptions,
): Promise<Monitor> {
  const { server, problem } = await findTargetServer(deps, viewer, opts);
  if (!server) throw new ValidationError([problem!]);
  const owner = await deps.prisma.account.findUniqueOrThrow({ where: { id: server.accountId } });
  const defaults = await getMonitorDefaults(deps.prisma);
  const problems: FieldProblem[] = [];

  const ip = checkIp(server.ip, { allowPrivate: server.allowPrivate });
  if (!ip.ok) problems.push({ path: ['input', opts.serverId ? 'server' : 'host'], ...problemOf(ip) });
  const ports = parsePorts(opts.ports, owner.portLimit);
  if (!ports.ok) problems.push({ path: ['input', 'ports'], ...portsProblem(ports) });
  const merged = mergeContact(
    { contactName: '', contactEmail: '', contactPhone: null, mailEnabled: true, smsEnabled: false },
    opts,
    owner,
  );
  // SMS is on by default when there is a number to send to
  if (opts.smsEnabled == null) merged.smsEnabled = Boolean(merged.contactPhone?.trim());
  const contact = validateContact(merged);
  problems.push(...contact.problems);
  const policy = mergePolicy(EMPTY_POLICY, opts);
  problems.push(...validatePolicy(policy, defaults));
  const windows = validateWindows(opts.maintenanceWindows ?? [], owner.timeZone);
  problems.push(...windows.problems);
  const checks = validateChecks(opts.checks ?? [], ports.ok ? ports.ports : []);
  problems.push(...checks.problems);
  if (problems.length) throw new ValidationError(problems);

  let monitor: Monitor;
  try {
    monitor = await deps.prisma.$transaction(async (tx) => {
      const now = deps.now();
      const created = await tx.monitor.create({
        data: {
          createdAt: now,
          updatedAt: now,
          accountId: server.accountId,
          serverId: server.id,
          activeServerId: server.id,
          host: server.ip,
          ports: ports.ok ? ports.ports : [],
          ...contact.value,
          ...policy,
          checks: checksJson(checks.value),
        },
      });
      await replaceWindows(tx, created.id, windows.rows);
      await recordAudit(tx, viewer, {
        action: 'monitor.register',
        targetType: 'Monitor',
        targetId: created.id,
        detail: { host: server.ip, ports: created.ports },
      });
      return created;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError(`${server.ip} is already registered for monitoring`);
    throw err;
  }
  deps.signals.monitorChanged.emit(monitor.id);
  return monitor;
}

/** A live (not deleted) monitor of the viewer's, or NotFound. */
async function findLiveMonitor(deps: ServiceDeps, viewer: Viewer, monitorId: string) {
  const monitor = await deps.prisma.monitor.findFirst({
    where: { id: monitorId, deletedAt: null, ...ownedWhere(viewer) },
    include: { account: true },
  });
  if (!monitor) throw new NotFoundError('Monitor');
  return monitor;
}

export async function updateMonitor(
  deps: ServiceDeps,
  viewer: Viewer,
  monitorId: string,
  opts: UpdateMonitorOptions,
): Promise<Monitor> {
  const current = await findLiveMonitor(deps, viewer, monitorId);
  const defaults = await getMonitorDefaults(deps.prisma);
  const problems: FieldProblem[] = [];
  let ports = current.ports;
  if (opts.ports !== undefined && opts.ports !== null) {
    const parsed = parsePorts(opts.ports, current.account.portLimit);
    if (parsed.ok) ports = parsed.ports;
    else problems.push({ path: ['input', 'ports'], ...portsProblem(parsed) });
  }
  const contact = validateContact(mergeContact(current, opts, current.account));
  problems.push(...contact.problems);
  const policy = mergePolicy(current, opts);
  problems.push(...validatePolicy(policy, defaults));
  const windows =
    opts.maintenanceWindows != null ? validateWindows(opts.maintenanceWindows, current.account.timeZone) : null;
  if (windows) problems.push(...windows.problems);
  let checks: StoredChecks = pruneChecks(Object.fromEntries(readChecks(current.checks)), ports);
  if (opts.checks != null) {
    const v = validateChecks(opts.checks, ports);
    problems.push(...v.problems);
    checks = v.value;
  }
  if (problems.length) throw new ValidationError(problems);

  const monitor = await deps.prisma.$transaction(async (tx) => {
    // a removed port's saved state goes with it (the lists' status and the summary count
    // configured ports only); port states first, then the monitor: the probe's batches lock
    // in that order too
    await tx.portState.deleteMany({ where: { monitorId: current.id, port: { notIn: ports } } });
    const updated = await tx.monitor.update({
      where: { id: current.id },
      data: { ports, ...contact.value, ...policy, checks: checksJson(checks), updatedAt: deps.now() },
    });
    if (windows) await replaceWindows(tx, current.id, windows.rows);
    await recordAudit(tx, viewer, {
      action: 'monitor.update',
      targetType: 'Monitor',
      targetId: current.id,
      detail: { ports },
    });
    return updated;
  });
  deps.signals.monitorChanged.emit(monitor.id);
  return monitor;
}

/**
 * Stops monitoring at once and frees the server for a new registration; the monitor row and
 * its logs stay (deletedAt; the probe runtime then applies alerting's pure deleteMonitor).
 * The `mark…` names of this file's database operations keep them apart from those pure steps. An open incident is closed with reason MONITOR_DELETED and a CLOSED
 * message (never a recovery message).
 */
export async function markMonitorDeleted(deps: ServiceDeps, viewer: Viewer, monitorId: string): Promise<Monitor> {
  const current = await findLiveMonitor(deps, viewer, monitorId);
  const now = deps.now();
  const { monitor, closed } = await deps.prisma.$transaction(async (tx) => {
    const monitor = await tx.monitor.update({
      where: { id: current.id },
      data: { deletedAt: now, activeServerId: null, updatedAt: now },
    });
    const open = (await closeMonitorIncidents(tx, current, 'MONITOR_DELETED', now)).map((id) => ({ id }));
    await recordAudit(tx, viewer, {
      action: 'monitor.delete',
      targetType: 'Monitor',
      targetId: current.id,
      detail: { host: current.host },
    });
    return { monitor, closed: open };
  });
  for (const i of closed) deps.events.incident({ incidentId: i.id, accountId: monitor.accountId, change: 'RESOLVED' });
  // the closed incidents' messages are queued: wake the dispatcher now, not at its next poll
  if (closed.length > 0) deps.signals.notificationsQueued.emit();
  deps.signals.monitorChanged.emit(monitor.id);
  return monitor;
}

async function setPaused(deps: ServiceDeps, viewer: Viewer, monitorId: string, paused: boolean): Promise<Monitor> {
  const current = await findLiveMonitor(deps, viewer, monitorId);
  if (paused === (current.pausedAt !== null)) return current;
  const monitor = await deps.prisma.$transaction(async (tx) => {
    const updated = await tx.monitor.update({
      where: { id: current.id },
      data: { pausedAt: paused ? deps.now() : null, updatedAt: deps.now() },
    });
    await recordAudit(tx, viewer, {
      action: paused ? 'monitor.pause' : 'monitor.resume',
      targetType: 'Monitor',
      targetId: current.id,
    });
    return updated;
  });
  deps.signals.monitorChanged.emit(monitor.id);
  return monitor;
}

/** Sets pausedAt (the probe runtime then applies alerting's pure pauseMonitor). */
export const markMonitorPaused = (deps: ServiceDeps, viewer: Viewer, monitorId: string) =>
  setPaused(deps, viewer, monitorId, true);
/** Clears pausedAt (the probe runtime then applies alerting's pure resumeMonitor). */
export const markMonitorResumed = (deps: ServiceDeps, viewer: Viewer, monitorId: string) =>
  setPaused(deps, viewer, monitorId, false);
