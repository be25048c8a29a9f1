// The live tests that check bytes on the wire: a graphql-transport-ws socket spoken by hand,
// keeping each frame's exact text, and a port-status event to publish.
import WebSocket from 'ws';
import type { PortStatusEvent } from '../../server/events/events.ts';

export interface RawSocket {
  /** Every `next` frame received, as text. */
  frames: string[];
  /** The `error` frames. */
  errors: string[];
  /** Every frame that is not `next` (errors and completes). */
  other: string[];
  send(msg: object): void;
  close(): void;
}

/** Connects with the session cookie and subscribes as `id` once the server acknowledged. */
export async function rawSubscribe(
  url: string,
  cookie: string,
  id: string,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<RawSocket> {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', { headers: { cookie } });
  const frames: string[] = [];
  const errors: string[] = [];
  const other: string[] = [];
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    ws.on('message', (data) => {
      const text = String(data);
      const msg = JSON.parse(text) as { type: string };
      if (msg.type === 'connection_ack') {
        ws.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
        resolve();
      } else if (msg.type === 'next') frames.push(text);
      else {
        other.push(text);
        if (msg.type === 'error') errors.push(text);
      }
    });
  });
  return { frames, errors, other, send: (msg) => ws.send(JSON.stringify(msg)), close: () => ws.close() };
}

/** A port of `monitorId` went DOWN with error code `code` (port 443 unless `over` says otherwise). */
export const downEvent = (
  monitorId: string,
  accountId: string,
  code: string,
  over: Partial<PortStatusEvent> = {},
): PortStatusEvent => ({
  monitorId,
  accountId,
  host: '198.51.100.1',
  port: 443,
  phase: 'DOWN',
  since: new Date(),
  lastCheckAt: new Date(),
  lastOk: false,
  lastLatencyMs: 1,
  lastErrorCode: code,
  lastErrorMessage: null,
  ...over,
});

export interface RawConnection {
  /** Every frame received after connection_ack, as text, in order. */
  frames: string[];
  /** The close code and reason, once closed. */
  closed: { code: number; reason: string } | null;
  send(msg: object): void;
  close(): void;
  /** Stops reading the socket (a stalled client: the server's writes back up), and reads again. */
  pause(): void;
  resume(): void;
}

/**
 * A graphql-transport-ws socket with the session cookie (a string) or an API token (sent in
 * connection_init): connection_init sent at once; resolves on connection_ack (or, with
 * `waitForAck` false, once the socket is open: the next message races the acknowledgement).
 */
export async function rawConnect(
  url: string,
  auth: string | { token: string },
  waitForAck = true,
): Promise<RawConnection> {
  const cookie = typeof auth === 'string' ? { headers: { cookie: auth } } : {};
  const init = typeof auth === 'string' ? {} : { authorization: `Bearer ${auth.token}` };
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws', cookie);
  const conn: RawConnection = {
    frames: [],
    closed: null,
    send: (msg) => ws.send(JSON.stringify(msg)),
    close: () => ws.close(),
    pause: () => ws.pause(),
    resume: () => ws.resume(),
  };
  ws.on('close', (code, reason) => {
    conn.closed = { code, reason: String(reason) };
  });
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('open', () => {
      ws.send(JSON.stringify({ type: 'connection_init', payload: init }));
      if (!waitForAck) resolve();
    });
    ws.on('message', (data) => {
      const text = String(data);
      if ((JSON.parse(text) as { type: string }).type === 'connection_ack') resolve();
      else conn.frames.push(text);
    });
  });
  return conn;
}

/** The /metrics gauge of live GraphQL subscriptions (the app started with METRICS_TOKEN = token). */
export async function activeSubscriptions(url: string, token: string): Promise<number> {
  const res = await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
  const line = (await res.text()).split('\n').find((l) => l.startsWith('portwatch_graphql_subscriptions_active '));
  return Number(line?.split(' ')[1]);
}
