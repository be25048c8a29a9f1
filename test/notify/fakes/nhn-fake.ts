// A local HTTP server speaking NHN Cloud SMS v3.0 (send SMS / LMS) and able to post
// MESSAGE_RESULT_UPDATE webhooks, signed or forged, to a given URL. Shapes follow NHN's API guide:
// HTTP 200 even for refusals (header.isSuccessful, sendResultList[].resultCode).
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, flatHeaders, listen, readBody } from './http.ts';

export type NhnBehaviour =
  | { kind: 'success' }
  /** HTTP 200, header.isSuccessful=false (e.g. -2019 RecipientNo is invalid). */
  | { kind: 'headerFailure'; resultCode?: number; resultMessage?: string }
  /** HTTP 200, isSuccessful=true but the recipient's resultCode ≠ 0. */
  | { kind: 'recipientFailure'; resultCode?: number; resultMessage?: string }
  /** Any HTTP status with an optional body and headers (401, 429 + Retry-After, 500 …). */
  | { kind: 'http'; status: number; body?: string; headers?: Record<string, string> }
  /** Never answer (client timeout). */
  | { kind: 'hang' };

export interface NhnSendBody {
  title?: string;
  body: string;
  sendNo: string;
  senderGroupingKey?: string;
  recipientList: {
    recipientNo?: string;
    internationalRecipientNo?: string;
    countryCode?: string;
    recipientGroupingKey?: string;
  }[];
}

export interface NhnReceived {
  type: 'sms' | 'mms';
  appKey: string;
  secretKey: string | undefined;
  contentType: string | undefined;
  body: NhnSendBody;
  /** requestId / recipientSeq the fake answered with (null if it refused). */
  requestId: string | null;
  recipientSeq: number | null;
}

export interface NhnReportSpec {
  /** Defaults: the last accepted message's requestId / recipientSeq / grouping keys / numbers. */
  requestId?: string;
  recipientSeq?: number;
  messageStatus?: string; // COMPLETED | FAILED | …
  resultCode?: string; // '1000' = delivered
  event?: string; // default MESSAGE_RESULT_UPDATE
  /** 'valid' (default), 'forged' (wrong secret), 'missing', or a literal header value. */
  signature?: 'valid' | 'forged' | 'missing' | { literal: string };
  /** Replace the whole JSON body (signed as given). */
  rawBody?: string;
}

export interface NhnFake {
  /** Base URL to give createNhnProvider({ baseUrl }). */
  url: string;
  appKey: string;
  secretKey: string;
  webhookSecret: string;
  received: NhnReceived[];
  /** Persistent behaviour (default success). */
  setBehaviour(b: NhnBehaviour): void;
  /** One-shot behaviours used before the persistent one, in order. */
  enqueue(...b: NhnBehaviour[]): void;
  /** POSTs a MESSAGE_RESULT_UPDATE webhook to `webhookUrl`; returns the receiver's answer. */
  postReport(webhookUrl: string, spec?: NhnReportSpec): Promise<{ status: number; body: string; sent: string }>;
  close(): Promise<void>;
}

export interface NhnFakeOptions {
  appKey?: string;
  secretKey?: string;
  webhookSecret?: string;
  /** How postReport signs: HMAC-SHA256 of the body, base64 (default) or the static secret. */
  signatureMode?: 'hmac-sha256' | 'static';
}

function json(header: { isSuccessful: boolean; resultCode: number; resultMessage: string }, data?: unknown): string {
  return JSON.stringify(data === undefined ? { header } : { header, body: { data } });
}

export async function startNhnFake(opts: NhnFakeOptions = {}): Promise<NhnFake> {
  const appKey = opts.appKey ?? 'test-app-key';
  const secretKey = opts.secretKey ?? 'test-secret-key';
  const webhookSecret = opts.webhookSecret ?? 'nhn-webhook-secret-for-tests';
  const mode = opts.signatureMode ?? 'hmac-sha256';
  let persistent: NhnBehaviour = { kind: 'success' };
  const queue: NhnBehaviour[] = [];
  const received: NhnReceived[] = [];
  let seq = 0;

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const m = /^\/sms\/v3\.0\/appKeys\/([^/]+)\/sender\/(sms|mms)$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !m) {
        res
          .writeHead(404, { 'Content-Type': 'application/json' })
          .end(json({ isSuccessful: false, resultCode: -9998, resultMessage: 'Not exist API.' }));
        return;
      }
      const headers = flatHeaders(req);
      let body: NhnSendBody;
      try {
        body = JSON.parse(raw) as NhnSendBody;
      } catch {
        res
          .writeHead(200, { 'Content-Type': 'application/json' })
          .end(json({ isSuccessful: false, resultCode: -9997, resultMessage: 'Invalid API parameters.' }));
        return;
      }
      const entry: NhnReceived = {
        type: m[2] as 'sms' | 'mms',
        appKey: decodeURIComponent(m[1] ?? ''),
        secretKey: headers['x-secret-key'],
        contentType: headers['content-type'],
        body,
        requestId: null,
        recipientSeq: null,
      };
      received.push(entry);
      const b = queue.shift() ?? persistent;
      if (b.kind === 'hang') return; // leave the request open
      if (b.kind === 'http') {
        res.writeHead(b.status, { 'Content-Type': 'application/json', ...(b.headers ?? {}) }).end(b.body ?? '');
        return;
      }
      if (entry.appKey !== appKey || entry.secretKey !== secretKey) {
        res
          .writeHead(401, { 'Content-Type': 'application/json' })
          .end(json({ isSuccessful: false, resultCode: -1000, resultMessage: 'Invalid appKey or secretKey.' }));
        return;
      }
      if (b.kind === 'headerFailure') {
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(
          json({
            isSuccessful: false,
            resultCode: b.resultCode ?? -2019,
            resultMessage: b.resultMessage ?? 'RecipientNo is invalid.',
          }),
        );
        return;
      }
      const requestId = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(6).toString('base64url')}0`;
      const sendResultList = body.recipientList.map((r) => {
        seq += 1;
        const failed = b.kind === 'recipientFailure';
        return {
          recipientNo: r.recipientNo ?? r.internationalRecipientNo ?? '',
          resultCode: failed ? (b.resultCode ?? -2019) : 0,
          resultMessage: failed ? (b.resultMessage ?? 'RecipientNo is invalid.') : 'SUCCESS',
          recipientSeq: seq,
          recipientGroupingKey: r.recipientGroupingKey ?? null,
        };
      });
      entry.requestId = requestId;
      entry.recipientSeq = sendResultList[0]?.recipientSeq ?? null;
      res
        .writeHead(200, { 'Content-Type': 'application/json;charset=UTF-8' })
        .end(
          json(
            { isSuccessful: true, resultCode: 0, resultMessage: 'SUCCESS' },
            { requestId, statusCode: '2', senderGroupingKey: body.senderGroupingKey ?? null, sendResultList },
          ),
        );
    })();
  });
  const port = await listen(server);

  async function postReport(webhookUrl: string, spec: NhnReportSpec = {}) {
    const last = [...received].reverse().find((r) => r.requestId);
    const rcpt = last?.body.recipientList[0];
    const body =
      spec.rawBody ??
      JSON.stringify({
        hooksId: `${Date.now()}hooks${randomBytes(4).toString('hex')}`,
        webhookConfigId: 'webhook-config-1',
        productName: 'SMS',
        appKey,
        event: spec.event ?? 'MESSAGE_RESULT_UPDATE',
        hooks: [
          {
            hookId: `${Date.now()}hook${randomBytes(4).toString('hex')}`,
            senderType: last?.type === 'mms' ? 'NORMAL_MMS' : 'NORMAL_SMS',
            requestId: spec.requestId ?? last?.requestId ?? 'unknown-request',
            recipientSeq: spec.recipientSeq ?? last?.recipientSeq ?? 1,
            requestDate: '2025-11-24T18:20:02',
            receiveDate: '2025-11-24T18:20:04',
            sendNo: last?.body.sendNo ?? '15446859',
            recipientNo: rcpt?.recipientNo ?? '01012345678',
            messageStatus: spec.messageStatus ?? 'COMPLETED',
            recipientGroupingKey: rcpt?.recipientGroupingKey ?? null,
            senderGroupingKey: last?.body.senderGroupingKey ?? null,
            resultCode: spec.resultCode ?? '1000',
            messageCount: 1,
            _links: {
              self: { href: `http://127.0.0.1:${port}/sms/v3.0/appKeys/${appKey}/sender/sms/${last?.requestId ?? ''}` },
            },
          },
        ],
      });
    const sign = (secret: string) =>
      mode === 'static' ? secret : createHmac('sha256', secret).update(body, 'utf8').digest('base64');
    const sig = spec.signature ?? 'valid';
    const headers: Record<string, string> = { 'Content-Type': 'application/json;charset=UTF-8' };
    if (sig === 'valid') headers['X-Toast-Webhook-Signature'] = sign(webhookSecret);
    else if (sig === 'forged') headers['X-Toast-Webhook-Signature'] = sign(`${webhookSecret}-forged`);
    else if (typeof sig === 'object') headers['X-Toast-Webhook-Signature'] = sig.literal;
    const res = await fetch(webhookUrl, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text(), sent: body };
  }

  return {
    url: `http://127.0.0.1:${port}`,
    appKey,
    secretKey,
    webhookSecret,
    received,
    setBehaviour(b) {
      persistent = b;
    },
    enqueue(...b) {
      queue.push(...b);
    },
    postReport,
    close: () => closeServer(server),
  };
}
