// Admin: global monitor defaults, admin alert recipients, the probe source addresses shown to
// customers for their firewalls, and the audit log.
import { discoverSources } from './probe-sources.ts';
import type { AdminRecipient, Prisma } from '../generated/prisma/client.ts';
import type { Language } from '../generated/prisma/enums.ts';
import { normalizeMobile } from '../notify/phone.ts';
import { recordAudit } from './audit.ts';
import { NotFoundError, ValidationError, type FieldProblem, type ProblemParams } from './errors.ts';
import { parseIp } from './ip-policy.ts';
import { isEmailAddress } from '../notify/email-address.ts';
import { defaultsSchema, getMonitorDefaults, type MonitorDefaults } from './settings.ts';
import { requireAdmin } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

/** A zod bound as a field error code: NOT_BELOW / NOT_ABOVE with the bound. */
function zodCode(i: { code: string; minimum?: unknown; maximum?: unknown }): { code?: string; params?: ProblemParams } {
  if (i.code === 'too_small' && typeof i.minimum === 'number') return { code: 'NOT_BELOW', params: { min: i.minimum } };
  if (i.code === 'too_big' && typeof i.maximum === 'number') return { code: 'NOT_ABOVE', params: { max: i.maximum } };
  return {};
}

/** Changes some defaults; the rest stay. Monitors without their own values follow at once (the probe reloads them). */
export async function updateMonitorDefaults(
  deps: ServiceDeps,
  viewer: Viewer,
  patch: Partial<Record<keyof MonitorDefaults, number | boolean | null>>,
): Promise<MonitorDefaults> {
  requireAdmin(viewer);
  const current = await getMonitorDefaults(deps.prisma);
  const next: Record<string, number | boolean> = { ...current };
  for (const [k, v] of Object.entries(patch)) if (v != null) next[k] = v;
  const parsed = defaultsSchema.safeParse(next);
  if (!parsed.success)
    throw new ValidationError(
      parsed.error.issues.map((i) => ({ path: ['input', ...i.path.map(String)], message: i.message, ...zodCode(i) })),
    );
  const d = parsed.data;
  if (d.timeoutMs >= d.intervalSec * 1000)
    throw ValidationError.field(['input', 'timeoutMs'], 'Must be shorter than the interval', 'TIMEOUT_VS_INTERVAL', {
      timeout: d.timeoutMs,
      interval: d.intervalSec,
    });
  if (d.retryIntervalSec > d.intervalSec)
    throw ValidationError.field(
      ['input', 'retryIntervalSec'],
      'May not be longer than the interval',
      'RETRY_VS_INTERVAL',
      { retry: d.retryIntervalSec, interval: d.intervalSec },
    );
  if (d.flapChanges >= d.flapWindow)
    throw ValidationError.field(
      ['input', 'flapChanges'],
      `Must be fewer than the checks in the window (${d.flapWindow})`,
      'FLAP_CHANGES',
      { changes: d.flapChanges, window: d.flapWindow },
    );
  await deps.prisma.$transaction(async (tx) => {
    await tx.setting.upsert({
      where: { key: 'monitorDefaults' },
      create: { key: 'monitorDefaults', value: d },
      update: { value: d },
    });
    await recordAudit(tx, viewer, {
      action: 'settings.monitorDefaults',
      targetType: 'Setting',
      targetId: 'monitorDefaults',
      detail: d,
    });
  });
  await deps.events.settingsChanged({ what: 'monitorDefaults' });
  return d;
}

export interface AdminRecipientOptions {
  name?: string | null;
  email?: string | null;
  phone?: string | null;
  mailEnabled?: boolean | null;
  smsEnabled?: boolean | null;
  alimtalkEnabled?: boolean | null;
  language?: Language | null;
}

function recipientData(opts: AdminRecipientOptions, current: AdminRecipient | null) {
  const problems: FieldProblem[] = [];
  const name = (opts.name ?? current?.name ?? '').trim();
  if (!name || name.length > 100)
    problems.push({
      path: ['input', 'name'],
      message: 'Enter a name (at most 100 characters)',
      ...(name ? { code: 'TOO_LONG', params: { max: 100 } } : { code: 'REQUIRED' }),
    });
  const email = opts.email !== undefined ? opts.email?.trim() || null : (current?.email ?? null);
  if (email && !isEmailAddress(email))
    problems.push({ path: ['input', 'email'], message: 'Enter an e-mail address with @', code: 'INVALID_EMAIL' });
  let phone = opts.phone !== undefined ? opts.phone?.trim() || null : (current?.phone ?? null);
  if (phone && opts.phone !== undefined) {
    const m = normalizeMobile(phone);
    if (m.ok) phone = m.e164;
    else
      problems.push({ path: ['input', 'phone'], message: `Not a mobile number: ${m.reason}`, code: 'INVALID_PHONE' });
  }
  if (!email && !phone)
    problems.push({
      path: ['input', 'email'],
      message: 'Give an e-mail address or a mobile number',
      code: 'EMAIL_OR_PHONE',
    });
  if (!phone && (opts.alimtalkEnabled ?? current?.alimtalkEnabled))
    problems.push({
      path: ['input', 'phone'],
      message: 'KakaoTalk AlimTalk needs a mobile number',
      code: 'PHONE_FOR_ALIMTALK',
    });
  if (problems.length) throw new ValidationError(problems);
  return {
    name,
    email,
    phone,
    mailEnabled: opts.mailEnabled ?? current?.mailEnabled ?? true,
    smsEnabled: opts.smsEnabled ?? current?.smsEnabled ?? true,
    alimtalkEnabled: opts.alimtalkEnabled ?? current?.alimtalkEnabled ?? false,
    language: opts.language ?? current?.language ?? 'ko',
  };
}

export async function createAdminRecipient(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: AdminRecipientOptions,
): Promise<AdminRecipient> {
  requireAdmin(viewer);
  const data = recipientData(opts, null);
  const created = await deps.prisma.$transaction(async (tx) => {
    const r = await tx.adminRecipient.create({ data: { ...data, createdAt: deps.now() } });
    await recordAudit(tx, viewer, {
      action: 'adminRecipient.create',
      targetType: 'AdminRecipient',
      targetId: r.id,
      detail: { name: r.name },
    });
    return r;
  });
  // in force at once: this process's probe before the answer, the others through the fan-out
  await deps.events.settingsChanged({ what: 'adminRecipients' });
  return created;
}

async function findRecipient(deps: ServiceDeps, id: string) {
  const r = await deps.prisma.adminRecipient.findUnique({ where: { id } });
  if (!r) throw new NotFoundError('Admin recipient');
  return r;
}

export async function updateAdminRecipient(
  deps: ServiceDeps,
  viewer: Viewer,
  id: string,
  opts: AdminRecipientOptions,
): Promise<AdminRecipient> {
  requireAdmin(viewer);
  const current = await findRecipient(deps, id);
  const data = recipientData(opts, current);
  const updated = await deps.prisma.$transaction(async (tx) => {
    const r = await tx.adminRecipient.update({ where: { id }, data });
    await recordAudit(tx, viewer, { action: 'adminRecipient.update', targetType: 'AdminRecipient', targetId: id });
    return r;
  });
  await deps.events.settingsChanged({ what: 'adminRecipients' });
  return updated;
}

export async function deleteAdminRecipient(deps: ServiceDeps, viewer: Viewer, id: string): Promise<AdminRecipient> {
  requireAdmin(viewer);
  const current = await findRecipient(deps, id);
  await deps.prisma.$transaction(async (tx) => {
    await tx.adminRecipient.delete({ where: { id } });
    await recordAudit(tx, viewer, {
      action: 'adminRecipient.delete',
      targetType: 'AdminRecipient',
      targetId: id,
      detail: { name: current.name },
    });
  });
  await deps.events.settingsChanged({ what: 'adminRecipients' });
  return current;
}

export const PROBE_SOURCES_KEY = 'probeSources';

export interface ProbeInfo {
  /** The addresses checks come from: allow them in the firewall (INPUT / FORWARD). */
  sourceAddresses: string[];
  /** True when nothing is configured and the addresses were found from this host's routes. */
  discovered: boolean;
}

/**
 * The configured PROBE_SOURCE_ADDRESS first, then the addresses an admin listed; when there are
 * none, the addresses this host's routes pick to reach the monitored hosts (probe-sources.ts).
 */
export async function getProbeInfo(
  deps: Pick<ServiceDeps, 'prisma'>,
  configured: string | null | undefined,
): Promise<ProbeInfo> {
  const row = await deps.prisma.setting.findUnique({ where: { key: PROBE_SOURCES_KEY } });
  const listed = Array.isArray(row?.value) ? row.value.filter((v): v is string => typeof v === 'string') : [];
  const all = [...(configured ? [configured] : []), ...listed];
  if (all.length) return { sourceAddresses: [...new Set(all)], discovered: false };
  const hosts = await deps.prisma.monitor.findMany({
    where: { deletedAt: null },
    select: { host: true },
    distinct: ['host'],
    take: 50,
  });
  return { sourceAddresses: await discoverSources(hosts.map((h) => h.host)), discovered: true };
}

export async function setProbeSources(deps: ServiceDeps, viewer: Viewer, addresses: string[]): Promise<string[]> {
  requireAdmin(viewer);
  if (addresses.length > 50)
    throw ValidationError.field(['input', 'addresses'], 'At most 50 addresses', 'TOO_MANY', { max: 50 });
  const problems: FieldProblem[] = [];
  const parsed = addresses.map((a, i) => {
    const ip = parseIp(a);
    if (!ip)
      problems.push({ path: ['input', 'addresses', String(i)], message: 'Not an IP address', code: 'INVALID_IP' });
    return ip?.ip ?? '';
  });
  if (problems.length) throw new ValidationError(problems);
  const unique = [...new Set(parsed)];
  await deps.prisma.$transaction(async (tx) => {
    await tx.setting.upsert({
      where: { key: PROBE_SOURCES_KEY },
      create: { key: PROBE_SOURCES_KEY, value: unique },
      update: { value: unique },
    });
    await recordAudit(tx, viewer, {
      action: 'settings.probeSources',
      targetType: 'Setting',
      targetId: PROBE_SOURCES_KEY,
      detail: unique,
    });
  });
  return unique;
}

export interface ListAuditOptions {
  /** The start of an action ("request." for every approval action). */
  action?: string | null;
  actorId?: string | null;
  targetId?: string | null;
  from?: Date | null;
  to?: Date | null;
}

export function auditListWhere(opts: ListAuditOptions): Prisma.AuditLogWhereInput {
  return {
    ...(opts.action ? { action: { startsWith: opts.action } } : {}),
    ...(opts.actorId != null ? { actorId: opts.actorId } : {}),
    ...(opts.targetId ? { targetId: opts.targetId } : {}),
    ...(opts.from || opts.to
      ? { at: { ...(opts.from ? { gte: opts.from } : {}), ...(opts.to ? { lt: opts.to } : {}) } }
      : {}),
  };
}

type AuditQuery = Omit<Prisma.AuditLogFindManyArgs, 'where' | 'orderBy'>;

export function listAudit(deps: ServiceDeps, viewer: Viewer | null, opts: ListAuditOptions, query: AuditQuery) {
  requireAdmin(viewer);
  return deps.prisma.auditLog.findMany({ ...query, where: auditListWhere(opts), orderBy: [{ id: 'desc' }] });
}

export function countAudit(deps: ServiceDeps, viewer: Viewer | null, opts: ListAuditOptions) {
  requireAdmin(viewer);
  return deps.prisma.auditLog.count({ where: auditListWhere(opts) });
}
