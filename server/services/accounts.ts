// Accounts: the first admin at start, and the demo data for `npm run demo`.
import { randomBytes } from 'node:crypto';
import type { CustomerKind, Language } from '../generated/prisma/enums.ts';
import { isEmailAddress } from '../notify/email-address.ts';
import { recordAudit } from './audit.ts';
import { ConflictError, isUniqueViolation, ValidationError, type FieldProblem } from './errors.ts';
import { hashPassword } from './passwords.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export interface EnsureAdminResult {
  created: boolean;
  loginId?: string;
  /** Set only when a random password was generated (print it once). */
  generatedPassword?: string;
}

/** Creates the first admin when none exists: from ADMIN_LOGIN/ADMIN_PASSWORD, or a random password. */
export async function ensureFirstAdmin(
  deps: Pick<ServiceDeps, 'prisma'>,
  opts: { loginId?: string | undefined; password?: string | undefined },
): Promise<EnsureAdminResult> {
  const existing = await deps.prisma.account.count({ where: { role: 'ADMIN' } });
  if (existing > 0) return { created: false };
  const loginId = opts.loginId ?? 'admin';
  const generated = opts.password ? undefined : randomBytes(12).toString('base64url');
  const password = opts.password ?? generated!;
  try {
    await deps.prisma.account.create({
      data: {
        loginId,
        name: 'Administrator',
        email: `${loginId}@localhost`,
        role: 'ADMIN',
        language: 'ko',
        passwordHash: await hashPassword(password),
      },
    });
  } catch (err) {
    // another process created it in the meantime
    if (isUniqueViolation(err)) return { created: false };
    throw err;
  }
  return { created: true, loginId, ...(generated ? { generatedPassword: generated } : {}) };
}

export interface CreateCustomerOptions {
  loginId: string;
  password: string;
  name: string;
  email: string;
  phone?: string | null;
  kind: CustomerKind;
  representativeIp?: string | null;
  /** The representative IP may be private or reserved (an admin's explicit permission). */
  representativeAllowPrivate?: boolean;
  language?: Language;
  timeZone?: string;
  portLimit?: number;
}

const LOGIN_RE = /^[a-z0-9][a-z0-9._-]{2,39}$/i;

export async function createCustomer(
  deps: Pick<ServiceDeps, 'prisma'>,
  actor: Viewer | null,
  opts: CreateCustomerOptions,
) {
  const problems: FieldProblem[] = [];
  if (!LOGIN_RE.test(opts.loginId))
    problems.push({ path: ['loginId'], message: '3–40 letters, digits, ".", "_" or "-"', code: 'INVALID_LOGIN_ID' });
  if (opts.password.length < 8)
    problems.push({
      path: ['password'],
      message: 'At least 8 characters',
      code: 'PASSWORD_TOO_SHORT',
      params: { min: 8 },
    });
  if (!opts.name.trim()) problems.push({ path: ['name'], message: 'Enter a name', code: 'REQUIRED' });
  if (!isEmailAddress(opts.email))
    problems.push({ path: ['email'], message: 'Enter an e-mail address with @', code: 'INVALID_EMAIL' });
  const limit = opts.portLimit ?? 3;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100)
    problems.push({
      path: ['portLimit'],
      message: 'From 1 to 100',
      code: 'OUT_OF_RANGE',
      params: { min: 1, max: 100 },
    });
  if (problems.length) throw new ValidationError(problems);
  const passwordHash = await hashPassword(opts.password);
  try {
    return await deps.prisma.$transaction(async (tx) => {
      const account = await tx.account.create({
        data: {
          loginId: opts.loginId,
          name: opts.name.trim(),
          email: opts.email.trim(),
          phone: opts.phone ?? null,
          role: 'CUSTOMER',
          kind: opts.kind,
          representativeIp: opts.representativeIp ?? null,
          language: opts.language ?? 'ko',
          ...(opts.timeZone ? { timeZone: opts.timeZone } : {}),
          portLimit: limit,
          passwordHash,
        },
      });
      if (opts.representativeIp) {
        await tx.server.create({
          data: {
            ip: opts.representativeIp,
            accountId: account.id,
            source: 'REPRESENTATIVE',
            allowPrivate: opts.representativeAllowPrivate ?? false,
          },
        });
      }
      await recordAudit(tx, actor, {
        action: 'account.create',
        targetType: 'Account',
        targetId: account.id,
        detail: { loginId: opts.loginId },
      });
      return account;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new ConflictError('That login id or IP is already taken');
    throw err;
  }
}
