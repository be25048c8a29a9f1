// "Send a test notification", per channel. It goes straight through the channel (no ledger row:
// there is no incident) and answers with the channel's own outcome, so a person sees at once
// whether the destination works and, if not, the provider's words. One function per channel in
// a table: a channel not listed (or not configured) answers NOT_SENT with the reason.
// Who may test what: a customer its own destinations and its own account's e-mail and phone;
// an admin any destination of an admin recipient, and any address or number.
import type { Channel, Language } from '../../generated/prisma/enums.ts';
import type { EmailChannel } from '../../notify/email.ts';
import { alimtalkParameters } from '../../notify/alimtalk/templates.ts';
import { renderSlack, renderTelegram } from '../../notify/chat.ts';
import { renderEmail, renderSms } from '../../notify/render.ts';
import type { SmsProvider } from '../../notify/sms/provider.ts';
import type { AlertContent, SendOutcome } from '../../notify/types.ts';
import { buildWebhookEvent } from '../../notify/webhook.ts';
import { NO_ALIMTALK_DETAIL, NO_TELEGRAM_DETAIL, webhookAddressPolicy, type ExtraChannels } from './channel-set.ts';
import { ForbiddenError, ValidationError } from '../errors.ts';
import { normalizeMobile } from '../../notify/phone.ts';
import { isAdmin } from '../tenancy.ts';
import type { ServiceDeps, Viewer } from '../types.ts';
import { findEndpoint } from './endpoints.ts';
import { getAlimtalkTemplateCodes } from './templates.ts';

export interface TestChannels {
  email: EmailChannel | null;
  sms: SmsProvider;
  extra: ExtraChannels;
}

export interface TestRequest {
  channel: Channel;
  /** SLACK / TELEGRAM / WEBHOOK: the destination to test. */
  endpointId?: string | null;
  /** EMAIL / SMS / ALIMTALK: the address or number (default: the viewer's own). */
  to?: string | null;
  language?: Language | null;
}

export interface TestResult {
  channel: Channel;
  recipient: string;
  status: SendOutcome['status'];
  detail: string;
}

export interface TestNotifier {
  send(viewer: Viewer | null, req: TestRequest): Promise<TestResult>;
}

/** What a test message says: a DOWN-shaped message naming itself a test, so every renderer and template applies. */
export function testContent(deps: Pick<ServiceDeps, 'publicUrl' | 'now'>, lang: Language): AlertContent {
  const at = deps.now();
  return {
    kind: 'DOWN',
    lang,
    host: lang === 'ko' ? '테스트' : 'test',
    ports: [],
    at,
    openedAt: at,
    incidentId: 'test',
    monitorName: lang === 'ko' ? 'portwatch 테스트 알림' : 'portwatch test notification',
    logUrl: `${deps.publicUrl.replace(/\/+$/, '')}/`,
  };
}

const testId = () => `test-${Date.now().toString(36)}`;

export function createTestNotifier(deps: ServiceDeps, ch: TestChannels): TestNotifier {
  async function target(viewer: Viewer, req: TestRequest): Promise<string> {
    const admin = isAdmin(viewer);
    const me = await deps.prisma.account.findUniqueOrThrow({
      where: { id: viewer.accountId },
      select: { email: true, phone: true },
    });
    const wanted = req.to?.trim() || (req.channel === 'EMAIL' ? me.email : me.phone) || '';
    if (!wanted)
      throw ValidationError.field(
        ['input', 'to'],
        req.channel === 'EMAIL' ? 'Enter an e-mail address' : 'Enter a mobile number',
        'REQUIRED',
      );
    if (req.channel === 'EMAIL') {
      if (!admin && wanted !== me.email) throw new ForbiddenError('You can test only with your own e-mail address');
      return wanted;
    }
    const m = normalizeMobile(wanted);
    if (!m.ok) throw ValidationError.field(['input', 'to'], `Not a mobile number: ${m.reason}`, 'INVALID_PHONE');
    if (!admin && m.e164 !== me.phone) throw new ForbiddenError('You can test only with your own mobile number');
    return m.e164;
  }

  return {
    async send(viewer, req) {
      if (!viewer) throw new ForbiddenError('Sign in first');
      const lang: Language = req.language ?? viewer.language;
      const content = testContent(deps, lang);
      const id = testId();
      let recipient = '';
      let outcome: SendOutcome;
      if (req.channel === 'SLACK' || req.channel === 'TELEGRAM' || req.channel === 'WEBHOOK') {
        if (!req.endpointId)
          throw ValidationError.field(['input', 'endpoint'], 'Choose the destination to test', 'REQUIRED');
        const e = await findEndpoint(deps, viewer, req.endpointId);
        if (e.channel !== req.channel)
          throw ValidationError.field(
            ['input', 'channel'],
            `That destination is a ${e.channel} destination`,
            'CHANNEL_MISMATCH',
            { channel: e.channel },
          );
        recipient = e.label;
        if (e.channel === 'SLACK')
          outcome = ch.extra.slack
            ? await ch.extra.slack.send({ ledgerId: id, webhookUrl: e.target, message: renderSlack(content) })
            : { status: 'NOT_SENT', detail: 'not sent: Slack is switched off on this server' };
        else if (e.channel === 'TELEGRAM')
          outcome = ch.extra.telegram
            ? await ch.extra.telegram.send({ ledgerId: id, chatId: e.target, text: renderTelegram(content) })
            : { status: 'NOT_SENT', detail: NO_TELEGRAM_DETAIL };
        else
          outcome = ch.extra.webhook
            ? await ch.extra.webhook.send({
                ledgerId: id,
                url: e.target,
                secret: e.secret ?? '',
                event: buildWebhookEvent(id, content, { test: true }),
                policy: webhookAddressPolicy(e.allowPrivate),
              })
            : { status: 'NOT_SENT', detail: 'not sent: webhooks are switched off on this server' };
      } else {
        recipient = await target(viewer, req);
        if (req.channel === 'EMAIL') {
          outcome = ch.email
            ? await ch.email.send({ ledgerId: id, to: recipient, ...renderEmail(content) })
            : { status: 'NOT_SENT', detail: 'not sent: no SMTP server configured' };
        } else if (req.channel === 'SMS') {
          outcome = await ch.sms.send({ ledgerId: id, to: recipient, text: renderSms(content) });
        } else {
          const code = (await getAlimtalkTemplateCodes(deps.prisma)).DOWN?.[lang]?.trim() ?? '';
          outcome = !ch.extra.alimtalk
            ? { status: 'NOT_SENT', detail: NO_ALIMTALK_DETAIL }
            : !code
              ? {
                  status: 'FAILED',
                  detail: `no AlimTalk template code registered for DOWN (${lang}): the test uses the DOWN template`,
                  raw: null,
                }
              : await ch.extra.alimtalk.send({
                  ledgerId: id,
                  to: recipient,
                  templateCode: code,
                  templateParameter: alimtalkParameters(content),
                });
        }
      }
      return { channel: req.channel, recipient, status: outcome.status, detail: outcome.detail };
    },
  };
}
