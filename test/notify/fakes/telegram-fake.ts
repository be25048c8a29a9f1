// A local HTTP server speaking the Telegram Bot API's sendMessage: POST /bot<token>/sendMessage,
// JSON in, JSON out: { ok: true, result: Message } or { ok: false, error_code, description,
// parameters?: { retry_after } } (400 chat not found, 403 bot was blocked, 401 Unauthorized,
// 429 Too Many Requests: retry after N).
import { createServer, type Server } from 'node:http';
import { closeServer, listen, readBody } from './http.ts';

export type TelegramBehaviour =
  | { kind: 'success' }
  | { kind: 'error'; code: number; description: string; retryAfter?: number }
  | { kind: 'hang' };

export interface TelegramReceived {
  token: string;
  body: { chat_id?: string | number; text?: string; parse_mode?: string };
}

export interface TelegramFake {
  url: string;
  token: string;
  received: TelegramReceived[];
  setBehaviour(b: TelegramBehaviour): void;
  enqueue(...b: TelegramBehaviour[]): void;
  close(): Promise<void>;
}

export async function startTelegramFake(opts: { token?: string } = {}): Promise<TelegramFake> {
  const token = opts.token ?? '123456:TEST-bot-token';
  let persistent: TelegramBehaviour = { kind: 'success' };
  const queue: TelegramBehaviour[] = [];
  const received: TelegramReceived[] = [];
  let messageId = 100;
  const send = (res: import('node:http').ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const m = /^\/bot([^/]+)\/sendMessage$/.exec(req.url ?? '');
      if (!m) return send(res, 404, { ok: false, error_code: 404, description: 'Not Found' });
      if (decodeURIComponent(m[1] ?? '') !== token)
        return send(res, 401, { ok: false, error_code: 401, description: 'Unauthorized' });
      let body: TelegramReceived['body'];
      try {
        body = JSON.parse(raw) as TelegramReceived['body'];
      } catch {
        return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: invalid JSON' });
      }
      received.push({ token, body });
      const b = queue.shift() ?? persistent;
      if (b.kind === 'hang') return;
      if (b.kind === 'error') {
        return send(res, b.code, {
          ok: false,
          error_code: b.code,
          description: b.description,
          ...(b.retryAfter !== undefined ? { parameters: { retry_after: b.retryAfter } } : {}),
        });
      }
      if (!body.chat_id)
        return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: chat_id is empty' });
      if (!body.text)
        return send(res, 400, { ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
      messageId += 1;
      send(res, 200, {
        ok: true,
        result: {
          message_id: messageId,
          date: Math.floor(Date.now() / 1000),
          chat: { id: Number(body.chat_id) || body.chat_id, type: 'private' },
          text: body.text,
        },
      });
    })();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    received,
    setBehaviour: (b) => (persistent = b),
    enqueue: (...b) => queue.push(...b),
    close: () => closeServer(server),
  };
}
