// bench-live's subscribers: one WebSocket and one monitorStatus subscription each, measuring
// every event's delay (arrival − the event's lastCheckAt, set when it was published). Two
// instruments: `graphql-ws` (the library's client: every message JSON-parsed and validated,
// its sink machinery per message) and `light` (the default since issue 14's fan-out work: the
// protocol written by hand — connection_init, subscribe, pong —, each event matched by its exact
// `next` prefix for the subscriber's own id, its lastCheckAt and marker (lastErrorCode `E<seq>`)
// read from the text, the marker required to grow on every socket (publish order, no repeat),
// and every 16th event the process receives also JSON-parsed in full and compared field by field). The
// light client spends less of the two shared cores per message; what it checks still fails the
// run on a wrong id, type, order or shape (counted in `errors`).
import { randomUUID } from 'node:crypto';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

export const QUERY = 'subscription($m: ID) { monitorStatus(monitorId: $m) { phase lastCheckAt lastErrorCode } }';

/** What a client process counts: every event's delay, and anything that was not as expected. */
export interface Tally {
  delays: number[];
  errors: number;
  /** Events checked by a full JSON parse (light client), of those received. */
  parsed: number;
  received: number;
  /** Shut everything down at the end. */
  disposers: (() => void)[];
}

export interface Target {
  url: string;
  token: string;
  monitor: string;
}

type StatusData = { monitorStatus: { lastCheckAt: string | null; lastErrorCode: string | null } };

/** graphql-ws's client; resolves once the current state arrived (or the subscription failed). */
export function openGraphqlWs(t: Target, tally: Tally): Promise<boolean> {
  const client = createClient({
    url: t.url,
    webSocketImpl: WebSocket,
    lazy: false,
    retryAttempts: 0,
    connectionParams: { authorization: `Bearer ${t.token}` },
  });
  let first = true;
  return new Promise<boolean>((resolve) => {
    const dispose = client.subscribe<StatusData>(
      { query: QUERY, variables: { m: t.monitor } },
      {
        next: (v) => {
          if (first) {
            first = false; // the current state
            resolve(true);
            return;
          }
          const at = v.data?.monitorStatus.lastCheckAt;
          if (at) tally.delays.push(Date.now() - Date.parse(at));
        },
        error: () => {
          tally.errors += 1;
          resolve(false);
        },
        complete: () => resolve(false),
      },
    );
    tally.disposers.push(() => {
      dispose();
      void client.dispose();
    });
  });
}

const SAMPLE_EVERY = 16;

/** The text of string field `name` in JSON `text` (the value has no escapes: dates, codes). */
function stringField(text: string, name: string): string | null {
  const key = `"${name}":"`;
  const at = text.indexOf(key);
  if (at < 0) return null;
  const from = at + key.length;
  const to = text.indexOf('"', from);
  return to < 0 ? null : text.slice(from, to);
}

/** The graphql-transport-ws protocol by hand; resolves once the current state arrived (or it failed). */
export function openLight(t: Target, tally: Tally): Promise<boolean> {
  const id = randomUUID();
  const prefix = `{"id":"${id}","type":"next","payload":`;
  const socket = new WebSocket(t.url, 'graphql-transport-ws');
  let state: 'init' | 'subscribed' | 'live' | 'over' = 'init';
  let lastSeq = -1;
  tally.disposers.push(() => socket.close(1000));
  return new Promise<boolean>((resolve) => {
    const fail = () => {
      tally.errors += 1;
      if (state !== 'live') resolve(false);
      state = 'over';
    };
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.token}` } })),
    );
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      const text = data.toString();
      if (state === 'live' && !isBinary && text.startsWith(prefix)) {
        const at = stringField(text, 'lastCheckAt');
        const code = stringField(text, 'lastErrorCode');
        const seq = code?.startsWith('E') ? Number(code.slice(1)) : Number.NaN;
        if (at === null || !(seq > lastSeq)) return fail();
        lastSeq = seq;
        if (++tally.received % SAMPLE_EVERY === 0) {
          const m = JSON.parse(text) as {
            id?: unknown;
            type?: unknown;
            payload?: { data?: StatusData; errors?: unknown };
          };
          const s = m.payload?.data?.monitorStatus;
          tally.parsed += 1;
          if (
            m.id !== id ||
            m.type !== 'next' ||
            m.payload?.errors ||
            s?.lastCheckAt !== at ||
            s.lastErrorCode !== code
          )
            return fail();
        }
        tally.delays.push(Date.now() - Date.parse(at));
        return;
      }
      let m: { id?: unknown; type?: unknown; payload?: { errors?: unknown } };
      try {
        m = JSON.parse(text) as typeof m;
      } catch {
        return fail();
      }
      if (m.type === 'ping') socket.send('{"type":"pong"}');
      else if (m.type === 'pong') return;
      else if (state === 'init' && m.type === 'connection_ack') {
        state = 'subscribed';
        socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query: QUERY, variables: { m: t.monitor } } }));
      } else if (state === 'subscribed' && m.type === 'next' && m.id === id && !m.payload?.errors) {
        state = 'live'; // the current state
        resolve(true);
      } else fail();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (state !== 'live' && state !== 'over') fail();
    });
  });
}
