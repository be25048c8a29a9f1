// Everything the API's resolvers and routes reach: the services' dependencies plus the edge's
// limits and the delivery side's handles. Built once, whole, in main.ts (and by tests).
import type { EmailChannel } from '../notify/email.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { EndpointOptions } from './notify-endpoints/endpoints.ts';
import type { TestNotifier } from './notify-endpoints/test-send.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { ServiceDeps } from './types.ts';

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
