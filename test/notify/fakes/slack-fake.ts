// A local HTTP server speaking Slack's incoming-webhook shape: POST /services/T…/B…/<secret>
// with a JSON body; 200 "ok", or a plain-text error code (400 invalid_payload, 403
// action_prohibited, 404 no_service, 410 channel_is_archived, 429 + Retry-After, 500 rollup_error).
import { createServer, type Server } from 'node:http';
import { closeServer, flatHeaders, listen, readBody } from './http.ts';

export type SlackBehaviour =
  | { kind: 'success' }
  | { kind: 'http'; status: number; body: string; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface SlackReceived {
  path: string;
  contentType: string | undefined;
  body: { text?: string; blocks?: unknown[] };
}

export interface SlackFake {
  /** Base URL (the "hooks.slack.com" of the tests); webhook URLs are `${url}/services/T…/B…/secret`. */
  url: string;
  /** A valid webhook URL on this fake. */
  webhookUrl: string;
  received: SlackReceived[];
  setBehaviour(b: SlackBehaviour): void;
  enqueue(...b: SlackBehaviour[]): void;
  close(): Promise<void>;
}

export async function startSlackFake(): Promise<SlackFake> {
  let persistent: SlackBehaviour = { kind: 'success' };
  const queue: SlackBehaviour[] = [];
  const received: SlackReceived[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const path = req.url ?? '/';
      if (req.method !== 'POST' || !/^\/services\/T[A-Z0-9]+\/B[A-Z0-9]+\/[A-Za-z0-9]+$/.test(path)) {
        res.writeHead(404, { 'Content-Type': 'text/html' }).end('no_service');
        return;
      }
      let body: SlackReceived['body'];
      try {
        body = JSON.parse(raw) as SlackReceived['body'];
      } catch {
        res.writeHead(400, { 'Content-Type': 'text/html' }).end('invalid_payload');
        return;
      }
      received.push({ path, contentType: flatHeaders(req)['content-type'], body });
      const b = queue.shift() ?? persistent;
      if (b.kind === 'hang') return;
      if (b.kind === 'http') {
        res.writeHead(b.status, { 'Content-Type': 'text/html', ...(b.headers ?? {}) }).end(b.body);
        return;
      }
      if (!body.text && !Array.isArray(body.blocks)) {
        res.writeHead(400, { 'Content-Type': 'text/html' }).end('no_text');
        return;
      }
      res.writeHead(200, { 'Content-Type': 'text/html' }).end('ok');
    })();
  });
  const port = await listen(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    webhookUrl: `${url}/services/T0001/B0001/abcdEFGHijklMNOP`,
    received,
    setBehaviour: (b) => (persistent = b),
    enqueue: (...b) => queue.push(...b),
    close: () => closeServer(server),
  };
}
