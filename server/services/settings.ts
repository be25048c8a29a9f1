// Global settings, stored as typed JSON in the Setting table and validated on read.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { PrismaClient } from '../db/index.ts';
import { isUniqueViolation } from './errors.ts';

export const defaultsSchema = z.object({
  intervalSec: z.number().int().min(10).max(86_400).default(180),
  retryIntervalSec: z.number().int().min(1).max(3_600).default(30),
  timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  failureThreshold: z.number().int().min(1).max(100).default(3),
  recoveryThreshold: z.number().int().min(1).max(100).default(2),
  portLimit: z.number().int().min(1).max(100).default(3),
  // flapping rule (server/alerting/flapping.ts): the admin's default; monitors may override within FLAP_LIMITS
  flapEnabled: z.boolean().default(true),
  flapWindow: z.number().int().min(6).max(100).default(21),
  flapChanges: z.number().int().min(4).max(99).default(6),
  flapFailedPercent: z.number().int().min(10).max(100).default(30),
});
export type MonitorDefaults = z.output<typeof defaultsSchema>;

export async function getMonitorDefaults(prisma: PrismaClient): Promise<MonitorDefaults> {
  const row = await prisma.setting.findUnique({ where: { key: 'monitorDefaults' } });
  const parsed = defaultsSchema.safeParse(row?.value ?? {});
  return parsed.success ? parsed.data : defaultsSchema.parse({});
}

/** The installation's HMAC secret (signed links), created once and shared by every process. */
export async function getInstallationSecret(prisma: PrismaClient): Promise<string> {
  const found = await prisma.setting.findUnique({ where: { key: 'installationSecret' } });
  if (found && typeof found.value === 'string') return found.value;
  try {
    await prisma.setting.create({ data: { key: 'installationSecret', value: randomBytes(32).toString('base64url') } });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
  }
  const row = await prisma.setting.findUniqueOrThrow({ where: { key: 'installationSecret' } });
  return String(row.value);
}
