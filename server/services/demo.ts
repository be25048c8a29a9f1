// Demo data for `npm run demo`: a hosting customer with a few servers and a colocation
// customer with a representative IP. Loopback addresses only (allowed explicitly), so the
// demo probes this machine and nothing else. Idempotent.
import type { PrismaClient } from '../db/index.ts';
import { hashPassword } from './passwords.ts';

export const DEMO_LOGINS = [
  {
    loginId: 'hosting',
    password: 'hosting-demo',
    kind: 'HOSTING' as const,
    name: 'Demo Hosting Co.',
    servers: ['127.0.0.1', '127.0.0.2', '127.0.0.3'],
  },
  {
    loginId: 'colo',
    password: 'colo-demo',
    kind: 'COLOCATION' as const,
    name: 'Demo Colocation Ltd.',
    servers: [] as string[],
    representativeIp: '127.0.0.10',
  },
];

export async function seedDemo(prisma: PrismaClient) {
  for (const d of DEMO_LOGINS) {
    const existing = await prisma.account.findUnique({ where: { loginId: d.loginId } });
    if (existing) continue;
    await prisma.$transaction(async (tx) => {
      const account = await tx.account.create({
        data: {
          loginId: d.loginId,
          name: d.name,
          email: `${d.loginId}@example.com`,
          phone: '+821012345678',
          role: 'CUSTOMER',
          kind: d.kind,
          language: 'ko',
          representativeIp: d.representativeIp ?? null,
          passwordHash: await hashPassword(d.password),
        },
      });
      for (const ip of d.servers) {
        await tx.server.create({
          data: {
            ip,
            accountId: account.id,
            source: 'HOSTING_INVENTORY',
            allowPrivate: true,
            label: 'demo (this machine)',
          },
        });
      }
      if (d.representativeIp) {
        await tx.server.create({
          data: {
            ip: d.representativeIp,
            accountId: account.id,
            source: 'REPRESENTATIVE',
            allowPrivate: true,
            label: 'representative IP (demo)',
          },
        });
      }
    });
  }
  return DEMO_LOGINS.map(({ loginId, password, kind }) => ({ loginId, password, kind }));
}
