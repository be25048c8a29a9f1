// Delivery notes stored in the ledger (statusDetail, timeline details) are English sentences
// the product writes itself ("not sent: SMS is switched off for this monitor", "attempt 1: sent
// — …", "gave up after 10 attempts: …"). Shown in the UI's language: each known shape is
// matched and rebuilt from translated parts; what a provider said (an SMTP reply, a carrier's
// report text) is kept verbatim inside it, as the provider's own words.
import { t } from './i18n/index.svelte';
import type { MessageKey } from './i18n/en';

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
};

const RULES: Rule[] = [
  [/^attempt (\d+): sent — (.*)$/s, (m) => t('note.attemptSent', { n: m[1]!, detail: deliveryNote(m[2]!) })],
  [/^attempt (\d+): failed — (.*)$/s, (m) => t('note.attemptFailed', { n: m[1]!, detail: deliveryNote(m[2]!) })],
  [/^attempt (\d+): temporary failure — (.*); next attempt at (\S+)$/s, (m) => t('note.attemptRetry', { n: m[1]!, detail: deliveryNote(m[2]!), at: m[3]! })],
  [/^attempt (\d+): lease expired; (.*)$/s, (m) => t('note.leaseExpired', { n: m[1]!, detail: deliveryNote(m[2]!) })],
  [/^attempt (\d+): (gave up after .*)$/s, (m) => t('note.attempt', { n: m[1]!, detail: deliveryNote(m[2]!) })],
  [/^gave up after (\d+) attempts: (.*)$/s, (m) => t('note.gaveUp', { n: m[1]!, detail: deliveryNote(m[2]!) })],
  [/^retrying \(attempt (\d+) of (\d+) failed temporarily\): (.*)$/s, (m) => t('note.retrying', { n: m[1]!, max: m[2]!, detail: deliveryNote(m[3]!) })],
  [/^accepted by (NHN|Twilio) as (SMS|LMS) \((\d+) bytes\)$/, (m) => t('note.acceptedAs', { provider: m[1]!, type: m[2]!, bytes: m[3]! })],
  [/^accepted by (NHN|Twilio) \((.*)\)$/, (m) => t('note.acceptedBy', { provider: m[1]!, detail: m[2]! })],
  [/^(nhn|twilio|NHN|Twilio) report: (.*)$/s, (m) => t('note.report', { provider: m[1]!, detail: m[2]! })],
  [/^bounced(?: \(([^)]*)\))?: (.*)$/s, (m) => t('note.bounced', { status: m[1] ?? '', detail: m[2]! })],
  [/^ignored \(already (\w+)\): (.*)$/s, (m) => t('note.ignored', { status: t(`delivery.${m[1]!}` as MessageKey), detail: deliveryNote(m[2]!) })],
];

/** `note` in the UI's language where it is the product's own words; provider text kept. */
export function deliveryNote(note: string): string {
  const fixed = FIXED[note];
  if (fixed) return t(fixed);
  for (const [re, build] of RULES) {
    const m = re.exec(note);
    if (m) return build(m);
  }
  return note;
}
