// Certificate expiry warnings: the thresholds (the admin's default, an account's own), which
// threshold is due for a certificate (pure), and the "certificates" list (tenant-scoped).
import { Prisma } from '../generated/prisma/client.ts';
import type { PrismaClient } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { ownedWhere, requireAdmin, seesAccount } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export const DAY_MS = 86_400_000;
export const DEFAULT_CERT_WARN_DAYS: readonly number[] = [30, 14, 7, 1];
const KEY = 'certWarnDays';
const MAX_THRESHOLDS = 10;

/** Distinct whole days 1–365, most distant first; null = invalid. */
export function normalizeWarnDays(value: unknown): number[] | null {
  if (!Array.isArray(value) || value.length > MAX_THRESHOLDS) return null;
  if (!value.every((d) => Number.isInteger(d) && (d as number) >= 1 && (d as number) <= 365)) return null;
  return [...new Set(value as number[])].sort((a, b) => b - a);
}

function validated(days: readonly number[], path: string[]): number[] {
  const n = normalizeWarnDays([...days]);
  if (!n)
    throw ValidationError.field(
      path,
      `At most ${MAX_THRESHOLDS} whole numbers of days, each from 1 to 365`,
      'WARN_DAYS',
      { max: MAX_THRESHOLDS },
    );
  return n;
}

/**
 * The threshold whose message is due now, or null: the most urgent threshold the certificate
 * has crossed (days left ≤ threshold), when it is more urgent than the last one warned. A
 * certificate first seen with 5 days left gets one "7 days" message, not three. An expired
 * certificate gets none here: its check fails (CERT_EXPIRED) and the outage is alerted.
 */
export function dueThreshold(
  thresholds: readonly number[],
  validTo: number,
  now: number,
  warned: number | null,
): number | null {
  const left = (validTo - now) / DAY_MS;
  if (left <= 0) return null;
  let due: number | null = null;
  for (const t of thresholds) if (left <= t && (due === null || t < due)) due = t;
  if (due === null) return null;
  return warned !== null && due >= warned ? null : due;
}

export async function getDefaultWarnDays(prisma: PrismaClient | Prisma.TransactionClient): Promise<number[]> {
  const row = await prisma.setting.findUnique({ where: { key: KEY } });
  return normalizeWarnDays(row?.value) ?? [...DEFAULT_CERT_WARN_DAYS];
}

/** The thresholds that apply to an account (its own, else the admin's default). */
export async function warnDaysFor(
  prisma: PrismaClient | Prisma.TransactionClient,
  accountId: string,
): Promise<number[]> {
  const account = await prisma.account.findUnique({ where: { id: accountId }, select: { certWarnDays: true } });
  return normalizeWarnDays(account?.certWarnDays) ?? getDefaultWarnDays(prisma);
}

export async function setDefaultWarnDays(
  deps: ServiceDeps,
  viewer: Viewer,
  days: readonly number[],
): Promise<number[]> {
  requireAdmin(viewer);
  const value = validated(days, ['days']);
  await deps.prisma.$transaction(async (tx) => {
    await tx.setting.upsert({ where: { key: KEY }, create: { key: KEY, value }, update: { value } });
    await recordAudit(tx, viewer, {
      action: 'settings.certWarnDays',
      targetType: 'Setting',
      targetId: KEY,
      detail: value,
    });
  });
  return value;
}

/** A customer sets its own thresholds; an admin any account's. null = follow the admin's default; [] = no warnings. */
export async function setAccountWarnDays(
  deps: ServiceDeps,
  viewer: Viewer,
  accountId: string,
  days: readonly number[] | null,
): Promise<number[] | null> {
  if (!seesAccount(viewer, accountId)) throw new NotFoundError('Account');
  const value = days === null ? null : days.length === 0 ? [] : validated(days, ['days']);
  const found = await deps.prisma.account.findUnique({ where: { id: accountId }, select: { id: true } });
  if (!found) throw new NotFoundError('Account');
  await deps.prisma.$transaction(async (tx) => {
    await tx.account.update({
      where: { id: accountId },
      data: { certWarnDays: value === null ? Prisma.DbNull : value },
    });
    await recordAudit(tx, viewer, {
      action: 'account.certWarnDays',
      targetType: 'Account',
      targetId: accountId,
      detail: value ?? 'default',
    });
  });
  return value;
}

export interface ListCertificatesOptions {
  monitorId?: string | null;
  /** Only certificates expiring within this many days (expired ones included). */
  expiringWithinDays?: number | null;
}

/** The widest "expiring within" filter: ten years (a larger or negative value is a typed error). */
export const MAX_EXPIRING_WITHIN_DAYS = 3650;

/** Current certificates of live monitors, soonest expiry first. */
export function certificateListWhere(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: ListCertificatesOptions,
): Prisma.CertificateWhereInput {
  const within = opts.expiringWithinDays;
  if (within != null && (!Number.isInteger(within) || within < 0 || within > MAX_EXPIRING_WITHIN_DAYS)) {
    throw ValidationError.field(
      'expiringWithinDays',
      `must be a whole number of days from 0 to ${MAX_EXPIRING_WITHIN_DAYS}`,
      'OUT_OF_RANGE',
      { min: 0, max: MAX_EXPIRING_WITHIN_DAYS },
    );
  }
  return {
    AND: [
      ownedWhere(viewer),
      { current: true, monitor: { deletedAt: null } },
      opts.monitorId ? { monitorId: opts.monitorId } : {},
      opts.expiringWithinDays != null
        ? { validTo: { lt: new Date(deps.now().getTime() + opts.expiringWithinDays * DAY_MS) } }
        : {},
    ],
  };
}

type CertificateQuery = Omit<Prisma.CertificateFindManyArgs, 'where' | 'orderBy'>;

export function listCertificates(
  deps: ServiceDeps,
  viewer: Viewer | null,
  opts: ListCertificatesOptions,
  query: CertificateQuery,
) {
  return deps.prisma.certificate.findMany({
    ...query,
    where: certificateListWhere(deps, viewer, opts),
    orderBy: [{ validTo: 'asc' }, { id: 'asc' }],
  });
}

export function countCertificates(deps: ServiceDeps, viewer: Viewer | null, opts: ListCertificatesOptions) {
  return deps.prisma.certificate.count({ where: certificateListWhere(deps, viewer, opts) });
}
