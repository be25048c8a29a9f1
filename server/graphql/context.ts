// One context factory for HTTP and WebSocket operations.
import type { RateLimiter } from '../services/rate-limit.ts';
import type { LoginThrottle } from '../services/login-throttle.ts';
import type { ServiceDeps, Viewer } from '../services/types.ts';
import type { AuthError } from '../services/errors.ts';
import type { EndpointOptions } from '../services/notify-endpoints/endpoints.ts';
import type { EmailChannel } from '../notify/email.ts';
import type { TestNotifier } from '../services/notify-endpoints/test-send.ts';

export interface AppServices extends ServiceDeps {
  loginThrottle: LoginThrottle;
  loginLimits: { perLogin: number; perAddress: number };
  mutationLimiter: RateLimiter;
  sessionTtlMs: number;
  secureCookies: boolean;
  /** PROBE_SOURCE_ADDRESS: the address probes leave from (shown to customers for their firewalls). */
  probeSourceAddress?: string | null;
  /** The SMTP channel for account mails (password reset links); null without SMTP_URL. */
  mailer?: EmailChannel | null;
  /** "Send a test notification" (absent: the mutation answers that sending is off in this process). */
  testNotifier?: TestNotifier;
  /** Slack URL prefix for destination validation; which optional channels are configured. */
  channelOptions?: EndpointOptions & { alimtalk: boolean; telegram: boolean; sms: string; email: boolean };
}

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
