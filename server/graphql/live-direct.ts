// The WebSocket end of a live event's direct delivery (events/live-stream.ts): the `next`
// message graphql-ws would send for a result, written to the socket at once. It is exactly
// graphql-ws's message — `{"id":<id>,"type":"next","payload":<result JSON>}`, the payload's JSON
// made once per result object (ws-shared-json.ts), so every subscriber of an audience gets the
// same payload bytes — and it is written only while graphql-ws still counts the subscription
// (a `complete` from the client or a closed socket ends it at once, as for its own sends).
import type { ExecutionResult } from 'graphql';
import type { WebSocket } from 'ws';
import { nextMessage, nextPrefix } from './ws-shared-json.ts';

/** What graphql-ws keeps per socket that this needs: its live subscriptions by id. */
interface SubscriptionsHolder {
  readonly subscriptions: Record<string, unknown>;
}

let written = 0;

/** `next` messages written directly since the process started (tests, profiling). */
export function directWrites(): number {
  return written;
}

export class DirectNext {
  private readonly prefix: string;
  constructor(
    private readonly socket: WebSocket,
    private readonly holder: SubscriptionsHolder,
    private readonly id: string,
  ) {
    this.prefix = nextPrefix(id);
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
    socket.send(nextMessage(this.id, result, this.prefix));
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
