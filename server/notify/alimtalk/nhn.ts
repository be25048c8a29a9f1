// NHN Cloud KakaoTalk Bizmessage — AlimTalk API v2.3
// (https://docs.nhncloud.com/ko/Notification/KakaoTalk%20Bizmessage/ko/alimtalk-api-guide/).
// Send (치환 발송): POST {base}/alimtalk/v2.3/appkeys/{appkey}/messages, header X-Secret-Key,
//   { senderKey, templateCode, senderGroupingKey, recipientList: [{ recipientNo, templateParameter,
//   recipientGroupingKey }] } → { header: { isSuccessful, resultCode, resultMessage },
//   message: { requestId, senderGroupingKey, sendResults: [{ recipientSeq, recipientNo, resultCode,
//   resultMessage, recipientGroupingKey }] } }. NHN answers HTTP 200 on refusals too.
// Result (단건 조회): GET {base}/alimtalk/v2.3/appkeys/{appkey}/messages/{requestId}/{recipientSeq}
//   → { header, message: { messageStatus, resultCode, resultCodeName, … } }: COMPLETED with result
//   code 1000 = delivered to KakaoTalk; COMPLETED with another code, FAILED or CANCEL = not delivered
//   (not a KakaoTalk user, AlimTalk blocked, template mismatch …): the dispatcher then sends the
//   SMS/LMS fallback. We do not use NHN's own resendParameter: our fallback is a ledger row of its own.
// providerMessageId = "<requestId>:<recipientSeq>".
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DEFAULT_TIMEOUT_MS, httpCall, parseRetryAfter, rec, str, tryJson, type FetchLike } from '../sms/provider.ts';
import type { SendOutcome } from '../types.ts';
import { assertLedgerId } from '../types.ts';

export const ALIMTALK_DEFAULT_BASE = 'https://api-alimtalk.cloud.toast.com';

export interface AlimtalkOptions {
  baseUrl: string;
  appKey: string;
  secretKey: string;
  /** The KakaoTalk channel's sender key (발신 키, 40 characters). */
  senderKey: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

export interface AlimtalkSendRequest {
  ledgerId: string;
  /** E.164 */
  to: string;
  templateCode: string;
  templateParameter: Record<string, string>;
}

export type AlimtalkResult =
  | { state: 'DELIVERED' | 'FAILED'; detail: string; raw: unknown }
  | { state: 'PENDING'; detail: string; raw: unknown }
  | { state: 'UNKNOWN'; detail: string; raw: unknown };

export interface AlimtalkProvider {
  readonly name: string;
  send(req: AlimtalkSendRequest): Promise<SendOutcome>;
  /** Delivery result of a sent message (providerMessageId from send). */
  queryResult(providerMessageId: string): Promise<AlimtalkResult>;
}

// API result codes that mean "their side, try again" (system error).
const TRANSIENT_API_CODES = new Set([-9999]);

/** Kakao's AlimTalk result codes (as NHN lists them) → meaning. */
export const KAKAO_RESULT_CODES: Record<string, string> = {
  '1000': 'delivered',
  '2003': 'no relationship with the KakaoTalk channel',
  '3005': 'sent, but KakaoTalk did not confirm receipt',
  '3006': 'sending failed',
  '3008': 'invalid phone number',
  '3013': 'message is empty',
  '3014': 'message too long',
  '3015': 'template not found',
  '3016': 'message does not match the template',
  '3018': 'cannot be sent (not a KakaoTalk user, or KakaoTalk not used recently)',
  '3019': 'not a KakaoTalk user',
  '3020': 'the recipient blocked AlimTalk',
  '3021': 'KakaoTalk version does not support AlimTalk',
  '3022': 'outside the allowed sending hours',
  '3024': 'invalid image',
  '3025': 'a variable is too long',
  '3026': 'template variables do not match',
  '3027': 'buttons do not match the template',
};

function describe(code: string | undefined): string {
  if (!code) return 'no result code';
  return `${code} ${KAKAO_RESULT_CODES[code] ?? 'see the Kakao result code table'}`;
}

export function createAlimtalkProvider(opts: AlimtalkOptions): AlimtalkProvider {
  const base = `${opts.baseUrl.replace(/\/+$/, '')}/alimtalk/v2.3/appkeys/${encodeURIComponent(opts.appKey)}/messages`;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const headers = { 'Content-Type': 'application/json;charset=UTF-8', 'X-Secret-Key': opts.secretKey };

  async function send(req: AlimtalkSendRequest): Promise<SendOutcome> {
    assertLedgerId(req.ledgerId);
    const pn = parsePhoneNumberFromString(req.to, 'KR');
    if (!pn?.isValid()) return { status: 'FAILED', detail: `invalid recipient number ${req.to}`, raw: null };
    if (pn.countryCallingCode !== '82')
      return { status: 'FAILED', detail: 'AlimTalk is sent to Korean mobile numbers only', raw: null };
    if (!req.templateCode)
      return { status: 'FAILED', detail: 'no AlimTalk template code registered for this message', raw: null };
    const payload = {
      senderKey: opts.senderKey,
      templateCode: req.templateCode,
      senderGroupingKey: req.ledgerId,
      recipientList: [
        {
          recipientNo: pn.formatNational().replace(/\D/g, ''),
          templateParameter: req.templateParameter,
          recipientGroupingKey: req.ledgerId,
        },
      ],
    };
    const r = await httpCall(opts.fetch, base, { method: 'POST', headers, body: JSON.stringify(payload) }, timeoutMs);
    if (r.kind === 'error') return r.outcome;
    const json = tryJson(r.body);
    const raw = json ?? r.body.slice(0, 2000);
    const head = rec(rec(json).header);
    const apiMessage = str(head.resultMessage);
    if (r.status === 429 || r.status >= 500) {
      const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'));
      return {
        status: 'RETRY',
        detail: `NHN AlimTalk HTTP ${r.status}${apiMessage ? `: ${apiMessage}` : ''}`,
        raw,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    if (r.status < 200 || r.status >= 300)
      return {
        status: 'FAILED',
        detail: `NHN AlimTalk HTTP ${r.status}: ${apiMessage ?? (r.body.slice(0, 200) || 'no body')}`,
        raw,
      };
    if (typeof head.isSuccessful !== 'boolean')
      return { status: 'RETRY', detail: 'NHN AlimTalk answered 200 with an unreadable body', raw };
    if (!head.isSuccessful) {
      const code = Number(head.resultCode);
      const detail = `NHN AlimTalk ${code}: ${apiMessage ?? 'request refused'}`;
      return TRANSIENT_API_CODES.has(code) ? { status: 'RETRY', detail, raw } : { status: 'FAILED', detail, raw };
    }
    const message = rec(rec(json).message);
    const results = Array.isArray(message.sendResults) ? message.sendResults : [];
    const first = rec(results[0]);
    if (results.length === 0)
      return { status: 'FAILED', detail: 'NHN AlimTalk accepted the request but returned no recipient result', raw };
    const rc = first.resultCode;
    if (rc !== 0 && rc !== '0')
      return {
        status: 'FAILED',
        detail: `NHN AlimTalk ${str(rc) ?? '?'}: ${str(first.resultMessage) ?? 'recipient refused'}`,
        raw,
      };
    const requestId = str(message.requestId);
    const seq = str(first.recipientSeq);
    return {
      status: 'SENT',
      providerMessageId: requestId && seq ? `${requestId}:${seq}` : (requestId ?? null),
      detail: `accepted by NHN AlimTalk (template ${req.templateCode})`,
      raw,
    };
  }

  async function queryResult(providerMessageId: string): Promise<AlimtalkResult> {
    const [requestId, seq] = providerMessageId.split(':');
    if (!requestId || !seq)
      return { state: 'UNKNOWN', detail: `no recipient sequence in ${providerMessageId}`, raw: null };
    const r = await httpCall(
      opts.fetch,
      `${base}/${encodeURIComponent(requestId)}/${encodeURIComponent(seq)}`,
      { method: 'GET', headers },
      timeoutMs,
    );
    if (r.kind === 'error') return { state: 'UNKNOWN', detail: r.outcome.detail, raw: r.outcome.raw };
    const json = tryJson(r.body);
    const head = rec(rec(json).header);
    if (r.status !== 200 || head.isSuccessful !== true)
      return {
        state: 'UNKNOWN',
        detail: `NHN AlimTalk result query HTTP ${r.status}: ${str(head.resultMessage) ?? 'no answer'}`,
        raw: json ?? null,
      };
    const m = rec(rec(json).message);
    const status = (str(m.messageStatus) ?? '').toUpperCase();
    const code = str(m.resultCode);
    const raw = {
      messageStatus: status,
      resultCode: code ?? null,
      resultCodeName: str(m.resultCodeName) ?? null,
      receiveDate: str(m.receiveDate) ?? null,
    };
    if (status === 'COMPLETED') {
      return !code || code === '1000'
        ? { state: 'DELIVERED', detail: `COMPLETED: ${describe(code ?? '1000')}`, raw }
        : { state: 'FAILED', detail: `COMPLETED: ${describe(code)}`, raw };
    }
    if (status === 'FAILED' || status === 'CANCEL')
      return { state: 'FAILED', detail: `${status}: ${describe(code)}`, raw };
    return { state: 'PENDING', detail: status || 'no status yet', raw };
  }

  return { name: 'nhn-alimtalk', send, queryResult };
}
