// A local HTTP server speaking NHN Cloud KakaoTalk Bizmessage AlimTalk v2.3: send
// (POST /alimtalk/v2.3/appkeys/{appkey}/messages, X-Secret-Key) and the single-message result
// query (GET …/messages/{requestId}/{recipientSeq}). HTTP 200 even for refusals
// (header.isSuccessful, message.sendResults[].resultCode). Each accepted message gets a delivery
// result the test chooses: delivered (COMPLETED 1000) or a Kakao failure (e.g. 3019 not a user).
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { closeServer, flatHeaders, listen, readBody } from './http.ts';

export type AlimtalkBehaviour =
  | { kind: 'success' }
  | { kind: 'headerFailure'; resultCode?: number; resultMessage?: string }
  | { kind: 'recipientFailure'; resultCode?: number; resultMessage?: string }
  | { kind: 'http'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' };

/** What the result query says for a message: pending (READY), delivered or a Kakao failure code. */
export type AlimtalkOutcome =
  | { messageStatus: 'READY' }
  | { messageStatus: 'COMPLETED'; resultCode: string }
  | { messageStatus: 'FAILED'; resultCode: string };

export interface AlimtalkReceived {
  appKey: string;
  secretKey: string | undefined;
  body: {
    senderKey: string;
    templateCode: string;
    senderGroupingKey?: string;
    recipientList: { recipientNo: string; templateParameter?: Record<string, string>; recipientGroupingKey?: string }[];
  };
  requestId: string | null;
}

export interface AlimtalkFake {
  url: string;
  appKey: string;
  secretKey: string;
  senderKey: string;
  received: AlimtalkReceived[];
  queries: number;
  setBehaviour(b: AlimtalkBehaviour): void;
  enqueue(...b: AlimtalkBehaviour[]): void;
  /** Delivery result for messages accepted from now on (default COMPLETED 1000), or per recipient number. */
  setOutcome(o: AlimtalkOutcome, recipientNo?: string): void;
  close(): Promise<void>;
}

export async function startAlimtalkFake(): Promise<AlimtalkFake> {
  const appKey = 'alimtalk-app-key';
  const secretKey = 'alimtalk-secret';
  const senderKey = 'a'.repeat(40);
  let persistent: AlimtalkBehaviour = { kind: 'success' };
  let defaultOutcome: AlimtalkOutcome = { messageStatus: 'COMPLETED', resultCode: '1000' };
  const perNumber = new Map<string, AlimtalkOutcome>();
  const queue: AlimtalkBehaviour[] = [];
  const received: AlimtalkReceived[] = [];
  const results = new Map<string, AlimtalkOutcome>();
  const fake = { queries: 0 };
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
  const header = (isSuccessful: boolean, resultCode: number, resultMessage: string) => ({
    isSuccessful,
    resultCode,
    resultMessage,
  });

  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const h = flatHeaders(req);
      const send = /^\/alimtalk\/v2\.3\/appkeys\/([^/]+)\/messages$/.exec(req.url ?? '');
      const query = /^\/alimtalk\/v2\.3\/appkeys\/([^/]+)\/messages\/([^/]+)\/(\d+)$/.exec(req.url ?? '');
      const key = decodeURIComponent((send ?? query)?.[1] ?? '');
      if (!send && !query) return json(res, 404, { header: header(false, -9998, 'Not exist API.') });
      if (key !== appKey || h['x-secret-key'] !== secretKey)
        return json(res, 401, { header: header(false, -1000, 'Invalid appKey or secretKey.') });
      if (query && req.method === 'GET') {
        fake.queries += 1;
        const o = results.get(`${query[2]}:${query[3]}`);
        if (!o) return json(res, 200, { header: header(false, -3000, 'Message not found.') });
        return json(res, 200, {
          header: header(true, 0, 'success'),
          message: {
            requestId: query[2],
            recipientSeq: Number(query[3]),
            templateCode: 'x',
            messageStatus: o.messageStatus,
            resultCode: 'resultCode' in o ? o.resultCode : null,
            resultCodeName: 'resultCode' in o ? (o.resultCode === '1000' ? '성공' : '실패') : null,
            receiveDate: o.messageStatus === 'READY' ? null : new Date().toISOString(),
          },
        });
      }
      if (req.method !== 'POST') return json(res, 405, { header: header(false, -9998, 'Method not allowed.') });
      let body: AlimtalkReceived['body'];
      try {
        body = JSON.parse(raw) as AlimtalkReceived['body'];
      } catch {
        return json(res, 200, { header: header(false, -9997, 'Invalid API parameters.') });
      }
      const entry: AlimtalkReceived = { appKey: key, secretKey: h['x-secret-key'], body, requestId: null };
      received.push(entry);
      const b = queue.shift() ?? persistent;
      if (b.kind === 'hang') return;
      if (b.kind === 'http')
        return res.writeHead(b.status, { 'Content-Type': 'application/json', ...(b.headers ?? {}) }).end(b.body ?? '');
      if (b.kind === 'headerFailure')
        return json(res, 200, {
          header: header(false, b.resultCode ?? -1006, b.resultMessage ?? 'Invalid template code.'),
        });
      if (body.senderKey !== senderKey) return json(res, 200, { header: header(false, -1003, 'Invalid sender key.') });
      const requestId = `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(4).toString('hex')}`;
      entry.requestId = requestId;
      const sendResults = body.recipientList.map((r, i) => {
        const seq = i + 1;
        if (b.kind === 'recipientFailure')
          return {
            recipientSeq: seq,
            recipientNo: r.recipientNo,
            resultCode: b.resultCode ?? -2016,
            resultMessage: b.resultMessage ?? 'Template parameter is missing.',
            recipientGroupingKey: r.recipientGroupingKey ?? null,
          };
        results.set(`${requestId}:${seq}`, perNumber.get(r.recipientNo) ?? defaultOutcome);
        return {
          recipientSeq: seq,
          recipientNo: r.recipientNo,
          resultCode: 0,
          resultMessage: 'SUCCESS',
          recipientGroupingKey: r.recipientGroupingKey ?? null,
        };
      });
      json(res, 200, {
        header: header(true, 0, 'success'),
        message: { requestId, senderGroupingKey: body.senderGroupingKey ?? null, sendResults },
      });
    })();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    appKey,
    secretKey,
    senderKey,
    received,
    get queries() {
      return fake.queries;
    },
    setBehaviour: (b) => (persistent = b),
    enqueue: (...b) => queue.push(...b),
    setOutcome: (o, recipientNo) => (recipientNo ? perNumber.set(recipientNo, o) : (defaultOutcome = o)),
    close: () => closeServer(server),
  };
}
