// Builds the delivery side from configuration: the e-mail channel (pooled SMTP, smtp-pool.ts), the SMS provider,
// the dispatcher, the reminder scheduler, the monthly SLA e-mail scheduler and the optional bounce receiver. main.ts constructs
// it with `notificationSettings(config)` (server/notification-settings.ts: this room reads no
// configuration), passes `sms` to the HTTP routes, and starts/stops it.
import type { Logger } from '../log.ts';
import { startBounceReceiver, type BounceReceiver } from '../notify/bounce.ts';
import { addressOf, createEmailChannel } from '../notify/email.ts';
import { createSmtpPool, type SmtpPool } from '../notify/smtp-pool.ts';
import { createSmsProvider, type SmsProvider, type SmsProviderConfig } from '../notify/sms/index.ts';
import type { ServiceDeps } from '../services/types.ts';
import { recordBounce } from '../services/notifications/delivery.ts';
import { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.ts';
import { laneBounds } from './lane-size.ts';
import { createReminderScheduler } from './reminders.ts';
import { createSlaMailScheduler } from './sla-mail.ts';
import { createAlimtalkProvider } from '../notify/alimtalk/nhn.ts';
import { createSlackChannel } from '../notify/slack.ts';
import { createTelegramChannel } from '../notify/telegram.ts';
import { createWebhookChannel } from '../notify/webhook.ts';
import { createAlimtalkResultPoller } from './alimtalk-results.ts';
import type { ExtraChannels } from './channels.ts';
import type { FetchLike } from '../notify/sms/provider.ts';
import { providerFetch } from '../notify/keepalive-fetch.ts';

export interface ExtraChannelSettings {
  alimtalk: { baseUrl: string; appKey: string; secretKey: string; senderKey: string } | null;
  slackPrefix: string;
  telegram: { baseUrl: string; botToken: string } | null;
  /** Tests inject a fetch; default the global one. */
  fetch?: FetchLike;
  /** How often AlimTalk delivery results are asked for (default 15 s). */
  alimtalkResultIntervalMs?: number;
}

export interface NotificationSettings {
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Envelope sender (MAIL FROM): where bounces go. Default: the MAIL_FROM address. */
  bounceAddress: string | undefined;
  /** Right-hand side of Message-IDs (the PUBLIC_URL host name). */
  messageIdDomain: string;
  bounce: { port: number; host: string } | null;
  sms: SmsProviderConfig;
  /** AlimTalk, Slack, Telegram, webhooks (absent: AlimTalk and Telegram off, Slack at hooks.slack.com, webhooks on). */
  extra?: ExtraChannelSettings;
  dispatch: Omit<DispatcherOptions, 'email' | 'sms' | 'log' | 'extra'> & { enabled: boolean };
  reminderIntervalMs?: number;
  /** How often the monthly SLA e-mails due are looked for (default 5 min). */
  slaMailIntervalMs?: number;
}

export interface Notifications {
  dispatcher: Dispatcher;
  sms: SmsProvider;
  /** null when SMTP is not configured. */
  email: ReturnType<typeof createEmailChannel> | null;
  /** The channels beyond mail and SMS (for "send a test notification"). */
  extra: ExtraChannels;
  /** Asks NHN for AlimTalk delivery results now (tests); runs on its own timer when dispatching. */
  pollAlimtalkResults(): Promise<void>;
  /** Port of the bounce receiver once started (null when off). */
  bouncePort(): number | null;
  /** SMTP reachability for /ready (cached; refreshed in the background at most every 60 s). */
  smtpCheck(): { ok: boolean; detail?: string };
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createNotifications(
  deps: ServiceDeps,
  settings: NotificationSettings,
  log: Logger = () => {},
): Notifications {
  const smtp: SmtpPool | null = settings.smtpUrl
    ? createSmtpPool({
        url: settings.smtpUrl,
        // the lane's sends in flight grow to maxConcurrency behind a slow server (dispatcher.ts)
        maxConnections: laneBounds(
          'EMAIL',
          settings.dispatch.concurrency?.EMAIL,
          settings.dispatch.maxConcurrency?.EMAIL,
        ).max,
        maxMessages: 1000,
        // well below the dispatcher's lease, so a hung server cannot outlive a claim
        connectionTimeoutMs: 10_000,
        greetingTimeoutMs: 10_000,
        socketTimeoutMs: 30_000,
      })
    : null;
  const email = smtp
    ? createEmailChannel({
        smtp,
        from: settings.mailFrom,
        envelopeFrom: settings.bounceAddress ?? addressOf(settings.mailFrom),
        messageIdDomain: settings.messageIdDomain,
      })
    : null;
  const sms = createSmsProvider(settings.sms);
  const x = settings.extra ?? { alimtalk: null, slackPrefix: 'https://hooks.slack.com/', telegram: null };
  const f: FetchLike = x.fetch ?? providerFetch();
  const extra: ExtraChannels = {
    alimtalk: x.alimtalk ? createAlimtalkProvider({ ...x.alimtalk, fetch: f }) : null,
    slack: createSlackChannel({ allowedPrefix: x.slackPrefix, fetch: f }),
    telegram: x.telegram ? createTelegramChannel({ ...x.telegram, fetch: f }) : null,
    webhook: createWebhookChannel(),
  };
  const dispatcher = createDispatcher(deps, { ...settings.dispatch, email, sms, extra, log });
  const alimtalkResults = extra.alimtalk
    ? createAlimtalkResultPoller(deps, extra.alimtalk, {
        log,
        onFailed: () => void dispatcher.fallbackNow(),
        ...(x.alimtalkResultIntervalMs ? { intervalMs: x.alimtalkResultIntervalMs } : {}),
      })
    : null;
  const reminders = createReminderScheduler(deps, {
    log,
    ...(settings.reminderIntervalMs ? { intervalMs: settings.reminderIntervalMs } : {}),
  });
  const slaMail = createSlaMailScheduler(deps, {
    log,
    ...(settings.slaMailIntervalMs ? { intervalMs: settings.slaMailIntervalMs } : {}),
  });
  let bounce: BounceReceiver | null = null;
  let smtpState: { ok: boolean; detail?: string } = smtp
    ? { ok: true, detail: 'not checked yet' }
    : { ok: true, detail: 'not configured: mail rows say "not sent"' };
  let smtpCheckedAt = 0;
  let checking = false;

  function refreshSmtp(): void {
    if (!smtp || checking || Date.now() - smtpCheckedAt < 60_000) return;
    checking = true;
    smtpCheckedAt = Date.now();
    smtp
      .verify()
      .then(
        () => (smtpState = { ok: true }),
        (err: unknown) => (smtpState = { ok: false, detail: err instanceof Error ? err.message : String(err) }),
      )
      .finally(() => (checking = false));
  }

  return {
    dispatcher,
    sms,
    email,
    extra,
    pollAlimtalkResults: async () => {
      await alimtalkResults?.runOnce();
    },
    bouncePort: () => bounce?.port ?? null,
    smtpCheck() {
      refreshSmtp();
      return smtpState;
    },
    async start() {
      if (settings.bounce) {
        bounce = await startBounceReceiver({
          port: settings.bounce.port,
          host: settings.bounce.host,
          messageIdDomain: settings.messageIdDomain,
          onBounce: async (b) => {
            const r = await recordBounce(deps, { bounce: b });
            if (!r.matched) log('info', 'bounce: no matching message', { reason: r.reason, messageId: b.messageId });
          },
          onError: (err) => log('warn', 'bounce receiver error', { err }),
        });
        log('info', 'bounce receiver listening', { port: bounce.port });
      }
      if (settings.dispatch.enabled) {
        dispatcher.start();
        reminders.start();
        slaMail.start();
        alimtalkResults?.start();
      }
    },
    async stop() {
      await reminders.stop();
      await slaMail.stop();
      await alimtalkResults?.stop();
      await dispatcher.stop();
      await bounce?.close();
      smtp?.close();
    },
  };
}
