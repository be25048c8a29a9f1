// A partner's webhook receiver, as docs/webhooks.md tells them to write it: verify
// X-Portwatch-Signature over "<t>.<raw body>" with the shared secret, refuse a timestamp outside
// the replay window (401), and process each event id once (a fresh repeat is answered 200
// "duplicate" and not processed again). Behaviours simulate a receiver that fails.
import { createServer, type Server } from 'node:http';
import { verifyWebhookSignature, type WebhookEvent } from '../../../server/notify/webhook.ts';
import { closeServer, flatHeaders, listen, readBody } from './http.ts';

export type ReceiverBehaviour =
  | { kind: 'accept' }
  | { kind: 'http'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' };

export interface ReceivedAttempt {
  headers: Record<string, string | undefined>;
  rawBody: string;
  answered: number | null;
  reason?: string;
}

export interface SignedWebhookReceiver {
  url: string;
  secret: string;
  /** Events verified and processed, once each. */
  events: WebhookEvent[];
  /** Every request, with what the receiver answered. */
  attempts: ReceivedAttempt[];
  setBehaviour(b: ReceiverBehaviour): void;
  enqueue(...b: ReceiverBehaviour[]): void;
  /** The clock the receiver checks timestamps against (tests move it to replay old requests). */
  setNow(ms: () => number): void;
  close(): Promise<void>;
}

export async function startSignedWebhookReceiver(
  opts: { secret?: string; toleranceSec?: number } = {},
): Promise<SignedWebhookReceiver> {
  const secret = opts.secret ?? 'whsec_test_0123456789abcdef';
  let persistent: ReceiverBehaviour = { kind: 'accept' };
  const queue: ReceiverBehaviour[] = [];
  const events: WebhookEvent[] = [];
  const seen = new Set<string>();
  const attempts: ReceivedAttempt[] = [];
  let now = () => Date.now();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const rawBody = await readBody(req);
      const headers = flatHeaders(req);
      const attempt: ReceivedAttempt = { headers, rawBody, answered: null };
      attempts.push(attempt);
      const b = queue.shift() ?? persistent;
      if (b.kind === 'hang') return;
      if (b.kind === 'http') {
        attempt.answered = b.status;
        res.writeHead(b.status, { 'Content-Type': 'text/plain', ...(b.headers ?? {}) }).end(b.body ?? '');
        return;
      }
      const v = verifyWebhookSignature({
        secrets: [secret],
        header: headers['x-portwatch-signature'],
        rawBody,
        nowMs: now(),
        ...(opts.toleranceSec ? { toleranceSec: opts.toleranceSec } : {}),
      });
      if (!v.ok) {
        attempt.answered = 401;
        attempt.reason = v.reason;
        res.writeHead(401, { 'Content-Type': 'text/plain' }).end(v.reason);
        return;
      }
      const event = JSON.parse(rawBody) as WebhookEvent;
      attempt.answered = 200;
      if (seen.has(event.id)) {
        attempt.reason = 'duplicate delivery: already processed';
        res.writeHead(200, { 'Content-Type': 'text/plain' }).end('duplicate');
        return;
      }
      seen.add(event.id);
      events.push(event);
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    })();
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}/hooks/portwatch`,
    secret,
    events,
    attempts,
    setBehaviour: (b) => (persistent = b),
    enqueue: (...b) => queue.push(...b),
    setNow: (f) => (now = f),
    close: () => closeServer(server),
  };
}
