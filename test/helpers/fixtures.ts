// Rows a test needs, written straight through Prisma (no dependency on the API layer).
import type { PrismaClient } from '../../server/db/index.ts';
import { hashPassword } from '../../server/services/passwords.ts';

let passwordHash: Promise<string> | undefined;

export async function makeCustomer(
  prisma: PrismaClient,
  loginId: string,
  extra: { kind?: 'HOSTING' | 'COLOCATION' } = {},
) {
  passwordHash ??= hashPassword('customer-password');
  return prisma.account.create({
    data: {
      loginId,
      name: loginId,
      email: `${loginId}@example.com`,
      passwordHash: await passwordHash,
      kind: extra.kind ?? 'HOSTING',
      language: 'en',
    },
  });
}
export const CUSTOMER_PASSWORD = 'customer-password';

export interface MonitorFixture {
  accountId: string;
  ip?: string;
  /** Probe this address instead of the server's IP (many monitors, one local listener). */
  probeHost?: string;
  ports: number[];
  intervalSec?: number;
  retryIntervalSec?: number;
  timeoutMs?: number;
  failureThreshold?: number;
  recoveryThreshold?: number;
  phone?: string | null;
  mailEnabled?: boolean;
  smsEnabled?: boolean;
}

export async function makeMonitor(prisma: PrismaClient, f: MonitorFixture) {
  const ip = f.ip ?? '127.0.0.1';
  const server = await prisma.server.upsert({
    where: { ip },
    update: {},
    create: { ip, accountId: f.accountId, source: 'HOSTING_INVENTORY', allowPrivate: true },
  });
  return prisma.monitor.create({
    data: {
      accountId: f.accountId,
      serverId: server.id,
      activeServerId: server.id,
      host: f.probeHost ?? ip,
      ports: f.ports,
      contactName: 'Contact',
      contactEmail: 'contact@example.com',
      contactPhone: f.phone === undefined ? '+821012345678' : f.phone,
      mailEnabled: f.mailEnabled ?? true,
      smsEnabled: f.smsEnabled ?? false,
      intervalSec: f.intervalSec ?? 10,
      retryIntervalSec: f.retryIntervalSec ?? 2,
      timeoutMs: f.timeoutMs ?? 1_000,
      failureThreshold: f.failureThreshold ?? 3,
      recoveryThreshold: f.recoveryThreshold ?? 2,
    },
  });
}
