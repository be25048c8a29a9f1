// The SLA target: per account (Account.slaTargetPercent), else the admin's default (a setting,
// 99.9 % unless changed). Percent in (0, 100].
import { z } from 'zod';
import type { PrismaClient } from '../../db/index.ts';
import { ValidationError } from '../errors.ts';

export const SLA_DEFAULT_KEY = 'slaDefaultTargetPercent';
export const SLA_FALLBACK_PERCENT = 99.9;

const percent = z.number().gt(0).max(100);

export async function defaultSlaTarget(prisma: PrismaClient): Promise<number> {
  const row = await prisma.setting.findUnique({ where: { key: SLA_DEFAULT_KEY } });
  const parsed = percent.safeParse(row?.value);
  return parsed.success ? parsed.data : SLA_FALLBACK_PERCENT;
}

/** A target as entered: a number of percent in (0, 100] with at most three decimals. */
export function checkTarget(field: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0 || value > 100 || Math.round(value * 1000) !== value * 1000)
    throw ValidationError.field(field, 'A percentage above 0 and at most 100', 'OUT_OF_RANGE', { min: 0, max: 100 });
  return value;
}
