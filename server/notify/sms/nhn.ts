// NHN Cloud SMS API v3.0 adapter (https://docs.nhncloud.com/ko/Notification/SMS/ko/api-guide/).
// Send: POST {base}/sms/v3.0/appKeys/{appKey}/sender/sms (≤ 90 EUC-KR bytes) or /sender/mms (LMS,
// domestic only, ≤ 2,000 bytes), header X-Secret-Key. NHN answers HTTP 200 on refusals too:
// header.isSuccessful and sendResultList[].resultCode (0 = ok) decide.
// providerMessageId = "<requestId>:<recipientSeq>" — the MESSAGE_RESULT_UPDATE webhook carries
// both, so reports key the same way. senderGroupingKey = recipientGroupingKey = ledgerId, echoed
// back in webhooks as DeliveryReport.ledgerId (a second way to correlate).
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { DeliveryReport, SendOutcome } from '../types.ts';
import { LEDGER_ID_PATTERN, assertLedgerId } from '../types.ts';
import { LMS_MAX_BYTES, SMS_MAX_BYTES, eucKrByteLength, truncateEucKr, LMS_TITLE_MAX_BYTES } from '../euckr.ts';
import {
  DEFAULT_TIMEOUT_MS,
  header,
  httpCall,
  parseRetryAfter,
  rec,
  str,
  tryJson,
  type FetchLike,
  type ParseReportResult,
  type SmsProvider,
  type SmsSendRequest,
  type WebhookRequest,
} from './provider.ts';

/**
 * How X-Toast-Webhook-Signature is checked.
 * - 'hmac-sha256' (default): base64(HMAC-SHA256(webhookSecret, raw body)).
 * - 'static': the header equals the signature string entered in the NHN console. NHN's webhook
 *   guide describes the header as "the signature entered when setting the webhook", i.e. a shared
 *   static value; use this mode against the real service unless NHN signs bodies for you.
 */
export type NhnSignatureMode = 'hmac-sha256' | 'static';

export interface NhnProviderOptions {
  baseUrl: string;
  appKey: string;
  secretKey: string;
  /** Pre-registered sender number (발신 번호), digits. */
  sendNo: string;
  webhookSecret?: string;
  webhookSignatureMode?: NhnSignatureMode;
  /** LMS title (≤ 40 bytes); default "[portwatch]". */
  lmsTitle?: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

// NHN API result codes that mean "their side, try again" (system error, queue insert failure).
const TRANSIENT_API_CODES = new Set([-9999, -2021]);

/** 수신 결과 코드 (delivery result codes) → English meaning, from NHN's error-code table. */
const RESULT_CODES: Record<string, string> = {
  '1000': 'delivered',
  '1001': 'carrier server busy',
  '1002': 'invalid recipient number format',
  '1003': 'invalid sender number format',
  '1019': 'TTL exceeded',
  '2000': 'delivery timed out',
  '2001': 'transmission failed (radio network)',
  '2002': 'transmission failed (network to handset)',
  '2003': 'handset switched off',
  '2004': 'handset message buffer full',
  '2005': 'out of coverage',
  '2006': 'message deleted',
  '2007': 'temporary handset problem',
  '3000': 'cannot be delivered',
  '3001': 'no such subscriber',
  '3003': 'invalid or unassigned number',
  '3004': 'service suspended on handset',
  '3005': 'handset busy (call processing)',
  '3006': 'rejected by recipient',
  '3008': 'other handset problem',
  '3009': 'message format error',
  '3011': 'carrier server error',
  '3012': 'spam',
  '3013': 'service refused',
  '3014': 'other',
  '3015': 'no route',
  '3017': 'sender number format blocked (anti-spoofing)',
  '3018': 'sender number is a personal number protected against spoofing',
  '3019': 'sender number blocked by KISA',
  E900: 'other sending error',
  E915: 'duplicate message',
  E919: 'sending time restriction',
  E999: 'other error',
};

const FAILED_STATUSES = new Set(['FAILED', 'FAILED_AD', 'CANCEL', 'DUPLICATED']);

function describeResult(code: string | undefined): string {
  if (!code) return 'no result code';
  return `${code} ${RESULT_CODES[code] ?? 'see NHN result code table'}`;
}

function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** base64(HMAC-SHA256(secret, body)) — what the 'hmac-sha256' mode expects in the header. */
export function nhnWebhookSignature(secret: string, rawBody: string): string {
  return createHmac('sha256', secret).update(rawBody, 'utf8').digest('base64');
}

interface NhnNumber {
  domestic: boolean;
  /** Domestic: the national number's digits; otherwise the E.164 number without '+'. */
  digits: string;
}

// Parsing a number with libphonenumber's full metadata costs ~0.3 ms; a burst sends to the same
// on-call numbers again and again, so the last few thousand answers are kept (pure).
const numbers = new Map<string, NhnNumber | null>();

function nhnNumber(to: string): NhnNumber | null {
  const hit = numbers.get(to);
  if (hit !== undefined) return hit;
  const pn = parsePhoneNumberFromString(to, 'KR');
  const out = !pn?.isValid()
    ? null
    : pn.countryCallingCode === '82'
      ? { domestic: true, digits: pn.formatNational().replace(/\D/g, '') }
      : { domestic: false, digits: pn.number.slice(1) };
  if (numbers.size >= 4_096) numbers.clear();
  numbers.set(to, out);
  return out;
}

export function createNhnProvider(opts: NhnProviderOptions): SmsProvider {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const mode: NhnSignatureMode = opts.webhookSignatureMode ?? 'hmac-sha256';
  const title = truncateEucKr(opts.lmsTitle ?? '[portwatch]', LMS_TITLE_MAX_BYTES);

  async function send(req: SmsSendRequest): Promise<SendOutcome> {
    assertLedgerId(req.ledgerId);
    const pn = nhnNumber(req.to);
    if (!pn) return { status: 'FAILED', detail: `invalid recipient number ${req.to}`, raw: null };
    const { domestic } = pn;
    const bytes = eucKrByteLength(req.text);
    const long = bytes > SMS_MAX_BYTES;
    if (long && !domestic) {
      return {
        status: 'FAILED',
        detail: `message is ${bytes} bytes; NHN sends long messages (LMS) only within Korea`,
        raw: null,
      };
    }
    if (bytes > LMS_MAX_BYTES)
      return {
        status: 'FAILED',
        detail: `message is ${bytes} bytes, over the LMS limit of ${LMS_MAX_BYTES}`,
        raw: null,
      };
    const recipient = domestic
      ? { recipientNo: pn.digits, recipientGroupingKey: req.ledgerId }
      : { internationalRecipientNo: pn.digits, recipientGroupingKey: req.ledgerId };
    const payload = {
      ...(long ? { title } : {}),
      body: req.text,
      sendNo: opts.sendNo,
      senderGroupingKey: req.ledgerId,
      recipientList: [recipient],
    };
    const url = `${base}/sms/v3.0/appKeys/${encodeURIComponent(opts.appKey)}/sender/${long ? 'mms' : 'sms'}`;
    const r = await httpCall(
      opts.fetch,
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Secret-Key': opts.secretKey },
        body: JSON.stringify(payload),
      },
      timeoutMs,
    );
    if (r.kind === 'error') return r.outcome;
    const json = tryJson(r.body);
    const head = rec(rec(json).header);
    const raw = json ?? r.body.slice(0, 2000);
    const apiMessage = str(head.resultMessage);
    if (r.status === 429 || r.status >= 500) {
      const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'));
      return {
        status: 'RETRY',
        detail: `NHN HTTP ${r.status}${apiMessage ? `: ${apiMessage}` : ''}`,
        raw,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    if (r.status < 200 || r.status >= 300) {
      return {
        status: 'FAILED',
        detail: `NHN HTTP ${r.status}: ${apiMessage ?? (r.body.slice(0, 200) || 'no body')}`,
        raw,
      };
    }
    if (typeof head.isSuccessful !== 'boolean')
      return { status: 'RETRY', detail: 'NHN answered 200 with an unreadable body', raw };
    if (!head.isSuccessful) {
      const code = typeof head.resultCode === 'number' ? head.resultCode : Number(head.resultCode);
      const detail = `NHN ${code}: ${apiMessage ?? 'request refused'}`;
      return TRANSIENT_API_CODES.has(code) ? { status: 'RETRY', detail, raw } : { status: 'FAILED', detail, raw };
    }
    const data = rec(rec(rec(json).body).data);
    const list = Array.isArray(data.sendResultList) ? data.sendResultList : [];
    const first = rec(list[0]);
    if (list.length === 0)
      return { status: 'FAILED', detail: 'NHN accepted the request but returned no recipient result', raw };
    const rc = first.resultCode;
    if (rc !== 0 && rc !== '0')
      return {
        status: 'FAILED',
        detail: `NHN ${str(rc) ?? '?'}: ${str(first.resultMessage) ?? 'recipient refused'}`,
        raw,
      };
    const requestId = str(data.requestId);
    const seq = str(first.recipientSeq);
    return {
      status: 'SENT',
      providerMessageId: requestId && seq ? `${requestId}:${seq}` : (requestId ?? null),
      detail: `accepted by NHN as ${long ? 'LMS' : 'SMS'} (${bytes} bytes)`,
      raw,
    };
  }

  function parseReport(req: WebhookRequest): ParseReportResult {
    if (!opts.webhookSecret) return { ok: false, status: 401, reason: 'NHN webhook secret not configured' };
    const sig = header(req.headers, 'X-Toast-Webhook-Signature');
    if (!sig) return { ok: false, status: 401, reason: 'missing X-Toast-Webhook-Signature' };
    const expected = mode === 'static' ? opts.webhookSecret : nhnWebhookSignature(opts.webhookSecret, req.rawBody);
    if (!sameSecret(sig.trim(), expected)) return { ok: false, status: 401, reason: 'bad X-Toast-Webhook-Signature' };
    const json = tryJson(req.rawBody);
    if (json === undefined || typeof json !== 'object' || json === null)
      return { ok: false, status: 400, reason: 'body is not a JSON object' };
    const event = str(rec(json).event);
    if (event !== 'MESSAGE_RESULT_UPDATE') return { ok: true, reports: [] };
    const hooks = rec(json).hooks;
    if (!Array.isArray(hooks)) return { ok: false, status: 400, reason: 'hooks is not a list' };
    const reports: DeliveryReport[] = [];
    for (const h of hooks) {
      const hook = rec(h);
      const requestId = str(hook.requestId);
      const seq = str(hook.recipientSeq);
      if (!requestId || !seq) continue;
      const messageStatus = (str(hook.messageStatus) ?? '').toUpperCase();
      const code = str(hook.resultCode);
      const status: DeliveryReport['status'] = FAILED_STATUSES.has(messageStatus)
        ? 'FAILED'
        : messageStatus === 'COMPLETED'
          ? !code || code === '1000'
            ? 'DELIVERED'
            : 'FAILED'
          : 'SENT';
      const key = [hook.senderGroupingKey, hook.recipientGroupingKey, hook.recipientGropuingKey]
        .map(str)
        .find((k) => k && LEDGER_ID_PATTERN.test(k));
      reports.push({
        providerMessageId: `${requestId}:${seq}`,
        status,
        detail: `${messageStatus || 'UNKNOWN'}: ${describeResult(code)}`,
        raw: hook,
        ledgerId: key ?? null,
      });
    }
    return { ok: true, reports };
  }

  return { name: 'nhn', send, parseReport };
}
