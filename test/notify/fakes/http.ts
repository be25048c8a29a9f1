// Small node:http helpers shared by the provider fakes and tests: listen on port 0, read bodies,
// a webhook receiver that hands requests to a handler, and a port nobody listens on.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function listen(server: Server, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** Closes a server, dropping keep-alive and hanging connections so close() cannot wait forever. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Flattens Node's incoming headers (lower-case names) to Record<string, string | undefined>. */
export function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(req.headers)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

export interface WebhookCall {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  rawBody: string;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:PORT — post to any path below it. */
  url: string;
  calls: WebhookCall[];
  close(): Promise<void>;
}

/** An HTTP server that passes each request to `handle` (e.g. provider.parseReport) and answers with its result. */
export async function startWebhookReceiver(
  handle: (call: WebhookCall) => { status: number; body?: string } | Promise<{ status: number; body?: string }>,
): Promise<WebhookReceiver> {
  const calls: WebhookCall[] = [];
  let base = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const call: WebhookCall = {
        method: req.method ?? 'GET',
        url: base + (req.url ?? '/'),
        headers: flatHeaders(req),
        rawBody: await readBody(req),
      };
      calls.push(call);
      try {
        const out = await handle(call);
        res.writeHead(out.status, { 'Content-Type': 'text/plain; charset=utf-8' }).end(out.body ?? '');
      } catch (err) {
        res.writeHead(500).end(String(err));
      }
    })();
  });
  const port = await listen(server);
  base = `http://127.0.0.1:${port}`;
  return { url: base, calls, close: () => closeServer(server) };
}

/** A TCP port that was free a moment ago and has nothing listening (connections are refused). */
export async function closedPort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
