// The retention policy (docs/storage.md): how long failure runs and hourly rollups are kept.
// Daily rollups, incidents and the notification ledger are kept for years (the yearly statistics
// and SLA reports need them): the policy has no setting that deletes them.
import { z } from 'zod';
import type { PrismaClient } from '../../db/index.ts';
import { recordAudit } from '../audit.ts';
import { ForbiddenError, ValidationError, type FieldProblem } from '../errors.ts';
import { isAdmin } from '../tenancy.ts';
import type { Viewer } from '../types.ts';

export const RETENTION_LIMITS = { minMonths: 2, maxMonths: 120 } as const;

export const retentionSchema = z.object({
  /** Failure runs whose first check is older than this many months are deleted. */
  failureRunMonths: z.number().int().min(RETENTION_LIMITS.minMonths).max(RETENTION_LIMITS.maxMonths).default(13),
  /** Hourly rollups older than this many months are folded into daily rollups. */
  hourlyRollupMonths: z.number().int().min(RETENTION_LIMITS.minMonths).max(RETENTION_LIMITS.maxMonths).default(13),
});
export type RetentionPolicy = z.output<typeof retentionSchema>;

const KEY = 'retentionPolicy';

export async function getRetentionPolicy(prisma: PrismaClient): Promise<RetentionPolicy> {
  const row = await prisma.setting.findUnique({ where: { key: KEY } });
  const parsed = retentionSchema.safeParse(row?.value ?? {});
  return parsed.success ? parsed.data : retentionSchema.parse({});
}

/** The first instant kept: `months` calendar months (UTC) before `now`'s UTC day. */
export function cutoff(now: Date, months: number): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, now.getUTCDate()));
}

export function validateRetention(input: Partial<RetentionPolicy>): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const key of ['failureRunMonths', 'hourlyRollupMonths'] as const) {
    const v = input[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v < RETENTION_LIMITS.minMonths || v > RETENTION_LIMITS.maxMonths) {
      problems.push({
        path: ['input', key],
        message: `A whole number of months from ${RETENTION_LIMITS.minMonths} to ${RETENTION_LIMITS.maxMonths}`,
      });
    }
  }
  return problems;
}

/** Admin: changes the policy (fields left out stay); audited. */
export async function setRetentionPolicy(
  prisma: PrismaClient,
  viewer: Viewer | null,
  input: Partial<RetentionPolicy>,
): Promise<RetentionPolicy> {
  if (!isAdmin(viewer)) throw new ForbiddenError();
  const problems = validateRetention(input);
  if (problems.length) throw new ValidationError(problems);
  const next = retentionSchema.parse({ ...(await getRetentionPolicy(prisma)), ...input });
  await prisma.$transaction(async (tx) => {
    await tx.setting.upsert({ where: { key: KEY }, create: { key: KEY, value: next }, update: { value: next } });
    await recordAudit(tx, viewer, { action: 'settings.retention', detail: next });
  });
  return next;
}
