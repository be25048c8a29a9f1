// The delivery channels beside e-mail and SMS (AlimTalk, Slack, Telegram, webhooks) as one set,
// the words for a channel that is not configured, and the address policy of webhook calls. Used by
// the dispatcher and by "send a test notification".
import type { AlimtalkProvider } from '../../notify/alimtalk/nhn.ts';
import type { SlackChannel } from '../../notify/slack.ts';
import type { TelegramChannel } from '../../notify/telegram.ts';
import type { AddressPolicy, WebhookChannel } from '../../notify/webhook.ts';
import { parseIp, restrictedRange } from '../ip-policy.ts';

export const NO_ALIMTALK_DETAIL =
  'not sent: KakaoTalk AlimTalk is not configured (NHN_ALIMTALK_APP_KEY, NHN_ALIMTALK_SECRET_KEY, NHN_ALIMTALK_SENDER_KEY)';
export const NO_TELEGRAM_DETAIL = 'not sent: no Telegram bot configured (TELEGRAM_BOT_TOKEN)';
export const ENDPOINT_REMOVED_DETAIL = 'the destination was removed before the message was sent';

export interface ExtraChannels {
  alimtalk?: AlimtalkProvider | null;
  slack?: SlackChannel | null;
  telegram?: TelegramChannel | null;
  webhook?: WebhookChannel | null;
}

/** The IP policy for webhook calls: public addresses always; private ranges only where an admin allowed them. */
export function webhookAddressPolicy(allowPrivate: boolean): AddressPolicy {
  return (ip) => {
    const parsed = parseIp(ip);
    if (!parsed) return 'not an IP address';
    const range = restrictedRange(parsed);
    return range && !allowPrivate
      ? `in a restricted range (${range.toLowerCase().replace('_', '-')}); an administrator may allow private ranges for this webhook`
      : null;
  };
}
