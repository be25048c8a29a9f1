// The dashboard's one urql client (created in the root layout). Same origin `/graphql`,
// authenticated by the session cookie. Subscriptions go over graphql-ws; when WebSockets
// cannot connect at all (a proxy that drops upgrades), they fall back to SSE through urql's
// fetchSubscriptions. The connection indicator reads `live`.
import {
  Client,
  cacheExchange,
  fetchExchange,
  mapExchange,
  subscriptionExchange,
  type AnyVariables,
  type CombinedError,
  type DocumentInput,
  type OperationContext,
} from '@urql/core';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { untrack } from 'svelte';
import { live, type Transport } from './live.svelte';

/** Error codes (in `extensions.code`) that mean "sign in again". */
const AUTH_LOST = new Set(['UNAUTHENTICATED', 'SESSION_EXPIRED', 'ACCOUNT_DISABLED', 'TOKEN_INVALID', 'TOKEN_REVOKED']);

export interface ApiClientOptions {
  /** Called when the API says the session is gone (expired, signed out elsewhere, disabled). */
  onAuthLost(code: string): void;
  /** Force a transport (tests and `?transport=sse`). */
  transport?: Transport;
}

export interface ApiClient {
  urql: Client;
  /** Re-open the socket (after sign-in/sign-out, so it carries the new cookie). */
  reconnect(): void;
  /** Follow a subscription for as long as the returned function is not called: re-subscribes
   * after transport errors (SSE) and when the transport changes. */
  follow<D, V extends AnyVariables>(
    doc: DocumentInput<D, V>,
    variables: V,
    onData: (data: D) => void,
    onError?: (error: CombinedError) => void,
  ): () => void;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function createApiClient(opts: ApiClientOptions): ApiClient {
  const httpUrl = new URL('/graphql', location.href).href;
  const wsUrl = httpUrl.replace(/^http/, 'ws');
  live.transport = opts.transport ?? 'ws';

  let everConnected = false;
  let attemptsWithoutConnect = 0;
  let socket: WebSocket | null = null;
  let pongTimer: ReturnType<typeof setTimeout> | undefined;

  const restarters = new Set<() => void>();
  function switchTransport(to: Transport) {
    if (live.transport === to) return;
    live.transport = to;
    if (to === 'sse') void ws.dispose();
    for (const restart of restarters) restart();
  }

  const ws: WsClient = createWsClient({
    url: wsUrl,
    lazy: true,
    lazyCloseTimeout: 3_000,
    keepAlive: 10_000,
    retryAttempts: Infinity,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      const ms = Math.min(500 * 2 ** retries, 8_000) * (0.75 + Math.random() * 0.5);
      live.retryAt = new Date(Date.now() + ms);
      await sleep(ms);
      live.retryAt = null;
    },
    on: {
      connecting: () => {
        live.status = everConnected ? 'reconnecting' : 'connecting';
      },
      opened: (s) => {
        socket = s as WebSocket;
      },
      connected: () => {
        if (everConnected) live.epoch += 1; // a reconnection: pages refetch what they missed
        everConnected = true;
        attemptsWithoutConnect = 0;
        live.status = 'online';
      },
      // A socket that stopped answering is closed after 5 s without a pong, then retried.
      ping: (received) => {
        if (!received)
          pongTimer = setTimeout(() => {
            if (socket?.readyState === WebSocket.OPEN) socket.close(4408, 'Request Timeout');
          }, 5_000);
      },
      pong: (received) => {
        if (received) clearTimeout(pongTimer);
      },
      closed: (event) => {
        socket = null;
        clearTimeout(pongTimer);
        const code = (event as CloseEvent | undefined)?.code;
        if (code === 1000) {
          // lazy close: nothing is subscribed any more
          live.status = 'idle';
          return;
        }
        if (code === 4403) opts.onAuthLost('FORBIDDEN');
        live.status = 'reconnecting';
        if (!everConnected && code !== 4403 && code !== 4499) {
          attemptsWithoutConnect += 1;
          if (attemptsWithoutConnect >= 3 && !opts.transport) switchTransport('sse');
        }
      },
    },
  });

  // Watches SSE responses so the indicator knows when a stream is open.
  const observingFetch: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    if (res.headers.get('content-type')?.includes('text/event-stream')) {
      if (live.status === 'reconnecting') live.epoch += 1;
      live.status = 'online';
    }
    return res;
  };

  const urql = new Client({
    url: httpUrl,
    preferGetMethod: false,
    requestPolicy: 'cache-and-network',
    fetchSubscriptions: true,
    fetch: observingFetch,
    fetchOptions: { credentials: 'same-origin', headers: { 'x-graphql-yoga-csrf': '1' } },
    exchanges: [
      mapExchange({
        onResult(result) {
          const code = result.error?.graphQLErrors
            .map((e) => e.extensions?.code)
            .find((c) => typeof c === 'string' && AUTH_LOST.has(c));
          if (code) opts.onAuthLost(code as string);
        },
      }),
      cacheExchange,
      subscriptionExchange({
        isSubscriptionOperation: (op) => op.kind === 'subscription' && live.transport === 'ws',
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              const unsubscribe = ws.subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
      fetchExchange,
    ],
  });

  function follow<D, V extends AnyVariables>(
    doc: DocumentInput<D, V>,
    variables: V,
    onData: (data: D) => void,
    onError?: (error: CombinedError) => void,
  ): () => void {
    let stopped = false;
    let current: { unsubscribe(): void } | null = null;
    let failures = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const context: Partial<OperationContext> = { requestPolicy: 'network-only' };

    const start = () => {
      current?.unsubscribe();
      current = null;
      if (stopped) return;
      if (live.transport === 'sse' && live.status !== 'online') live.status = failures ? 'reconnecting' : 'connecting';
      current = urql.subscription(doc, variables, context).subscribe((result) => {
        if (result.data) {
          failures = 0;
          live.lastEventAt = new Date();
          onData(result.data);
        }
        if (result.error) {
          // the server ended a stream this tab did not read fast enough (a frozen tab): subscribe
          // again; the pages refetch what they missed, as after a reconnection
          if (result.error.graphQLErrors.some((e) => e.extensions?.code === 'SUBSCRIPTION_OVERFLOW')) {
            live.epoch += 1;
            clearTimeout(timer);
            timer = setTimeout(start, 500);
            return;
          }
          onError?.(result.error);
          // Over SSE a dropped stream ends with a network error: open it again, with backoff.
          if (result.error.networkError && live.transport === 'sse') {
            live.status = 'reconnecting';
            failures += 1;
            clearTimeout(timer);
            timer = setTimeout(start, Math.min(500 * 2 ** failures, 8_000));
          }
        }
      });
    };
    restarters.add(start);
    // Callers start this inside $effect: touching `live` here must not make it a dependency.
    untrack(() => {
      live.streams += 1;
      start();
    });
    return () => {
      stopped = true;
      clearTimeout(timer);
      restarters.delete(start);
      untrack(() => (live.streams -= 1));
      current?.unsubscribe();
    };
  }

  return {
    urql,
    reconnect() {
      if (live.transport === 'ws') ws.terminate();
      else for (const restart of restarters) restart();
    },
    follow,
  };
}
