// Sending a claimed row through AlimTalk, Slack, Telegram or a webhook (e-mail and SMS stay in
// dispatcher.ts). Each channel is optional: a channel that is not configured makes its rows NO
// with the reason, never a silent skip. AlimTalk template codes are an admin setting, read with a
// short cache.
import type { Language } from '../../generated/prisma/enums.ts';
import type { AlimtalkProvider } from '../../notify/alimtalk/nhn.ts';
import { alimtalkParameters, templateKeyFor, type AlimtalkTemplateCodes } from '../../notify/alimtalk/templates.ts';
import { renderSlack, renderTelegram } from '../../notify/chat.ts';
import type { SlackChannel } from '../../notify/slack.ts';
import type { TelegramChannel } from '../../notify/telegram.ts';
import type { AlertContent, SendOutcome } from '../../notify/types.ts';
import { buildWebhookEvent, type AddressPolicy, type WebhookChannel } from '../../notify/webhook.ts';
import type { PrismaClient } from '../../db/index.ts';
import { parseIp, restrictedRange } from '../ip-policy.ts';
import { getAlimtalkTemplateCodes } from '../notify-endpoints/templates.ts';
import type { ClaimedRow } from './claim.ts';

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

export interface ExtraSender {
  send(row: ClaimedRow, content: AlertContent): Promise<SendOutcome>;
}

export function createExtraSender(
  prisma: PrismaClient,
  ch: ExtraChannels,
  opts: { templateCacheMs?: number } = {},
): ExtraSender {
  const cacheMs = opts.templateCacheMs ?? 30_000;
  let codes: { at: number; value: AlimtalkTemplateCodes } | null = null;
  async function templateCode(kind: ClaimedRow['kind'], lang: Language): Promise<string> {
    if (!codes || Date.now() - codes.at > cacheMs)
      codes = { at: Date.now(), value: await getAlimtalkTemplateCodes(prisma) };
    const key = templateKeyFor(kind);
    return key ? (codes.value[key]?.[lang]?.trim() ?? '') : '';
  }

  return {
    async send(row, content) {
      switch (row.channel) {
        case 'ALIMTALK': {
          if (!ch.alimtalk) return { status: 'NOT_SENT', detail: NO_ALIMTALK_DETAIL };
          const code = await templateCode(row.kind, row.language);
          if (!code) {
            const key = templateKeyFor(row.kind);
            return {
              status: 'FAILED',
              detail: key
                ? `no AlimTalk template code registered for ${key} (${row.language}): set it in the dashboard's settings`
                : `no AlimTalk template for ${row.kind} messages: sent by SMS`,
              raw: null,
            };
          }
          return ch.alimtalk.send({
            ledgerId: row.id,
            to: row.recipient,
            templateCode: code,
            templateParameter: alimtalkParameters(content),
          });
        }
        case 'SLACK':
          if (!row.endpoint) return { status: 'FAILED', detail: ENDPOINT_REMOVED_DETAIL, raw: null };
          if (!ch.slack) return { status: 'NOT_SENT', detail: 'not sent: Slack is switched off on this server' };
          return ch.slack.send({ ledgerId: row.id, webhookUrl: row.endpoint.target, message: renderSlack(content) });
        case 'TELEGRAM':
          if (!row.endpoint) return { status: 'FAILED', detail: ENDPOINT_REMOVED_DETAIL, raw: null };
          if (!ch.telegram) return { status: 'NOT_SENT', detail: NO_TELEGRAM_DETAIL };
          return ch.telegram.send({ ledgerId: row.id, chatId: row.endpoint.target, text: renderTelegram(content) });
        case 'WEBHOOK':
          if (!row.endpoint) return { status: 'FAILED', detail: ENDPOINT_REMOVED_DETAIL, raw: null };
          if (!ch.webhook) return { status: 'NOT_SENT', detail: 'not sent: webhooks are switched off on this server' };
          return ch.webhook.send({
            ledgerId: row.id,
            url: row.endpoint.target,
            secret: row.endpoint.secret ?? '',
            event: buildWebhookEvent(row.id, content),
            policy: webhookAddressPolicy(row.endpoint.allowPrivate),
          });
        default:
          return { status: 'FAILED', detail: `internal error: ${row.channel} is not sent here`, raw: null };
      }
    },
  };
}
