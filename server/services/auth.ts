// Sign-in, sessions and API tokens. Secrets are random, shown once, stored only as sha256.
import { createHash, randomBytes } from 'node:crypto';
import type { Account } from '../generated/prisma/client.ts';
import { AuthError, NotFoundError, ValidationError } from './errors.ts';
import { dummyHashPromise, verifyPassword } from './passwords.ts';
import { waitMinutes, type LoginThrottle, type ThrottleKey } from './login-throttle.ts';
import type { ServiceDeps, Viewer } from './types.ts';

export const SESSION_COOKIE = 'pw_session';
const TOKEN_RE = /^pwt_[A-Za-z0-9_-]{43}$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface AuthDeps extends ServiceDeps {
  loginThrottle: LoginThrottle;
  /** LOGIN_MAX_FAILURES and LOGIN_ADDRESS_MAX_FAILURES. */
  loginLimits: { perLogin: number; perAddress: number };
  sessionTtlMs: number;
}

function toViewer(a: Account, via: Viewer['via'], extra: Partial<Viewer> = {}): Viewer {
  return { accountId: a.id, loginId: a.loginId, role: a.role, kind: a.kind, language: a.language, via, ...extra };
}

export interface LoginOptions {
  loginId: string;
  password: string;
  address?: string | null;
  userAgent?: string | null;
}

/**
 * Checks credentials and opens a session. Each attempt first reserves a slot on its login id
 * and on its client address (atomically, in the database): when either is full the attempt is
 * refused before the password is hashed. A failure keeps its slot until the window ends; a
 * success gives it back.
 */
export async function loginWithPassword(deps: AuthDeps, opts: LoginOptions) {
  const loginId = opts.loginId.trim();
  if (!loginId) throw ValidationError.field('loginId', 'Enter your login id', 'REQUIRED');
  if (!opts.password) throw ValidationError.field('password', 'Enter your password', 'REQUIRED');
  if (loginId.length > 200) throw ValidationError.field('loginId', 'At most 200 characters', 'TOO_LONG', { max: 200 });
  if (opts.password.length > 1000)
    throw ValidationError.field('password', 'At most 1000 characters', 'TOO_LONG', { max: 1000 });
  const now = deps.now();
  const keys: ThrottleKey[] = [
    { key: `id:${loginId.toLowerCase()}`, max: deps.loginLimits.perLogin },
    ...(opts.address ? [{ key: `addr:${opts.address}`, max: deps.loginLimits.perAddress }] : []),
  ];
  // the throttle fails closed: when the reservation cannot be made (the database is saturated
  // by a burst), the password is not evaluated
  const wait = await deps.loginThrottle.reserve(keys, now).catch(() => 60);
  if (wait > 0) {
    const minutes = waitMinutes(wait);
    throw new AuthError(
      'RATE_LIMITED',
      `Too many failed sign-ins; try again in ${minutes} minute${minutes === 1 ? '' : 's'}`,
      wait,
    );
  }

  const account = await deps.prisma.account.findUnique({ where: { loginId } });
  const ok = account
    ? await verifyPassword(opts.password, account.passwordHash)
    : await verifyPassword(opts.password, await dummyHashPromise).then(() => false);
  if (!account || !ok) throw new AuthError('INVALID_CREDENTIALS', 'Unknown login id or wrong password');
  await deps.loginThrottle.release(keys, now);
  if (account.disabledAt) throw new AuthError('ACCOUNT_DISABLED', 'This account is disabled');

  const secret = randomBytes(32).toString('base64url');
  const session = await deps.prisma.session.create({
    data: {
      id: sha256(secret),
      accountId: account.id,
      expiresAt: new Date(now.getTime() + deps.sessionTtlMs),
      userAgent: opts.userAgent?.slice(0, 300) ?? null,
      address: opts.address ?? null,
    },
  });
  return {
    cookieValue: secret,
    expiresAt: session.expiresAt,
    account,
    viewer: toViewer(account, 'session', { sessionId: session.id }),
  };
}

/** The viewer behind a session cookie. Expired sessions keep answering SESSION_EXPIRED until swept. */
export async function resolveSession(deps: ServiceDeps, cookieValue: string): Promise<Viewer> {
  const id = sha256(cookieValue);
  const session = await deps.prisma.session.findUnique({ where: { id }, include: { account: true } });
  if (!session) throw new AuthError('UNAUTHENTICATED', 'Not signed in');
  const now = deps.now();
  if (session.expiresAt <= now) throw new AuthError('SESSION_EXPIRED', 'Your session has expired; sign in again');
  if (session.account.disabledAt) throw new AuthError('ACCOUNT_DISABLED', 'This account is disabled');
  if (now.getTime() - session.lastSeenAt.getTime() > 60_000) {
    await deps.prisma.session.update({ where: { id }, data: { lastSeenAt: now } }).catch(() => {});
  }
  return toViewer(session.account, 'session', { sessionId: id, expiresAt: session.expiresAt });
}

export async function logout(deps: ServiceDeps, viewer: Viewer | null): Promise<boolean> {
  if (!viewer?.sessionId) return false;
  const { count } = await deps.prisma.session.deleteMany({ where: { id: viewer.sessionId } });
  // sockets and streams opened with this session end too, in every process
  deps.events.credentialRevoked({ kind: 'session', id: viewer.sessionId, reason: 'logout' });
  return count > 0;
}

export interface CreateApiTokenOptions {
  name: string;
  expiresInDays?: number | null;
  scope?: 'READ' | 'READ_WRITE';
}

/** Creates a token for the viewer's own account. The secret is returned once, never stored. Sessions only. */
export async function createApiToken(deps: ServiceDeps, viewer: Viewer, opts: CreateApiTokenOptions) {
  if (viewer.via !== 'session')
    throw new AuthError('UNAUTHENTICATED', 'API tokens are managed from a signed-in session');
  const name = opts.name.trim();
  if (!name) throw ValidationError.field('name', 'Give the token a name', 'REQUIRED');
  if (name.length > 100) throw ValidationError.field('name', 'At most 100 characters', 'TOO_LONG', { max: 100 });
  if (
    opts.expiresInDays != null &&
    (!Number.isInteger(opts.expiresInDays) || opts.expiresInDays < 1 || opts.expiresInDays > 3650)
  )
    throw ValidationError.field('expiresInDays', 'Must be a whole number of days from 1 to 3650', 'OUT_OF_RANGE', {
      min: 1,
      max: 3650,
    });
  const secret = `pwt_${randomBytes(32).toString('base64url')}`;
  const token = await deps.prisma.apiToken.create({
    data: {
      accountId: viewer.accountId,
      name,
      tokenHash: sha256(secret),
      prefix: secret.slice(0, 12),
      scope: opts.scope ?? 'READ_WRITE',
      expiresAt: opts.expiresInDays ? new Date(deps.now().getTime() + opts.expiresInDays * 86_400_000) : null,
    },
  });
  return { token, secret };
}

export async function revokeApiToken(deps: ServiceDeps, viewer: Viewer, tokenId: string) {
  if (viewer.via !== 'session')
    throw new AuthError('UNAUTHENTICATED', 'API tokens are managed from a signed-in session');
  const token = await deps.prisma.apiToken.findFirst({ where: { id: tokenId, accountId: viewer.accountId } });
  if (!token) throw new NotFoundError('API token');
  if (token.revokedAt) return token;
  const revoked = await deps.prisma.apiToken.update({ where: { id: token.id }, data: { revokedAt: deps.now() } });
  deps.events.credentialRevoked({ kind: 'token', id: token.id, reason: 'revoked' });
  return revoked;
}

/** The viewer behind `Authorization: Bearer pwt_…`. */
export async function resolveApiToken(deps: ServiceDeps, secret: string): Promise<Viewer> {
  if (!TOKEN_RE.test(secret)) throw new AuthError('TOKEN_INVALID', 'Malformed API token');
  const token = await deps.prisma.apiToken.findUnique({
    where: { tokenHash: sha256(secret) },
    include: { account: true },
  });
  if (!token) throw new AuthError('TOKEN_INVALID', 'Unknown API token');
  const now = deps.now();
  if (token.revokedAt) throw new AuthError('TOKEN_REVOKED', 'This API token was revoked');
  if (token.expiresAt && token.expiresAt <= now) throw new AuthError('TOKEN_REVOKED', 'This API token has expired');
  if (token.account.disabledAt) throw new AuthError('ACCOUNT_DISABLED', 'This account is disabled');
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() > 60_000) {
    await deps.prisma.apiToken.update({ where: { id: token.id }, data: { lastUsedAt: now } }).catch(() => {});
  }
  return toViewer(token.account, 'token', { tokenId: token.id, expiresAt: token.expiresAt, scope: token.scope });
}

/** Deletes sessions that expired more than a day ago (run periodically). */
export async function sweepExpiredSessions(deps: Pick<ServiceDeps, 'prisma' | 'now'>): Promise<number> {
  const { count } = await deps.prisma.session.deleteMany({
    where: { expiresAt: { lt: new Date(deps.now().getTime() - 86_400_000) } },
  });
  return count;
}
