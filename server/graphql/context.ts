// One context factory for HTTP and WebSocket operations.
import type { AppServices } from '../services/app-services.ts';
import type { Viewer } from '../services/types.ts';
import type { AuthError } from '../services/errors.ts';

export interface GraphQLContext {
  services: AppServices;
  viewer: Viewer | null;
  /** Why the presented credentials were refused (expired session, revoked token…), if they were. */
  authProblem: AuthError | null;
  /** Client address as seen by the server. */
  address: string | null;
  userAgent: string | null;
  transport: 'http' | 'ws';
  /** Set-Cookie headers to add to the HTTP response (no-op over WebSocket). */
  setCookie(header: string): void;
}
