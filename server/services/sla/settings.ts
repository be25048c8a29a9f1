// SLA settings: an account's target and monthly e-mail (the customer's own; admins may set a
// customer's target), and the admin's default target.
import { recordAudit } from '../audit.ts';
import { ForbiddenError, NotFoundError } from '../errors.ts';
import { isAdmin } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';
import { checkTarget, defaultSlaTarget, SLA_DEFAULT_KEY } from './target.ts';

export interface SlaSettings {
  accountId: string;
  /** The account's own target (null: the admin's default applies). */
  targetPercent: number | null;
  effectiveTargetPercent: number;
  defaultTargetPercent: number;
  reportMail: boolean;
  /** Where the monthly e-mail goes: the account's e-mail address. */
  reportMailTo: string;
  /** When the e-mail was switched on (null: off). */
  reportMailSince: Date | null;
}

export async function getSlaSettings(
  deps: ServiceDeps,
  viewer: Viewer,
  accountId?: string | null,
): Promise<SlaSettings> {
  const id = accountId ?? viewer.accountId;
  if (id !== viewer.accountId && !isAdmin(viewer)) throw new NotFoundError('Account');
  const [a, fallback] = await Promise.all([
    deps.prisma.account.findUnique({
      where: { id },
      select: { id: true, email: true, slaTargetPercent: true, slaReportMail: true, slaReportMailSince: true },
    }),
    defaultSlaTarget(deps.prisma),
  ]);
  if (!a) throw new NotFoundError('Account');
  return {
    accountId: a.id,
    targetPercent: a.slaTargetPercent,
    effectiveTargetPercent: a.slaTargetPercent ?? fallback,
    defaultTargetPercent: fallback,
    reportMail: a.slaReportMail,
    reportMailTo: a.email,
    reportMailSince: a.slaReportMail ? a.slaReportMailSince : null,
  };
}

/**
 * The target (undefined: unchanged, null: back to the default) and the monthly e-mail (the 1st
 * of each month, for the month before, in the account's language and time zone; sent by
 * ../../dispatch/sla-mail.ts through the ledger). The
 * target is the provider's promise: only admins set it; a customer may switch the e-mail.
 */
export async function updateSlaSettings(
  deps: ServiceDeps,
  viewer: Viewer,
  input: { accountId?: string | null; targetPercent?: number | null; reportMail?: boolean | null },
): Promise<SlaSettings> {
  const id = input.accountId ?? viewer.accountId;
  const admin = isAdmin(viewer);
  if (id !== viewer.accountId && !admin) throw new NotFoundError('Account');
  if (input.targetPercent !== undefined && !admin)
    throw new ForbiddenError('Only an administrator sets the SLA target');
  const target = input.targetPercent == null ? input.targetPercent : checkTarget('targetPercent', input.targetPercent);
  await deps.prisma.$transaction(async (tx) => {
    const found = await tx.account.findUnique({ where: { id }, select: { id: true, slaReportMail: true } });
    if (!found) throw new NotFoundError('Account');
    // switched on: from now (a month is mailed only if the switch was on when it ended); off: cleared
    const mail =
      input.reportMail == null || input.reportMail === found.slaReportMail
        ? {}
        : { slaReportMail: input.reportMail, slaReportMailSince: input.reportMail ? deps.now() : null };
    await tx.account.update({
      where: { id },
      data: {
        ...(target !== undefined ? { slaTargetPercent: target } : {}),
        ...mail,
      },
    });
    if (admin && target !== undefined)
      await recordAudit(tx, viewer, {
        action: 'sla.target',
        targetType: 'Account',
        targetId: id,
        detail: { targetPercent: target },
      });
  });
  return getSlaSettings(deps, viewer, id);
}

export async function setDefaultSlaTarget(deps: ServiceDeps, viewer: Viewer, percent: number): Promise<number> {
  if (!isAdmin(viewer)) throw new ForbiddenError('Administrators only');
  const value = checkTarget('targetPercent', percent);
  await deps.prisma.$transaction(async (tx) => {
    await tx.setting.upsert({
      where: { key: SLA_DEFAULT_KEY },
      update: { value },
      create: { key: SLA_DEFAULT_KEY, value },
    });
    await recordAudit(tx, viewer, { action: 'sla.defaultTarget', detail: { targetPercent: value } });
  });
  return value;
}
