// Twilio Programmable Messaging adapter.
// Send: POST {base}/2010-04-01/Accounts/{Sid}/Messages.json, Basic auth (Sid:AuthToken), form
// fields To, From (or MessagingServiceSid for an "MG…" sender), Body, StatusCallback.
// providerMessageId = the Message SID ("SM…"); status callbacks carry it as MessageSid.
// Callbacks are verified: X-Twilio-Signature = base64(HMAC-SHA1(authToken, URL + each param name
// and value, sorted by name)), URL = statusCallbackUrl exactly as configured and sent to Twilio.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DeliveryReport, SendOutcome } from '../types.ts';
import { assertLedgerId } from '../types.ts';
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

export interface TwilioProviderOptions {
  baseUrl: string;
  accountSid: string;
  authToken: string;
  /** E.164 sender number, or a Messaging Service SID ("MG…"). */
  from: string;
  /** Public URL of our status-callback route; also the URL signatures are computed over. */
  statusCallbackUrl: string;
  timeoutMs?: number;
  fetch: FetchLike;
}

/** Twilio's request signature over `url` and form `params` (repeated names: values in order). */
export function twilioSignature(authToken: string, url: string, params: Iterable<[string, string]>): string {
  const pairs = [...params].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  let data = url;
  for (const [k, v] of pairs) data += k + v;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

const ERROR_CODES: Record<string, string> = {
  '30001': 'queue overflow',
  '30002': 'account suspended',
  '30003': 'unreachable destination handset',
  '30004': 'message blocked',
  '30005': 'unknown destination handset',
  '30006': 'landline or unreachable carrier',
  '30007': 'carrier filtered the message',
  '30008': 'unknown error',
  '30010': 'message price exceeds max price',
  '21610': 'recipient unsubscribed (STOP)',
  '21614': 'not a mobile number',
};

const SENT_STATUSES = new Set(['accepted', 'scheduled', 'queued', 'sending', 'sent']);
const FAILED_STATUSES = new Set(['undelivered', 'failed', 'canceled']);

export function createTwilioProvider(opts: TwilioProviderOptions): SmsProvider {
  const base = opts.baseUrl.replace(/\/+$/, '');
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const auth = `Basic ${Buffer.from(`${opts.accountSid}:${opts.authToken}`).toString('base64')}`;

  async function send(req: SmsSendRequest): Promise<SendOutcome> {
    assertLedgerId(req.ledgerId);
    if (!/^\+[1-9]\d{6,14}$/.test(req.to))
      return { status: 'FAILED', detail: `recipient ${req.to} is not E.164`, raw: null };
    const form = new URLSearchParams();
    form.set('To', req.to);
    if (/^MG[0-9a-f]{32}$/i.test(opts.from)) form.set('MessagingServiceSid', opts.from);
    else form.set('From', opts.from);
    form.set('Body', req.text);
    form.set('StatusCallback', opts.statusCallbackUrl);
    const url = `${base}/2010-04-01/Accounts/${encodeURIComponent(opts.accountSid)}/Messages.json`;
    const r = await httpCall(
      opts.fetch,
      url,
      {
        method: 'POST',
        headers: {
          Authorization: auth,
          'Content-Type': 'application/x-www-form-urlencoded',
          Accept: 'application/json',
        },
        body: form.toString(),
      },
      timeoutMs,
    );
    if (r.kind === 'error') return r.outcome;
    const json = rec(tryJson(r.body));
    const raw = Object.keys(json).length ? json : r.body.slice(0, 2000);
    const twilioError = str(json.code)
      ? `Twilio ${str(json.code)}: ${str(json.message) ?? 'error'}`
      : str(json.message);
    if (r.status === 429 || r.status >= 500) {
      const retryAfterMs = parseRetryAfter(r.headers.get('retry-after'));
      return {
        status: 'RETRY',
        detail: `Twilio HTTP ${r.status}${twilioError ? ` (${twilioError})` : ''}`,
        raw,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    }
    if (r.status < 200 || r.status >= 300) {
      return { status: 'FAILED', detail: twilioError ?? `Twilio HTTP ${r.status}`, raw };
    }
    const sid = str(json.sid);
    if (!sid) return { status: 'RETRY', detail: `Twilio HTTP ${r.status} without a message sid`, raw };
    const status = str(json.status) ?? 'queued';
    if (FAILED_STATUSES.has(status)) {
      const code = str(json.error_code);
      return {
        status: 'FAILED',
        detail: `Twilio ${status}${code ? ` ${code}` : ''}: ${str(json.error_message) ?? ERROR_CODES[code ?? ''] ?? 'refused'}`,
        raw,
      };
    }
    return { status: 'SENT', providerMessageId: sid, detail: `accepted by Twilio (${status})`, raw };
  }

  function parseReport(req: WebhookRequest): ParseReportResult {
    const sig = header(req.headers, 'X-Twilio-Signature');
    if (!sig) return { ok: false, status: 401, reason: 'missing X-Twilio-Signature' };
    const params = new URLSearchParams(req.rawBody);
    const expected = Buffer.from(twilioSignature(opts.authToken, opts.statusCallbackUrl, params.entries()));
    const given = Buffer.from(sig.trim());
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { ok: false, status: 401, reason: 'bad X-Twilio-Signature' };
    }
    const sid = params.get('MessageSid') ?? params.get('SmsSid');
    const messageStatus = (params.get('MessageStatus') ?? params.get('SmsStatus') ?? '').toLowerCase();
    if (!sid || !messageStatus) return { ok: false, status: 400, reason: 'MessageSid and MessageStatus are required' };
    const fields = Object.fromEntries(params.entries());
    let report: DeliveryReport;
    if (messageStatus === 'delivered' || messageStatus === 'read') {
      report = { providerMessageId: sid, status: 'DELIVERED', detail: messageStatus, raw: fields, ledgerId: null };
    } else if (FAILED_STATUSES.has(messageStatus)) {
      const code = params.get('ErrorCode');
      const meaning = code ? ERROR_CODES[code] : undefined;
      const detail = `${messageStatus}${code ? ` (ErrorCode ${code}${meaning ? `: ${meaning}` : ''})` : ''}`;
      report = { providerMessageId: sid, status: 'FAILED', detail, raw: fields, ledgerId: null };
    } else if (SENT_STATUSES.has(messageStatus)) {
      report = { providerMessageId: sid, status: 'SENT', detail: messageStatus, raw: fields, ledgerId: null };
    } else {
      return { ok: true, reports: [] }; // a status we do not know (e.g. "receiving"): acknowledge, ignore
    }
    return { ok: true, reports: [report] };
  }

  return { name: 'twilio', send, parseReport };
}
