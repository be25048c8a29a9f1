// Telegram Bot API sendMessage (https://core.telegram.org/bots/api#sendmessage):
// POST {base}/bot<token>/sendMessage { chat_id, text, parse_mode: 'HTML' }. Every answer is JSON:
// { ok: true, result: Message } or { ok: false, error_code, description, parameters?: { retry_after } }.
// 429 (flood control) and 5xx → RETRY (retry_after is a floor); 400 chat not found / 403 bot
// blocked or kicked → FAILED; 401/404 (bad bot token) → RETRY: our configuration, not the recipient.
import { DEFAULT_TIMEOUT_MS, httpCall, parseRetryAfter, rec, str, tryJson, type FetchLike } from './sms/provider.ts';
import type { SendOutcome } from './types.ts';
import { assertLedgerId } from './types.ts';

export interface TelegramChannelOptions {
  /** Default https://api.telegram.org */
  baseUrl?: string;
  botToken: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

export interface TelegramSendRequest {
  ledgerId: string;
  chatId: string;
  /** HTML (renderTelegram). */
  text: string;
}

export interface TelegramChannel {
  send(req: TelegramSendRequest): Promise<SendOutcome>;
}

export const TELEGRAM_DEFAULT_BASE = 'https://api.telegram.org';

/** A chat id: a number (users, groups: negative) or @channelusername. */
export function isTelegramChatId(s: string): boolean {
  return /^-?\d{1,20}$/.test(s) || /^@[A-Za-z][A-Za-z0-9_]{4,31}$/.test(s);
}

export function createTelegramChannel(opts: TelegramChannelOptions): TelegramChannel {
  const base = (opts.baseUrl ?? TELEGRAM_DEFAULT_BASE).replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async send(req) {
      assertLedgerId(req.ledgerId);
      if (!isTelegramChatId(req.chatId))
        return { status: 'FAILED', detail: `not a Telegram chat id: ${req.chatId}`, raw: null };
      const r = await httpCall(
        opts.fetch,
        `${base}/bot${opts.botToken}/sendMessage`,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({
            chat_id: req.chatId,
            text: req.text,
            parse_mode: 'HTML',
            link_preview_options: { is_disabled: true },
          }),
        },
        timeoutMs,
      );
      if (r.kind === 'error') return r.outcome;
      const json = rec(tryJson(r.body));
      const raw = Object.keys(json).length ? json : { status: r.status, body: r.body.slice(0, 500) };
      if (json.ok === true) {
        const id = str(rec(json.result).message_id);
        return {
          status: 'SENT',
          providerMessageId: id ?? null,
          detail: `accepted by Telegram${id ? ` (message ${id})` : ''}`,
          raw,
        };
      }
      const code = typeof json.error_code === 'number' ? json.error_code : r.status;
      const description = str(json.description) ?? (r.body.slice(0, 200) || 'no body');
      const detail = `Telegram ${code}: ${description}`;
      if (code === 429 || r.status === 429 || r.status >= 500 || code === 401 || code === 404) {
        const after = rec(json.parameters).retry_after;
        const retryAfterMs = typeof after === 'number' ? after * 1000 : parseRetryAfter(r.headers.get('retry-after'));
        const hint = code === 401 || code === 404 ? ' (check TELEGRAM_BOT_TOKEN)' : '';
        return { status: 'RETRY', detail: detail + hint, raw, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
      }
      if (r.status >= 200 && r.status < 300 && json.ok === undefined)
        return { status: 'RETRY', detail: `Telegram HTTP ${r.status} with an unreadable body`, raw };
      return { status: 'FAILED', detail, raw };
    },
  };
}
