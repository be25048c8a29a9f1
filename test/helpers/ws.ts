// A real graphql-ws client (Node has no global WebSocket: `ws` is the implementation).
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';

export interface Subscription<T> {
  /** Every `next` payload's data received so far. */
  received: T[];
  errors: unknown[];
  /** Resolves with the first received item that matches (or rejects after `ms`). */
  waitFor(pred: (item: T) => boolean, ms?: number): Promise<T>;
  dispose(): void;
}

export function wsClient(url: string, opts: { cookie?: string; token?: string; origin?: string } = {}): Client {
  const wsUrl = `${url.replace(/^http/, 'ws')}/graphql`;
  class AuthedWebSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      const headers: Record<string, string> = {};
      if (opts.cookie) headers.cookie = opts.cookie;
      if (opts.origin) headers.origin = opts.origin;
      super(address, protocols, { headers });
    }
  }
  return createClient({
    url: wsUrl,
    webSocketImpl: AuthedWebSocket,
    lazy: true,
    retryAttempts: 0,
    ...(opts.token ? { connectionParams: { authorization: `Bearer ${opts.token}` } } : {}),
  });
}

export function subscribe<T>(client: Client, query: string, variables: Record<string, unknown> = {}): Subscription<T> {
  const received: T[] = [];
  const errors: unknown[] = [];
  const waiters: { pred: (i: T) => boolean; resolve: (i: T) => void }[] = [];
  const dispose = client.subscribe<T>(
    { query, variables },
    {
      next: (msg) => {
        if (msg.errors) errors.push(...msg.errors);
        if (msg.data) {
          const item = msg.data as T;
          received.push(item);
          for (const w of [...waiters]) if (w.pred(item)) w.resolve(item);
        }
      },
      error: (err) => errors.push(err),
      complete: () => {},
    },
  );
  return {
    received,
    errors,
    waitFor(pred, ms = 30_000) {
      const found = received.find(pred);
      if (found) return Promise.resolve(found);
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(
                `no matching event within ${ms} ms; got ${JSON.stringify(received).slice(0, 500)}; errors ${JSON.stringify(errors)}`,
              ),
            ),
          ms,
        );
        waiters.push({
          pred,
          resolve: (i) => {
            clearTimeout(timer);
            resolve(i);
          },
        });
      });
    },
    dispose,
  };
}
