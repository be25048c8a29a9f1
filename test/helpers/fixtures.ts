// Rows a test needs, written straight through Prisma (no dependency on the API layer).
import type { PrismaClient } from '../../server/db/index.ts';
import { createEvents } from '../../server/events/events.ts';
import { createSignals } from '../../server/events/signals.ts';
import { hashPassword } from '../../server/services/passwords.ts';
import type { ServiceDeps, Viewer } from '../../server/services/types.ts';

export const TEST_SECRET = 'test-installation-secret-0123456789';

/** What the service functions need, with in-process events and signals; `over` replaces any part. */
export function serviceDeps(prisma: PrismaClient, over: Partial<ServiceDeps> = {}): ServiceDeps {
  return {
    prisma,
    events: createEvents(),
    signals: createSignals(),
    now: () => new Date(),
    secret: TEST_SECRET,
    publicUrl: 'https://pw.example.com',
    ...over,
  };
}

/** An admin account (`loginId`) and the viewer of its session. */
export async function makeAdminViewer(prisma: PrismaClient, loginId = 'root'): Promise<Viewer> {
  const id = (await makeCustomer(prisma, loginId)).id;
  const root = await prisma.account.update({ where: { id }, data: { role: 'ADMIN' } });
  return { accountId: root.id, loginId, role: 'ADMIN', kind: null, language: 'en', via: 'session' };
}

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
