// Slack incoming webhooks (https://api.slack.com/messaging/webhooks): POST a JSON message
// ({ text, blocks }) to the webhook URL. Slack answers 200 "ok"; errors are plain-text codes:
// 400 invalid_payload / invalid_blocks / no_text, 403 action_prohibited / invalid_token,
// 404 no_service / channel_not_found / no_team, 410 channel_is_archived, 429 with Retry-After,
// 5xx rollup_error. A refused payload or a revoked webhook will not get better by retrying:
// FAILED; 429, 5xx, timeouts and network errors: RETRY.
import type { SlackMessage } from './chat.ts';
import { DEFAULT_TIMEOUT_MS, httpCall, parseRetryAfter, type FetchLike } from './sms/provider.ts';
import type { SendOutcome } from './types.ts';
import { assertLedgerId } from './types.ts';

export interface SlackChannelOptions {
  /** Webhook URLs must start with this (default https://hooks.slack.com/): a Slack URL is never a way to reach other hosts. */
  allowedPrefix?: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

export interface SlackSendRequest {
  ledgerId: string;
  webhookUrl: string;
  message: SlackMessage;
}

export interface SlackChannel {
  send(req: SlackSendRequest): Promise<SendOutcome>;
}

export const SLACK_DEFAULT_PREFIX = 'https://hooks.slack.com/';

const MEANING: Record<string, string> = {
  invalid_payload: 'Slack could not read the message',
  invalid_blocks: 'Slack refused the message layout',
  no_text: 'the message has no text',
  action_prohibited: 'an admin of the Slack workspace restricted this webhook',
  invalid_token: 'the webhook was revoked',
  no_service: 'the webhook is disabled or was removed',
  no_team: 'the Slack workspace no longer exists',
  channel_not_found: 'the Slack channel no longer exists',
  channel_is_archived: 'the Slack channel is archived',
  team_disabled: 'the Slack workspace is disabled',
  posting_to_general_channel_denied: 'only admins may post to this channel',
};

/** Display form of a webhook URL without its secret last segment: "hooks.slack.com/services/T…/B…". */
export function slackRecipient(url: string): string {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/').filter(Boolean);
    return `${u.host}/${parts.slice(0, -1).join('/')}`;
  } catch {
    return 'slack';
  }
}

export function isSlackWebhookUrl(url: string, prefix = SLACK_DEFAULT_PREFIX): boolean {
  try {
    new URL(url);
  } catch {
    return false;
  }
  return url.startsWith(prefix) && url.length > prefix.length;
}

export function createSlackChannel(opts: SlackChannelOptions): SlackChannel {
  const prefix = opts.allowedPrefix ?? SLACK_DEFAULT_PREFIX;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return {
    async send(req) {
      assertLedgerId(req.ledgerId);
      if (!isSlackWebhookUrl(req.webhookUrl, prefix))
        return { status: 'FAILED', detail: `not a Slack webhook URL (must start with ${prefix})`, raw: null };
      const r = await httpCall(
        opts.fetch,
        req.webhookUrl,
        {
          method: 'POST',
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
          body: JSON.stringify({ text: req.message.text, blocks: req.message.blocks }),
        },
        timeoutMs,
      );
      if (r.kind === 'error') return r.outcome;
      const code = r.body.trim().slice(0, 200);
      const raw = { status: r.status, body: code };
      const words = `${code || 'no body'}${MEANING[code] ? ` (${MEANING[code]})` : ''}`;
      if (r.status === 429 || r.status >= 500) {
        const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'));
        return {
          status: 'RETRY',
          detail: `Slack HTTP ${r.status}: ${words}`,
          raw,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        };
      }
      if (r.status < 200 || r.status >= 300)
        return { status: 'FAILED', detail: `Slack HTTP ${r.status}: ${words}`, raw };
      return {
        status: 'SENT',
        providerMessageId: null,
        detail: `accepted by Slack (HTTP ${r.status} ${code || 'ok'})`,
        raw,
      };
    },
  };
}
