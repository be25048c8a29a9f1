// Resolves the caller from an Authorization header (API token) or the session cookie.
// Shared by the HTTP and WebSocket paths so both apply the same rules.
import { parseCookies } from './cookies.ts';
import { resolveApiToken, resolveSession, SESSION_COOKIE } from '../services/auth.ts';
import { AuthError } from '../services/errors.ts';
import type { ServiceDeps, Viewer } from '../services/types.ts';

export interface Credentials {
  authorization?: string | null | undefined;
  cookie?: string | null | undefined;
}

export async function authenticate(
  deps: ServiceDeps,
  creds: Credentials,
): Promise<{ viewer: Viewer | null; problem: AuthError | null }> {
  try {
    const auth = creds.authorization?.trim();
    if (auth) {
      const m = /^Bearer\s+(\S+)$/i.exec(auth);
      if (!m?.[1]) throw new AuthError('TOKEN_INVALID', 'Authorization must be "Bearer <token>"');
      return { viewer: await resolveApiToken(deps, m[1]), problem: null };
    }
    const session = parseCookies(creds.cookie).get(SESSION_COOKIE);
    if (session) return { viewer: await resolveSession(deps, session), problem: null };
    return { viewer: null, problem: null };
  } catch (err) {
    if (err instanceof AuthError) return { viewer: null, problem: err };
    throw err;
  }
}
