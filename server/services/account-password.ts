// Passwords after the first one: a signed-in person changes their own (with the current one),
// an admin resets a customer's (a one-time link by mail, or a generated password shown once),
// and "forgot password" mails a one-time link. A link carries a random 256-bit secret; only its
// sha256 is stored, with an expiry, and it works once (an atomic claim). Every path is
// throttled through the shared sign-in throttle, and the forgot-password answer is the same
// whether or not the account exists (the mail goes out after the answer).
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { EmailChannel } from '../notify/email.ts';
import { renderResetMail } from '../notify/account-mail.ts';
import { recordAudit } from './audit.ts';
import { AuthError, ForbiddenError, NotFoundError, ValidationError } from './errors.ts';
import { waitMinutes, type LoginThrottle, type ThrottleKey } from './login-throttle.ts';
import { isTimeZone } from './logs.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { requireAdmin } from './tenancy.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 1000;
/** How long a forgot-password link works, and an admin's mailed link. */
export const FORGOT_LINK_MINUTES = 60;
export const ADMIN_LINK_MINUTES = 24 * 60;
/** Forgot-password requests per client address / per login id and window; wrong current passwords per account. */
const LIMITS = { forgotPerAddress: 10, forgotPerLogin: 3, resetPerAddress: 20, changePerAccount: 5 };

export interface PasswordDeps extends ServiceDeps {
  loginThrottle: LoginThrottle;
  /** The SMTP channel (null: no SMTP_URL, links cannot be mailed). */
  mailer: EmailChannel | null;
  log?: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** Problems of a new password (empty: fine). */
export function newPasswordProblems(password: string, path: string[]): ValidationError | null {
  if (password.length < PASSWORD_MIN)
    return ValidationError.field(path, `At least ${PASSWORD_MIN} characters`, 'PASSWORD_TOO_SHORT', {
      min: PASSWORD_MIN,
    });
  if (password.length > PASSWORD_MAX)
    return ValidationError.field(path, `At most ${PASSWORD_MAX} characters`, 'TOO_LONG', { max: PASSWORD_MAX });
  return null;
}

async function throttle(deps: PasswordDeps, keys: ThrottleKey[]): Promise<ThrottleKey[]> {
  const wait = await deps.loginThrottle.reserve(keys, deps.now()).catch(() => 60);
  if (wait > 0) {
    const minutes = waitMinutes(wait);
    throw new AuthError(
      'RATE_LIMITED',
      `Too many attempts; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
      wait,
    );
  }
  return keys;
}

/** Ends sessions of `accountId` (all, or all but `keep`), here and in every process. */
async function endSessions(deps: ServiceDeps, accountId: string, keep?: string): Promise<number> {
  const sessions = await deps.prisma.session.findMany({
    where: { accountId, ...(keep ? { id: { not: keep } } : {}) },
    select: { id: true },
  });
  if (!sessions.length) return 0;
  await deps.prisma.session.deleteMany({ where: { id: { in: sessions.map((s) => s.id) } } });
  for (const s of sessions) deps.events.credentialRevoked({ kind: 'session', id: s.id, reason: 'password' });
  return sessions.length;
}

export interface ChangePasswordOptions {
  currentPassword: string;
  newPassword: string;
}

/** Your own password, with the current one. Your other sessions end; this one stays. */
export async function changePassword(
  deps: PasswordDeps,
  viewer: Viewer,
  opts: ChangePasswordOptions,
): Promise<{ endedSessions: number }> {
  if (viewer.via !== 'session')
    throw new ForbiddenError('Change your password from a signed-in session, not with an API token');
  if (!opts.currentPassword)
    throw ValidationError.field(['currentPassword'], 'Enter your current password', 'REQUIRED');
  if (opts.currentPassword.length > PASSWORD_MAX)
    throw ValidationError.field(['currentPassword'], 'Wrong password', 'WRONG_PASSWORD');
  const bad = newPasswordProblems(opts.newPassword, ['newPassword']);
  if (bad) throw bad;
  const keys = await throttle(deps, [{ key: `pw:${viewer.accountId}`, max: LIMITS.changePerAccount }]);
  const account = await deps.prisma.account.findUniqueOrThrow({ where: { id: viewer.accountId } });
  if (!(await verifyPassword(opts.currentPassword, account.passwordHash)))
    throw ValidationError.field(['currentPassword'], 'Wrong password', 'WRONG_PASSWORD');
  await deps.loginThrottle.release(keys, deps.now());
  if (opts.newPassword === opts.currentPassword)
    throw ValidationError.field(
      ['newPassword'],
      'Choose a password different from the current one',
      'PASSWORD_UNCHANGED',
    );
  const passwordHash = await hashPassword(opts.newPassword);
  await deps.prisma.$transaction(async (tx) => {
    await tx.account.update({ where: { id: account.id }, data: { passwordHash } });
    await tx.passwordReset.deleteMany({ where: { accountId: account.id } });
    await recordAudit(tx, viewer, { action: 'account.password.change', targetType: 'Account', targetId: account.id });
  });
  return { endedSessions: await endSessions(deps, account.id, viewer.sessionId) };
}

async function createLink(
  deps: PasswordDeps,
  accountId: string,
  origin: 'ADMIN' | 'FORGOT',
  minutes: number,
): Promise<{ link: string; expiresAt: Date; id: string }> {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(deps.now().getTime() + minutes * 60_000);
  const id = sha256(secret);
  await deps.prisma.passwordReset.create({ data: { id, accountId, origin, expiresAt } });
  // the secret travels in the fragment: never sent to a server, never in an access log or Referer
  return { link: `${deps.publicUrl.replace(/\/+$/, '')}/reset-password#token=${secret}`, expiresAt, id };
}

async function mailLink(
  deps: PasswordDeps,
  account: { id: string; email: string; name: string; loginId: string; language: 'ko' | 'en' },
  origin: 'ADMIN' | 'FORGOT',
) {
  const minutes = origin === 'ADMIN' ? ADMIN_LINK_MINUTES : FORGOT_LINK_MINUTES;
  const { link, expiresAt, id } = await createLink(deps, account.id, origin, minutes);
  const mail = renderResetMail({
    lang: account.language,
    name: account.name,
    loginId: account.loginId,
    link,
    validMinutes: minutes,
    origin,
  });
  const outcome = await deps.mailer!.send({ ledgerId: `pwreset-${id.slice(0, 24)}`, to: account.email, ...mail });
  return { outcome, expiresAt, id };
}

export type ResetMethod = 'MAIL_LINK' | 'GENERATE';

export interface AdminResetResult {
  method: ResetMethod;
  /** GENERATE: the new password, shown once (never stored in clear, never shown again). */
  password: string | null;
  /** MAIL_LINK: where the link went, and until when it works. */
  sentTo: string | null;
  expiresAt: Date | null;
  endedSessions: number;
}

/** A readable random password: 4 groups of 4 from an alphabet without look-alikes (≈ 90 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789';
  const group = () => Array.from({ length: 4 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return [group(), group(), group(), group()].join('-');
}

/** Admin: resets a customer's password, by a one-time link mailed to the account's address or a generated password. */
export async function adminResetPassword(
  deps: PasswordDeps,
  viewer: Viewer,
  opts: { accountId: string; method: ResetMethod },
): Promise<AdminResetResult> {
  requireAdmin(viewer);
  const account = await deps.prisma.account.findUnique({ where: { id: opts.accountId } });
  if (account?.role !== 'CUSTOMER') throw new NotFoundError('Customer');
  if (opts.method === 'MAIL_LINK') {
    if (!deps.mailer)
      throw ValidationError.field(
        ['method'],
        'No SMTP server is configured (SMTP_URL): generate a password instead',
        'MAIL_NOT_CONFIGURED',
      );
    const { outcome, expiresAt, id } = await mailLink(deps, account, 'ADMIN');
    if (outcome.status !== 'SENT') {
      await deps.prisma.passwordReset.deleteMany({ where: { id } });
      throw ValidationError.field(['method'], `The mail was not accepted: ${outcome.detail}`, 'MAIL_FAILED', {
        detail: outcome.detail,
      });
    }
    await recordAudit(deps.prisma, viewer, {
      action: 'account.password.link',
      targetType: 'Account',
      targetId: account.id,
      detail: { to: account.email },
    });
    return { method: 'MAIL_LINK', password: null, sentTo: account.email, expiresAt, endedSessions: 0 };
  }
  const password = generatePassword();
  const passwordHash = await hashPassword(password);
  await deps.prisma.$transaction(async (tx) => {
    await tx.account.update({ where: { id: account.id }, data: { passwordHash } });
    await tx.passwordReset.deleteMany({ where: { accountId: account.id } });
    await recordAudit(tx, viewer, { action: 'account.password.generate', targetType: 'Account', targetId: account.id });
  });
  return {
    method: 'GENERATE',
    password,
    sentTo: null,
    expiresAt: null,
    endedSessions: await endSessions(deps, account.id),
  };
}

/**
 * "Forgot password": by login id or e-mail address. The answer never says whether an account
 * matched; the mails go out after it. Without SMTP it says so (that is about the installation,
 * not the account).
 */
export async function requestPasswordReset(
  deps: PasswordDeps,
  opts: { who: string; address: string | null },
): Promise<{ mailConfigured: boolean }> {
  const who = opts.who.trim();
  if (!who) throw ValidationError.field(['loginId'], 'Enter your login id or e-mail address', 'REQUIRED');
  if (who.length > 254) throw ValidationError.field(['loginId'], 'At most 254 characters', 'TOO_LONG', { max: 254 });
  if (!deps.mailer) return { mailConfigured: false };
  await throttle(deps, [
    ...(opts.address ? [{ key: `forgot:addr:${opts.address}`, max: LIMITS.forgotPerAddress }] : []),
    { key: `forgot:id:${who.toLowerCase()}`, max: LIMITS.forgotPerLogin },
  ]);
  const accounts = await deps.prisma.account.findMany({
    where: {
      disabledAt: null,
      OR: [{ loginId: who }, ...(who.includes('@') ? [{ email: { equals: who, mode: 'insensitive' as const } }] : [])],
    },
    take: 5,
  });
  for (const a of accounts) {
    void mailLink(deps, a, 'FORGOT')
      .then((r) =>
        deps.log?.(r.outcome.status === 'SENT' ? 'info' : 'warn', 'password reset link mailed', {
          account: a.id,
          status: r.outcome.status,
        }),
      )
      .catch((err: unknown) =>
        deps.log?.('error', 'password reset mail failed', { account: a.id, error: String(err) }),
      );
  }
  return { mailConfigured: true };
}

/** Sets a new password with a link's secret: once, before it expires. Every session of the account ends. */
export async function resetPasswordWithLink(
  deps: PasswordDeps,
  opts: { token: string; newPassword: string; address: string | null },
): Promise<{ loginId: string }> {
  await throttle(deps, opts.address ? [{ key: `reset:addr:${opts.address}`, max: LIMITS.resetPerAddress }] : []);
  const token = opts.token.trim();
  const invalid = () =>
    ValidationError.field(
      ['token'],
      'This link is expired, already used or not valid: ask for a new one',
      'RESET_LINK_INVALID',
    );
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) throw invalid();
  const bad = newPasswordProblems(opts.newPassword, ['newPassword']);
  if (bad) throw bad;
  const id = sha256(token);
  const now = deps.now();
  const row = await deps.prisma.passwordReset.findUnique({ where: { id }, include: { account: true } });
  if (!row || row.usedAt || row.expiresAt <= now || row.account.disabledAt) throw invalid();
  const passwordHash = await hashPassword(opts.newPassword);
  const claimed = await deps.prisma.$transaction(async (tx) => {
    // the claim: only one request can turn usedAt from null
    const { count } = await tx.passwordReset.updateMany({
      where: { id, usedAt: null, expiresAt: { gt: now } },
      data: { usedAt: now },
    });
    if (count !== 1) return false;
    await tx.account.update({ where: { id: row.accountId }, data: { passwordHash } });
    await tx.passwordReset.deleteMany({ where: { accountId: row.accountId, id: { not: id } } });
    await recordAudit(tx, null, {
      action: 'account.password.reset',
      targetType: 'Account',
      targetId: row.accountId,
      detail: { origin: row.origin },
    });
    return true;
  });
  if (!claimed) throw invalid();
  await endSessions(deps, row.accountId);
  return { loginId: row.account.loginId };
}

/** Your language and time zone (what mails, pages and dates use). */
export async function updatePreferences(
  deps: ServiceDeps,
  viewer: Viewer,
  opts: { language?: 'ko' | 'en' | null; timeZone?: string | null },
) {
  const data: { language?: 'ko' | 'en'; timeZone?: string } = {};
  if (opts.language) data.language = opts.language;
  if (opts.timeZone != null) {
    const tz = opts.timeZone.trim();
    if (!isTimeZone(tz))
      throw ValidationError.field(
        ['input', 'timeZone'],
        'Unknown time zone (use an IANA name such as Asia/Seoul)',
        'UNKNOWN_TIME_ZONE',
      );
    data.timeZone = tz;
  }
  return deps.prisma.account.update({ where: { id: viewer.accountId }, data });
}
