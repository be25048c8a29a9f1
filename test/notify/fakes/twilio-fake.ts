// A local HTTP server speaking Twilio's Messages API (form POST, Basic auth, JSON answers) and
// able to post signed (or forged) StatusCallback requests. The signing here is written
// independently of server/notify/sms/twilio.ts so the two check each other.
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, flatHeaders, listen, readBody } from './http.ts';

export type TwilioBehaviour =
  | { kind: 'success'; status?: string }
  /** An API error: Twilio's JSON error body { code, message, more_info, status }. */
  | { kind: 'error'; status: number; code: number; message: string; retryAfter?: string }
  | { kind: 'hang' };

export interface TwilioReceived {
  accountSid: string;
  authorized: boolean;
  form: Record<string, string>;
  /** Message SID answered (null when refused). */
  sid: string | null;
}

export interface TwilioStatusSpec {
  MessageSid?: string; // default: last accepted message
  MessageStatus: string;
  ErrorCode?: string;
  /** Extra fields Twilio adds (ApiVersion, SmsSid, AccountSid, …) or unknown future ones. */
  extra?: Record<string, string>;
  /** 'valid' (default), 'forged' (wrong token), 'missing'. */
  signature?: 'valid' | 'forged' | 'missing';
  /** URL to sign over (default: the URL posted to). */
  signUrl?: string;
}

export interface TwilioFake {
  /** Base URL for createTwilioProvider({ baseUrl }). */
  url: string;
  accountSid: string;
  authToken: string;
  received: TwilioReceived[];
  setBehaviour(b: TwilioBehaviour): void;
  enqueue(...b: TwilioBehaviour[]): void;
  /** POSTs a status callback to `callbackUrl`; returns the receiver's answer. */
  postStatus(callbackUrl: string, spec: TwilioStatusSpec): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

/** Twilio's documented algorithm, independent copy: URL + sorted (name + value), HMAC-SHA1, base64. */
export function signTwilio(token: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, k) => acc + k + params[k], url);
  return createHmac('sha1', token).update(Buffer.from(data, 'utf8')).digest('base64');
}

export async function startTwilioFake(opts: { accountSid?: string; authToken?: string } = {}): Promise<TwilioFake> {
  const accountSid = opts.accountSid ?? `AC${'0'.repeat(31)}1`;
  const authToken = opts.authToken ?? 'twilio-auth-token-for-tests';
  let persistent: TwilioBehaviour = { kind: 'success' };
  const queue: TwilioBehaviour[] = [];
  const received: TwilioReceived[] = [];
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const m = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(req.url ?? '');
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) =>
        res
          .writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers })
          .end(JSON.stringify(body));
      if (req.method !== 'POST' || !m)
        return send(404, { code: 20404, message: 'The requested resource was not found', status: 404 });
      const form = Object.fromEntries(new URLSearchParams(raw).entries());
      const entry: TwilioReceived = {
        accountSid: decodeURIComponent(m[1] ?? ''),
        authorized: flatHeaders(req).authorization === expectedAuth,
        form,
        sid: null,
      };
      received.push(entry);
      const b = queue.shift() ?? persistent;
      if (b.kind === 'hang') return;
      if (!entry.authorized || entry.accountSid !== accountSid) {
        return send(401, {
          code: 20003,
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        });
      }
      if (b.kind === 'error') {
        return send(
          b.status,
          {
            code: b.code,
            message: b.message,
            more_info: `https://www.twilio.com/docs/errors/${b.code}`,
            status: b.status,
          },
          b.retryAfter ? { 'Retry-After': b.retryAfter } : {},
        );
      }
      const sid = `SM${randomBytes(16).toString('hex')}`;
      entry.sid = sid;
      return send(201, {
        account_sid: accountSid,
        api_version: '2010-04-01',
        body: form.Body ?? '',
        date_created: new Date().toUTCString(),
        direction: 'outbound-api',
        error_code: null,
        error_message: null,
        from: form.From ?? null,
        messaging_service_sid: form.MessagingServiceSid ?? null,
        num_segments: '1',
        price: null,
        sid,
        status: b.status ?? 'queued',
        to: form.To ?? '',
        uri: `/2010-04-01/Accounts/${accountSid}/Messages/${sid}.json`,
      });
    })();
  });
  const port = await listen(server);

  async function postStatus(callbackUrl: string, spec: TwilioStatusSpec) {
    const last = [...received].reverse().find((r) => r.sid);
    const sid = spec.MessageSid ?? last?.sid ?? 'SM_unknown';
    const params: Record<string, string> = {
      ApiVersion: '2010-04-01',
      AccountSid: accountSid,
      SmsSid: sid,
      SmsStatus: spec.MessageStatus,
      MessageSid: sid,
      MessageStatus: spec.MessageStatus,
      To: last?.form.To ?? '+821012345678',
      From: last?.form.From ?? '+15005550006',
      ...(spec.ErrorCode ? { ErrorCode: spec.ErrorCode } : {}),
      ...(spec.extra ?? {}),
    };
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'TwilioProxy/1.1',
    };
    const sig = spec.signature ?? 'valid';
    if (sig !== 'missing')
      headers['X-Twilio-Signature'] = signTwilio(
        sig === 'forged' ? `${authToken}x` : authToken,
        spec.signUrl ?? callbackUrl,
        params,
      );
    const res = await fetch(callbackUrl, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    return { status: res.status, body: await res.text() };
  }

  return {
    url: `http://127.0.0.1:${port}`,
    accountSid,
    authToken,
    received,
    setBehaviour(b) {
      persistent = b;
    },
    enqueue(...b) {
      queue.push(...b);
    },
    postStatus,
    close: () => closeServer(server),
  };
}
