// Sending a claimed row through AlimTalk, Slack, Telegram or a webhook (e-mail and SMS stay in
// dispatcher.ts). Each channel is optional: a channel that is not configured makes its rows NO
// with the reason, never a silent skip. AlimTalk template codes are an admin setting, read with a
// short cache.
import type { Language } from '../generated/prisma/enums.ts';
import { alimtalkParameters, templateKeyFor, type AlimtalkTemplateCodes } from '../notify/alimtalk/templates.ts';
import { renderSlack, renderTelegram } from '../notify/chat.ts';
import type { AlertContent, SendOutcome } from '../notify/types.ts';
import { buildWebhookEvent } from '../notify/webhook.ts';
import type { PrismaClient } from '../db/index.ts';
import {
  ENDPOINT_REMOVED_DETAIL,
  NO_ALIMTALK_DETAIL,
  NO_TELEGRAM_DETAIL,
  webhookAddressPolicy,
  type ExtraChannels,
} from '../services/notify-endpoints/channel-set.ts';
import { getAlimtalkTemplateCodes } from '../services/notify-endpoints/templates.ts';
import type { ClaimedRow } from './claim.ts';

export { ENDPOINT_REMOVED_DETAIL, NO_ALIMTALK_DETAIL, NO_TELEGRAM_DETAIL, webhookAddressPolicy, type ExtraChannels };

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
  async function templateCode(kind: AlertContent['kind'], lang: Language): Promise<string> {
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
          const code = await templateCode(content.kind, row.language);
          if (!code) {
            const key = templateKeyFor(content.kind);
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
