// The only reader of process.env: validated once, typed, fails fast naming the variable.
import { z } from 'zod';
import { isIP } from 'node:net';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z.coerce
    .number({ message: `must be a whole number from ${min} to ${max}` })
    .int(`must be a whole number from ${min} to ${max}`)
    .min(min, `must be a whole number from ${min} to ${max}`)
    .max(max, `must be a whole number from ${min} to ${max}`);

const url = (protocols: string[]) =>
  z.string().refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    `must be a URL (${protocols.map((p) => `${p}://…`).join(' or ')})`,
  );

const hostPortList = z.string().transform((v, ctx) => {
  const out: { host: string; port: number }[] = [];
  for (const item of v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(item);
    const port = m ? Number(m[2]) : NaN;
    if (!m?.[1] || port < 1 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `must be a comma-separated host:port list ("${item}" is not)` });
      return z.NEVER;
    }
    out.push({ host: m[1], port });
  }
  return out;
});

const schema = z.object({
  // production unless told otherwise: `npm start` is safe to expose (`npm run dev` sets development)
  NODE_ENV: z.enum(['development', 'production', 'test']).default('production'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: int(0, 65535).default(4000),
  PUBLIC_URL: url(['http', 'https']).optional(),
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_POOL_SIZE: int(1, 200).default(10),
  ADMIN_LOGIN: z.string().min(3, 'must be at least 3 characters').optional(),
  ADMIN_PASSWORD: z.string().min(8, 'must be at least 8 characters').optional(),
  ADMIN_EMAIL: z
    .string()
    .regex(/^[^\s@]+@[^\s@]+$/, 'must be an e-mail address')
    .optional(),
  // the shape only here (config imports nothing of the app); the number itself is checked as a mobile when used
  ADMIN_PHONE: z
    .string()
    .regex(/^\+?[0-9][0-9 -]{6,18}[0-9]$/, 'must be a mobile number (e.g. +821012345678 or 010-1234-5678)')
    .optional(),
  SESSION_TTL_HOURS: int(1, 24 * 365).default(24 * 7),
  LOGIN_MAX_FAILURES: int(1, 1000).default(5),
  LOGIN_WINDOW_SECONDS: int(1, 86400).default(900),
  LOGIN_ADDRESS_MAX_FAILURES: int(2, 100_000).default(30),
  TRUST_PROXY: z.string().optional(),
  CORS_ORIGINS: z
    .string()
    .transform((v, ctx) => {
      const out: string[] = [];
      for (const item of v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)) {
        let origin: string | null = null;
        try {
          const u = new URL(item);
          if ((u.protocol === 'http:' || u.protocol === 'https:') && u.origin === item.replace(/\/$/, ''))
            origin = u.origin;
        } catch {
          origin = null;
        }
        if (!origin) {
          ctx.addIssue({
            code: 'custom',
            message: `must be a comma-separated list of origins like https://app.example.com ("${item}" is not)`,
          });
          return z.NEVER;
        }
        out.push(origin);
      }
      return out;
    })
    .default(''),
  WS_MAX_CONNECTIONS_PER_ADDRESS: int(1, 100_000).default(50),
  WS_MAX_CONNECTIONS_PER_ACCOUNT: int(1, 100_000).default(50),
  WS_MAX_SUBSCRIPTIONS: int(1, 100_000).default(100),
  HTTP_REQUEST_TIMEOUT_SECONDS: int(1, 3_600).default(30),
  WS_INIT_TIMEOUT_SECONDS: int(1, 600).default(10),
  GRAPHIQL: bool.optional(),
  SMTP_URL: url(['smtp', 'smtps']).optional(),
  MAIL_FROM: z.string().min(3).default('portwatch <portwatch@localhost>'),
  BOUNCE_SMTP_PORT: int(0, 65535).optional(),
  BOUNCE_ADDRESS: z
    .string()
    .regex(/^[^\s@<>]+@[^\s@<>]+$/, 'must be an e-mail address')
    .optional(),
  SMS_PROVIDER: z.enum(['none', 'nhn', 'twilio'], { message: 'must be none, nhn or twilio' }).default('none'),
  NHN_BASE_URL: url(['http', 'https']).default('https://api-sms.cloud.toast.com'),
  NHN_APP_KEY: z.string().optional(),
  NHN_SECRET_KEY: z.string().optional(),
  NHN_SEND_NO: z.string().optional(),
  NHN_WEBHOOK_SECRET: z.string().optional(),
  NHN_WEBHOOK_SIGNATURE_MODE: z
    .enum(['static', 'hmac-sha256'], { message: 'must be static or hmac-sha256' })
    .default('static'),
  TWILIO_BASE_URL: url(['http', 'https']).default('https://api.twilio.com'),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM: z.string().optional(),
  SMS_ACK_LINK: bool.default('true'),
  NHN_ALIMTALK_BASE_URL: url(['http', 'https']).default('https://api-alimtalk.cloud.toast.com'),
  NHN_ALIMTALK_APP_KEY: z.string().optional(),
  NHN_ALIMTALK_SECRET_KEY: z.string().optional(),
  NHN_ALIMTALK_SENDER_KEY: z.string().optional(),
  SLACK_WEBHOOK_PREFIX: url(['http', 'https']).default('https://hooks.slack.com/'),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'must look like 123456:ABC-…')
    .optional(),
  TELEGRAM_API_URL: url(['http', 'https']).default('https://api.telegram.org'),
  DISPATCH_ENABLED: bool.default('true'),
  DISPATCH_MAX_ATTEMPTS: int(1, 100).default(10),
  DISPATCH_RETRY_BASE_SECONDS: int(1, 3_600).default(10),
  DISPATCH_RETRY_MAX_SECONDS: int(1, 86_400).default(900),
  DISPATCH_LEASE_SECONDS: int(1, 3_600).default(120),
  // defaults: defaultConcurrency (8; SMS 16) and DEFAULT_EMAIL_MAX (server/dispatch/lane-size.ts),
  // the one place they are set
  DISPATCH_EMAIL_CONCURRENCY: int(1, 256).optional(),
  DISPATCH_EMAIL_MAX_CONCURRENCY: int(1, 256).optional(),
  DISPATCH_SMS_CONCURRENCY: int(1, 256).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  REDIS_PREFIX: z.string().min(1).max(100).default('portwatch:'),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  PROBE_ENABLED: bool.default('true'),
  PROBE_CONCURRENCY: int(1, 65536).optional(),
  PROBE_CANARIES: hostPortList.default(''),
  PROBE_MASS_FAILURE_SHARE: z.coerce
    .number({ message: 'must be a number between 0 and 1' })
    .gt(0, 'must be a number between 0 and 1')
    .max(1, 'must be a number between 0 and 1')
    .default(0.5),
  PROBE_GUARD_MIN_HOSTS: int(1, 1_000_000).default(10),
  PROBE_MAX_HOLD_SECONDS: int(0, 86_400).default(600),
  PROBE_SOURCE_ADDRESS: z.string().optional(),
  PROBE_LEASE_SECONDS: int(2, 600).default(15),
  NODE_NAME: z.string().min(1).max(200).optional(),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});

/** TRUST_PROXY: off, a hop count, or the CIDR list of the reverse proxies (see http/client-address.ts). */
export type TrustProxy =
  | { kind: 'off' }
  | { kind: 'hops'; hops: number }
  | { kind: 'cidrs'; cidrs: { address: string; prefix: number; family: 4 | 6 }[] };

/** Parses TRUST_PROXY: unset/"false"/"0" → off; "1".."10" → hops; "10.0.0.0/8,::1" → CIDR list. Throws a message on bad input. */
export function parseTrustProxy(value: string | undefined): TrustProxy {
  const v = (value ?? '').trim().toLowerCase();
  if (!v || v === 'false' || v === 'off' || v === 'no' || v === '0') return { kind: 'off' };
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) throw new Error('must be off, a hop count from 1 to 10, or a comma-separated CIDR list');
    return { kind: 'hops', hops };
  }
  const cidrs: { address: string; prefix: number; family: 4 | 6 }[] = [];
  for (const item of v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const [address = '', bits] = item.split('/');
    const family = isIP(address);
    const prefix = bits === undefined ? (family === 6 ? 128 : 32) : Number(bits);
    if (!family || (bits !== undefined && !/^\d+$/.test(bits)) || prefix > (family === 6 ? 128 : 32))
      throw new Error(`must be off, a hop count from 1 to 10, or a comma-separated CIDR list ("${item}" is not)`);
    cidrs.push({ address, prefix, family: family === 6 ? 6 : 4 });
  }
  return { kind: 'cidrs', cidrs };
}

export type Config = z.output<typeof schema> & { publicUrl: string; graphiql: boolean; trustProxy: TrustProxy };

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment (process.env by default). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([k, v]) => k in schema.shape && v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`));
  }
  const c = parsed.data;
  const problems: string[] = [];
  if (c.SMS_PROVIDER === 'nhn' && !(c.NHN_APP_KEY && c.NHN_SECRET_KEY && c.NHN_SEND_NO))
    problems.push('NHN_APP_KEY, NHN_SECRET_KEY and NHN_SEND_NO must be set when SMS_PROVIDER=nhn');
  const alimtalk = [c.NHN_ALIMTALK_APP_KEY, c.NHN_ALIMTALK_SECRET_KEY, c.NHN_ALIMTALK_SENDER_KEY].filter(
    Boolean,
  ).length;
  if (alimtalk > 0 && alimtalk < 3)
    problems.push('NHN_ALIMTALK_APP_KEY, NHN_ALIMTALK_SECRET_KEY and NHN_ALIMTALK_SENDER_KEY must be set together');
  if (c.SMS_PROVIDER === 'twilio' && !(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_FROM))
    problems.push('TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM must be set when SMS_PROVIDER=twilio');
  if (Boolean(c.ADMIN_LOGIN) !== Boolean(c.ADMIN_PASSWORD))
    problems.push('ADMIN_LOGIN and ADMIN_PASSWORD must be set together');
  let trustProxy: TrustProxy = { kind: 'off' };
  try {
    trustProxy = parseTrustProxy(c.TRUST_PROXY);
  } catch (err) {
    problems.push(`TRUST_PROXY ${(err as Error).message}`);
  }
  // one login id's failures alone (at most 2 windows' worth) must never block the address
  if (c.LOGIN_ADDRESS_MAX_FAILURES <= 2 * c.LOGIN_MAX_FAILURES)
    problems.push(
      'LOGIN_ADDRESS_MAX_FAILURES must be more than twice LOGIN_MAX_FAILURES (one login id must never block others)',
    );
  if (problems.length) throw new ConfigError(problems);
  const shownHost = c.HOST === '0.0.0.0' || c.HOST === '::' ? 'localhost' : c.HOST;
  return {
    ...c,
    publicUrl: (c.PUBLIC_URL ?? `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${c.PORT}`).replace(
      /\/$/,
      '',
    ),
    graphiql: c.GRAPHIQL ?? c.NODE_ENV !== 'production',
    trustProxy,
  };
}
