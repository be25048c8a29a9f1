// The configuration → delivery-side settings mapping, beside the composition root: main.ts
// builds the notifications with it, so services/ never reads the configuration itself.
import type { Config } from './config.ts';
import type { SmsProviderConfig } from './notify/sms/index.ts';
import type { NotificationSettings } from './dispatch/setup.ts';
import { defaultConcurrency } from './dispatch/lane-size.ts';

/** Maps the validated configuration to the delivery side's settings. */
export function notificationSettings(config: Config): NotificationSettings {
  const base = config.publicUrl.replace(/\/+$/, '');
  const sms: SmsProviderConfig =
    config.SMS_PROVIDER === 'nhn'
      ? {
          provider: 'nhn',
          baseUrl: config.NHN_BASE_URL,
          appKey: config.NHN_APP_KEY ?? '',
          secretKey: config.NHN_SECRET_KEY ?? '',
          sendNo: config.NHN_SEND_NO ?? '',
          webhookSignatureMode: config.NHN_WEBHOOK_SIGNATURE_MODE,
          ...(config.NHN_WEBHOOK_SECRET ? { webhookSecret: config.NHN_WEBHOOK_SECRET } : {}),
        }
      : config.SMS_PROVIDER === 'twilio'
        ? {
            provider: 'twilio',
            baseUrl: config.TWILIO_BASE_URL,
            accountSid: config.TWILIO_ACCOUNT_SID ?? '',
            authToken: config.TWILIO_AUTH_TOKEN ?? '',
            from: config.TWILIO_FROM ?? '',
            statusCallbackUrl: `${base}/hooks/sms/twilio`,
          }
        : { provider: 'none' };
  return {
    smtpUrl: config.SMTP_URL,
    mailFrom: config.MAIL_FROM,
    bounceAddress: config.BOUNCE_ADDRESS,
    messageIdDomain: new URL(config.publicUrl).hostname || 'portwatch',
    bounce: config.BOUNCE_SMTP_PORT !== undefined ? { port: config.BOUNCE_SMTP_PORT, host: config.HOST } : null,
    sms,
    extra: {
      alimtalk:
        config.NHN_ALIMTALK_APP_KEY && config.NHN_ALIMTALK_SECRET_KEY && config.NHN_ALIMTALK_SENDER_KEY
          ? {
              baseUrl: config.NHN_ALIMTALK_BASE_URL,
              appKey: config.NHN_ALIMTALK_APP_KEY,
              secretKey: config.NHN_ALIMTALK_SECRET_KEY,
              senderKey: config.NHN_ALIMTALK_SENDER_KEY,
            }
          : null,
      slackPrefix: config.SLACK_WEBHOOK_PREFIX,
      telegram: config.TELEGRAM_BOT_TOKEN
        ? { baseUrl: config.TELEGRAM_API_URL, botToken: config.TELEGRAM_BOT_TOKEN }
        : null,
    },
    dispatch: {
      enabled: config.DISPATCH_ENABLED,
      maxAttempts: config.DISPATCH_MAX_ATTEMPTS,
      retryBaseMs: config.DISPATCH_RETRY_BASE_SECONDS * 1000,
      retryMaxMs: config.DISPATCH_RETRY_MAX_SECONDS * 1000,
      leaseMs: config.DISPATCH_LEASE_SECONDS * 1000,
      concurrency: {
        EMAIL: config.DISPATCH_EMAIL_CONCURRENCY ?? defaultConcurrency('EMAIL'),
        SMS: config.DISPATCH_SMS_CONCURRENCY ?? defaultConcurrency('SMS'),
      },
      maxConcurrency: { EMAIL: config.DISPATCH_EMAIL_MAX_CONCURRENCY },
      smsAckLink: config.SMS_ACK_LINK,
    },
  };
}
