// The WebSocket end of a live event's direct delivery (events/live-stream.ts): the `next`
// message graphql-ws would send for a result, written to the socket at once. It is exactly
// graphql-ws's message — `{"id":<id>,"type":"next","payload":<result JSON>}`, the payload's JSON
// made once per result object (ws-shared-json.ts), so every subscriber of an audience gets the
// same payload bytes — and it is written only while graphql-ws still counts the subscription
// (a `complete` from the client or a closed socket ends it at once, as for its own sends).
// The frame is written to the connection's TCP socket as one buffer — the header, the
// subscription's own prefix bytes, the audience's shared payload bytes (ws-frame.ts) — instead of
// through ws's sender (a string per message, its length counted and encoded, a header buffer,
// cork, two writes, uncork, writev): in a 10,000-subscriber broadcast that machinery was a
// fifth of the fan-out's JavaScript. ws's sender keeps no state between messages on a connection
// without extensions (no compression is configured; a connection with any extension is written
// through ws), so frames from both paths follow each other on the socket in the order written.
import type { Socket } from 'node:net';
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { textFrame } from './ws-frame.ts';
import { nextPrefix, payloadBytes } from './ws-shared-json.ts';

/** What graphql-ws keeps per socket that this needs: its live subscriptions by id. */
interface SubscriptionsHolder {
  readonly subscriptions: Record<string, unknown>;
}

let written = 0;

/** `next` messages written directly since the process started (tests, profiling). */
export function directWrites(): number {
  return written;
}

/** ws's options for a text message (a Buffer is sent as binary by default). */
const TEXT = { binary: false } as const;

export class DirectNext {
  /** `{"id":<id>,"type":"next","payload":` in UTF-8. */
  private readonly prefix: Buffer;
  /** The connection's TCP socket, when frames may be written to it directly (no extensions). */
  private readonly raw: Socket | null;
  constructor(
    private readonly socket: WebSocket,
    raw: Socket | null,
    private readonly holder: SubscriptionsHolder,
    private readonly id: string,
  ) {
    this.prefix = Buffer.from(nextPrefix(id));
    this.raw = raw !== null && socket.extensions === '' ? raw : null;
  }

  /**
   * Writes the result's `next` message; false when it must go the ordinary way instead: a result
   * with errors (they are coded and masked on that path) or a socket with a backlog (a slow reader
   * holds its own subscription back there, as before).
   */
  write(result: ExecutionResult): boolean {
    if (result.errors?.length) return false;
    if (!(this.id in this.holder.subscriptions)) return true; // completed: graphql-ws sends nothing more either
    const socket = this.socket;
    if (socket.readyState !== socket.OPEN) return true;
    if (socket.bufferedAmount !== 0) return false;
    const body = payloadBytes(result);
    if (this.raw !== null) this.raw.write(textFrame(this.prefix, body));
    else socket.send(Buffer.concat([this.prefix, body]), TEXT);
    written += 1;
    return true;
  }
}

const byContext = new WeakMap<object, DirectNext>();

/** The operation's context value gets its socket end (set by the WebSocket transport only). */
export function setDirectNext(contextValue: object, direct: DirectNext): void {
  byContext.set(contextValue, direct);
}

export function directNextOf(contextValue: unknown): DirectNext | undefined {
  return typeof contextValue === 'object' && contextValue !== null ? byContext.get(contextValue) : undefined;
}
