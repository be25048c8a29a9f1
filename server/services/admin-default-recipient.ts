// The seed's "the admin is also notified", out of the box: at start, when no admin alert
// recipient has ever been set up, the first admin's own e-mail and phone (ADMIN_EMAIL /
// ADMIN_PHONE, else the admin account's e-mail and phone when they are real addresses) become
// the first recipient. Done once (a setting remembers it), so a recipient an admin deleted on
// purpose does not come back at the next start.
import type { PrismaClient } from '../db/index.ts';
import { normalizeMobile } from '../notify/phone.ts';

export const DEFAULT_RECIPIENT_KEY = 'adminRecipientDefaulted';

export interface DefaultRecipientResult {
  created: boolean;
  email: string | null;
  phone: string | null;
}

export async function ensureDefaultAdminRecipient(
  prisma: PrismaClient,
  opts: { email?: string | undefined; phone?: string | undefined },
): Promise<DefaultRecipientResult> {
  const none = { created: false, email: null, phone: null };
  if (await prisma.setting.findUnique({ where: { key: DEFAULT_RECIPIENT_KEY } })) return none;
  if ((await prisma.adminRecipient.count()) > 0) {
    await prisma.setting
      .create({
        data: {
          key: DEFAULT_RECIPIENT_KEY,
          value: { at: new Date().toISOString(), skipped: 'recipients already set up' },
        },
      })
      .catch(() => {});
    return none;
  }
  const admin = await prisma.account.findFirst({ where: { role: 'ADMIN' }, orderBy: { createdAt: 'asc' } });
  const email = opts.email ?? (admin?.email && !admin.email.endsWith('@localhost') ? admin.email : null);
  const rawPhone = opts.phone ?? admin?.phone ?? null;
  const m = rawPhone ? normalizeMobile(rawPhone) : null;
  const phone = m?.ok ? m.e164 : null;
  if (!email && !phone) return none; // nothing to send to yet: try again at the next start
  return prisma.$transaction(async (tx) => {
    await tx.setting.create({ data: { key: DEFAULT_RECIPIENT_KEY, value: { at: new Date().toISOString() } } });
    await tx.adminRecipient.create({
      data: {
        name: admin ? `${admin.name} (${admin.loginId})` : 'Administrator',
        email,
        phone,
        language: admin?.language ?? 'ko',
      },
    });
    if (admin && (opts.email || opts.phone)) {
      await tx.account.update({
        where: { id: admin.id },
        data: { ...(opts.email ? { email: opts.email } : {}), ...(phone ? { phone } : {}) },
      });
    }
    return { created: true, email, phone };
  });
}
