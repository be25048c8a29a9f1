// Delivery notes stored in the ledger (statusDetail, timeline details) are English sentences
// the product writes itself ("not sent: SMS is switched off for this monitor", "attempt 1: sent
// — …", "gave up after 10 attempts: …"). Shown in the UI's language: each known shape is
// matched and rebuilt from translated parts; what a provider said (an SMTP reply, a carrier's
// report text) is kept verbatim inside it, as the provider's own words.
// (The rules live here, free of Svelte, so that a plain test can run them with a dictionary.)
import type { MessageKey } from './i18n/en';

export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string;

/** The translator of ledger notes for `t` (and `hasKey`, which tells a known message key). */
export function createDeliveryNote(t: Translate, hasKey: (key: string) => boolean): (note: string) => string {
  type Rule = [RegExp, (m: RegExpExecArray) => string];

  const FIXED: Record<string, MessageKey> = {
    'not sent: mail is switched off for this monitor': 'note.mailOffMonitor',
    'not sent: SMS is switched off for this monitor': 'note.smsOffMonitor',
    'not sent: mail is switched off for this admin recipient': 'note.mailOffAdmin',
    'not sent: SMS is switched off for this admin recipient': 'note.smsOffAdmin',
    'not sent: no SMTP server configured': 'note.noSmtp',
    'not sent: no SMS provider configured': 'note.noSms',
    'read: tracking pixel fetched': 'note.readPixel',
    'read: log link opened': 'note.readLink',
    'read: acknowledgement link opened': 'note.readAck',
    // the current wording of the NO / NOT_SENT reasons (server/services/notifications/rows.ts, server/dispatch/)
    'not sent: mail to the contact is switched off on this monitor': 'note2.contactMailOff',
    'not sent: SMS to the contact is switched off on this monitor': 'note2.contactSmsOff',
    "not sent: mail is switched off in this admin recipient's settings (the monitor's switches apply to its contact only)":
      'note2.adminMailOff',
    "not sent: SMS is switched off in this admin recipient's settings (the monitor's switches apply to its contact only)":
      'note2.adminSmsOff',
    'not sent: SMS is switched off (it is sent only as the fallback when KakaoTalk AlimTalk fails)':
      'note2.smsFallbackOff',
    'not sent: KakaoTalk AlimTalk is not configured (NHN_ALIMTALK_APP_KEY, NHN_ALIMTALK_SECRET_KEY, NHN_ALIMTALK_SENDER_KEY)':
      'note2.noAlimtalk',
    'not sent: no Telegram bot configured (TELEGRAM_BOT_TOKEN)': 'note2.noTelegram',
    'not sent: Slack is switched off on this server': 'note2.slackOff',
    'not sent: webhooks are switched off on this server': 'note2.webhooksOff',
    'not sent: this process does not send notifications': 'note2.noSender',
    'SMS fallback queued': 'note2.fallbackQueued',
  };

  /** A word from one of the product's own tables (`prefix` + key), or `fallback` when there is none. */
  const word = (prefix: string, key: string, fallback: string): string =>
    hasKey(`${prefix}${key}`) ? t(`${prefix}${key}` as MessageKey) : fallback;

  /** An NHN delivery report's detail: "FAILED: 2003 handset switched off" (NHN's status word kept). */
  function nhnResult(m: RegExpExecArray): string {
    return t('note2.nhnResult', { status: m[1]!, code: m[2]!, meaning: word('nhn.result.', m[2]!, m[3]!) });
  }

  const RULES: Rule[] = [
    [/^attempt (\d+): sent — (.*)$/s, (m) => t('note.attemptSent', { n: m[1]!, detail: deliveryNote(m[2]!) })],
    [/^attempt (\d+): failed — (.*)$/s, (m) => t('note.attemptFailed', { n: m[1]!, detail: deliveryNote(m[2]!) })],
    [
      /^attempt (\d+): temporary failure — (.*); next attempt at (\S+)$/s,
      (m) => t('note.attemptRetry', { n: m[1]!, detail: deliveryNote(m[2]!), at: m[3]! }),
    ],
    [/^attempt (\d+): lease expired; (.*)$/s, (m) => t('note.leaseExpired', { n: m[1]!, detail: deliveryNote(m[2]!) })],
    [/^attempt (\d+): (gave up after .*)$/s, (m) => t('note.attempt', { n: m[1]!, detail: deliveryNote(m[2]!) })],
    [/^gave up after (\d+) attempts: (.*)$/s, (m) => t('note.gaveUp', { n: m[1]!, detail: deliveryNote(m[2]!) })],
    [
      /^retrying \(attempt (\d+) of (\d+) failed temporarily\): (.*)$/s,
      (m) => t('note.retrying', { n: m[1]!, max: m[2]!, detail: deliveryNote(m[3]!) }),
    ],
    [
      /^accepted by (NHN|Twilio) as (SMS|LMS) \((\d+) bytes\)$/,
      (m) => t('note.acceptedAs', { provider: m[1]!, type: m[2]!, bytes: m[3]! }),
    ],
    [/^accepted by (NHN|Twilio) \((.*)\)$/, (m) => t('note.acceptedBy', { provider: m[1]!, detail: m[2]! })],
    [
      /^(nhn|twilio|NHN|Twilio) report: (.*)$/s,
      (m) => t('note.report', { provider: m[1]!, detail: deliveryNote(m[2]!) }),
    ],
    [/^bounced(?: \(([^)]*)\))?: (.*)$/s, (m) => t('note.bounced', { status: m[1] ?? '', detail: m[2]! })],
    [
      /^not sent: this (mail|SMS|AlimTalk|Slack|Telegram|webhook) destination is switched off for this (account|admin recipient)$/,
      (m) => t(m[2] === 'account' ? 'note2.endpointOffAccount' : 'note2.endpointOffAdmin', { channel: m[1]! }),
    ],
    [/^invalid recipient number (\S+)$/, (m) => t('note2.invalidNumber', { number: m[1]! })],
    [/^recipient (\S+) is not E\.164$/, (m) => t('note2.notE164', { number: m[1]! })],
    [
      /^message is (\d+) bytes; NHN sends long messages \(LMS\) only within Korea$/,
      (m) => t('note2.lmsAbroad', { bytes: m[1]! }),
    ],
    [/^message is (\d+) bytes, over the LMS limit of (\d+)$/, (m) => t('note2.overLms', { bytes: m[1]!, max: m[2]! })],
    // "NHN HTTP 503: …" / "Twilio HTTP 429 (…)": what follows is the provider's words, kept
    [
      /^(NHN|Twilio) HTTP (\d{3})(.*)$/s,
      (m) => t('note2.providerHttp', { provider: m[1]!, status: m[2]!, detail: m[3]! }),
    ],
    // NHN reports: "<messageStatus>: <resultCode> <our meaning>"
    [/^([A-Z_]+): (\d{4}|E\d{3}) (.+)$/, nhnResult],
    // Twilio reports: "undelivered (ErrorCode 30003: unreachable destination handset)", "delivered"
    [
      /^(undelivered|failed|canceled) \(ErrorCode (\d+)(?:: (.*))?\)$/,
      (m) =>
        t('note2.twilioFailed', {
          status: word('note2.twilioStatus.', m[1]!, m[1]!),
          code: m[2]!,
          meaning: word('twilio.error.', m[2]!, m[3] ?? ''),
        }),
    ],
    [
      /^(delivered|read|undelivered|failed|canceled|sent|queued|accepted|sending|scheduled)$/,
      (m) => word('note2.twilioStatus.', m[1]!, m[1]!),
    ],
    [
      /^ignored \(already (\w+)\): (.*)$/s,
      (m) => t('note.ignored', { status: t(`delivery.${m[1]!}` as MessageKey), detail: deliveryNote(m[2]!) }),
    ],
  ];

  /** `note` in the UI's language where it is the product's own words; provider text kept. */
  function deliveryNote(note: string): string {
    const fixed = FIXED[note];
    if (fixed) return t(fixed);
    for (const [re, build] of RULES) {
      const m = re.exec(note);
      if (m) return build(m);
    }
    return note;
  }
  return deliveryNote;
}
