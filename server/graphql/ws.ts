// GraphQL over WebSocket (graphql-ws) on /graphql: caps per address and per account, a
// heartbeat that drops dead peers, the credential checked again for every operation, and the
// same envelope (schema, limits, context) as HTTP through the Yoga handler.
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError } from 'graphql';
import type { Context, SubscribePayload } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { AppServices } from '../services/app-services.ts';
import { authenticate } from './authenticate.ts';
import { codedError } from './edge.ts';
import { CLOSE_TOO_MANY, type LiveConnections } from './live-connections.ts';
import { DirectNext, setDirectNext } from './live-direct.ts';
import type { SubscriptionTimings } from './metrics-plugin.ts';
import { internalError, serveGraphqlWs } from './ws-glue.ts';
import { WsOperations, type Prepared } from './ws-subscribe.ts';
import { errorMasker, MASKED_MESSAGE, type GraphqlHandler, type WsExtra } from './yoga.ts';

export interface GraphqlWsOptions {
  services: AppServices;
  yoga: GraphqlHandler;
  live: LiveConnections;
  production: boolean;
  /** Largest message accepted, in bytes. */
  maxPayload: number;
  /** WS_MAX_*: sockets per client address and per account, operations per socket. */
  limits: { perAddress: number; perAccount: number; subscriptionsPerSocket: number };
  /** Milliseconds a socket may take to send connection_init (then closed 4408). */
  initTimeoutMs: number;
  originAllowed: (req: IncomingMessage) => boolean;
  clientAddress: (req: IncomingMessage | undefined) => string | null;
  /** Subscription counts for /metrics (subscriptions do not run through Yoga's enveloped subscribe here). */
  timings?: SubscriptionTimings | undefined;
  log?: Parameters<typeof errorMasker>[0];
}

/** graphql-ws's `connection_init` wait (4408), a timer per socket only until the init arrives. */
type Ctx = Context<Record<string, unknown> | undefined, WsExtra>;

function closeUninitialised(socket: WebSocket) {
  socket.close(4408, 'Connection initialisation timeout');
}

export interface GraphqlWs {
  stop(): Promise<void>;
}

export function attachGraphqlWs(server: Server, opts: GraphqlWsOptions): GraphqlWs {
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: opts.maxPayload });
  // dead peers (no pong within 30 s) are dropped
  const alive = new WeakMap<object, boolean>();
  // every open socket counts against its address's cap from the upgrade on (also one that has
  // not sent connection_init yet, which graphql-ws closes after wsInitTimeoutMs)
  const socketsByAddress = new Map<string, number>();
  wss.on('connection', (ws, req) => {
    const address = opts.clientAddress(req) ?? 'unknown';
    const open = (socketsByAddress.get(address) ?? 0) + 1;
    socketsByAddress.set(address, open);
    // `on`, not `once`: a socket closes once, and once() costs a wrapper per socket
    ws.on('close', () => {
      const left = (socketsByAddress.get(address) ?? 1) - 1;
      if (left > 0) socketsByAddress.set(address, left);
      else socketsByAddress.delete(address);
    });
    if (open > opts.limits.perAddress) {
      ws.close(CLOSE_TOO_MANY, 'Too many connections from this address');
      return;
    }
    alive.set(ws, true);
    ws.on('pong', () => alive.set(ws, true));
  });
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      alive.set(ws, false);
      ws.ping();
    }
  }, 30_000);
  heartbeat.unref();
  // every subscribe message (query, mutation, subscription) of an accepted socket is run by
  // ws-subscribe.ts, from the arguments made here
  const connections = new WeakMap<WebSocket, Ctx>();
  const prepare = async (
    ctx: Ctx,
    id: string,
    payload: SubscribePayload,
  ): Promise<Prepared | readonly GraphQLError[]> => {
    // ctx.subscriptions holds this operation already: the others are the ones it is counted against
    if (Object.keys(ctx.subscriptions).length - 1 >= opts.limits.subscriptionsPerSocket)
      return [
        new GraphQLError(`At most ${opts.limits.subscriptionsPerSocket} operations at once on one connection`, {
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' },
        }),
      ];
    // the credential is checked again for every operation: a revoked or expired one ends the socket
    if (ctx.extra.viewer) {
      const again = await authenticate(opts.services, {
        authorization: ctx.extra.authorization,
        cookie: ctx.extra.cookie,
      });
      if (!again.viewer || again.viewer.accountId !== ctx.extra.viewer.accountId) {
        const code = again.problem?.code ?? 'UNAUTHENTICATED';
        ctx.extra.socket.close(4403, again.problem?.message ?? 'Forbidden');
        return [new GraphQLError(again.problem?.message ?? 'Not signed in', { extensions: { code } })];
      }
      ctx.extra.viewer = again.viewer;
    }
    const { schema: s, execute, contextFactory, parse, validate } = opts.yoga.getEnveloped({ wsExtra: ctx.extra });
    // A parse or validation failure (syntax, armor limits) answers this operation with an
    // `error` message; the socket stays open (Yoga's recipe would close it with 4500).
    let document: ReturnType<typeof parse>;
    try {
      document = parse(payload.query);
    } catch (err) {
      return [codedError(err instanceof GraphQLError ? err : new GraphQLError('Invalid query'), opts.production)];
    }
    let errors: readonly GraphQLError[];
    try {
      errors = validate(s, document);
    } catch (err) {
      return [codedError(err instanceof GraphQLError ? err : new GraphQLError('Invalid query'), opts.production, true)];
    }
    if (errors.length) return errors.map((e) => codedError(e, opts.production, true));
    const contextValue = await contextFactory();
    // a live event's `next` may be written straight to this socket (shared-events.ts)
    setDirectNext(contextValue, new DirectNext(ctx.extra.socket, ctx.extra.raw, ctx, id));
    return {
      args: {
        schema: s,
        operationName: payload.operationName ?? null,
        document,
        variableValues: payload.variables ?? null,
        contextValue,
      },
      execute,
    };
  };
  const operations = new WsOperations({
    prepare,
    production: opts.production,
    maskError: errorMasker(opts.log),
    maskedMessage: MASKED_MESSAGE,
    internal: internalError(opts.production),
    timings: opts.timings,
  });
  const wsDisposable = serveGraphqlWs<Record<string, unknown> | undefined, WsExtra>(
    {
      // our own timer (closeUninitialised), dropped once the init arrives: graphql-ws keeps its spent one per socket
      connectionInitWaitTimeout: 0,
      onConnect: async (ctx) => {
        clearTimeout(ctx.extra.initWait);
        ctx.extra.initWait = undefined;
        // the upgrade request is needed only until the connection is accepted
        const req = ctx.extra.request;
        ctx.extra.request = undefined;
        if (!req || !opts.originAllowed(req)) return false;
        const address = ctx.extra.address;
        if (opts.live.countByAddress(address) >= opts.limits.perAddress) {
          ctx.extra.socket.close(CLOSE_TOO_MANY, 'Too many connections from this address');
          return false;
        }
        const params = ctx.connectionParams ?? {};
        const auth =
          typeof params.authorization === 'string'
            ? params.authorization
            : typeof params.Authorization === 'string'
              ? params.Authorization
              : undefined;
        const { viewer, problem } = await authenticate(opts.services, {
          authorization: auth,
          cookie: ctx.extra.cookie,
        });
        if (problem) return false; // credentials were presented and refused: 4403 Forbidden
        if (viewer && opts.live.countByAccount(viewer.accountId) >= opts.limits.perAccount) {
          ctx.extra.socket.close(CLOSE_TOO_MANY, 'Too many connections for this account');
          return false;
        }
        ctx.extra.viewer = viewer;
        ctx.extra.problem = problem;
        ctx.extra.authorization = auth;
        const socket = ctx.extra.socket;
        if (socket.readyState !== socket.OPEN) return false;
        // every socket is counted (caps); one with a credential closes when it is revoked or expires
        ctx.extra.unregister = opts.live.add({ viewer, address, close: socket.close.bind(socket) });
        socket.on('close', ctx.extra.unregister);
        connections.set(socket, ctx);
        return true;
      },
      onClose: (ctx) => {
        clearTimeout(ctx.extra.initWait);
        ctx.extra.unregister?.();
      },
      // `subscribe` messages are taken before graphql-ws sees them (operations.take): one that
      // reaches it is a bug, and closes the socket 1011
      onSubscribe: () => {
        throw new Error('subscribe messages are run by ws-subscribe.ts');
      },
    },
    wss,
    (socket, request) => ({
      socket,
      request,
      raw: request.socket,
      cookie: request.headers.cookie,
      userAgent: request.headers['user-agent'] ?? null,
      address: opts.clientAddress(request),
      initWait:
        opts.initTimeoutMs > 0 && Number.isFinite(opts.initTimeoutMs)
          ? setTimeout(closeUninitialised, opts.initTimeoutMs, socket)
          : undefined,
    }),
    opts.production,
    (socket, data) => {
      const ctx = connections.get(socket);
      return ctx !== undefined && operations.take(ctx, data);
    },
  );

  return {
    async stop() {
      clearInterval(heartbeat);
      await wsDisposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
