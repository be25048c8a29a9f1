// buildApp(deps) → { start(port), stop() }: one HTTP server for GraphQL (HTTP, SSE and
// graphql-ws on /graphql), /health, /ready and the client files. Owns its lifecycle;
// tests use the same function on port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { clientAddress as realClientAddress, type TrustProxy } from './http/client-address.ts';
import { createOriginPolicy } from './http/origins.ts';
import { setBaseSecurityHeaders } from './http/security-headers.ts';
import { codedError, codedResult, edgePlugin } from './graphql/edge.ts';
import { CLOSE_TOO_MANY, createLiveConnections } from './graphql/live-connections.ts';
import { printSchemaFile } from './graphql/print.ts';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { mutationRateLimit } from './graphql/limits.ts';
import { sharedEventsPlugin } from './graphql/shared-events.ts';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate } from './graphql/authenticate.ts';
import type { AppServices, GraphQLContext } from './graphql/context.ts';
import { schema } from './graphql/schema/index.ts';
import { createStaticHandler } from './http/static.ts';
import type { Viewer } from './services/types.ts';
import { DomainError, ValidationError, type AuthError } from './services/errors.ts';

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

import type { RouteHandler } from './http/route.ts';
export type { RouteHandler } from './http/route.ts';

export interface AppDeps {
  routes?: RouteHandler[];
  services: AppServices;
  graphiql: boolean;
  production: boolean;
  /** Origins allowed to open WebSockets besides the server's own (Host header). */
  allowedOrigins: string[];
  readiness: () => Promise<ReadinessReport>;
  staticDir: string;
  log?: (level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void;
  /** More Yoga plugins (operation timings for /metrics). */
  plugins?: Plugin[];
  /** Largest GraphQL request body / WebSocket message accepted, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** TRUST_PROXY: how the real client address is found behind reverse proxies (default off). */
  trustProxy?: TrustProxy;
  /** WebSocket caps (WS_MAX_*). */
  wsLimits?: { perAddress: number; perAccount: number; subscriptionsPerSocket: number };
  /** Milliseconds a connection may stay silent before its request is complete (default 30 s). */
  requestTimeoutMs?: number;
  /** Milliseconds a WebSocket may take to send graphql-ws `connection_init` (default 10 s; then closed 4408). */
  wsInitTimeoutMs?: number;
}

export interface App {
  start(port: number, host?: string): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  server: Server;
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

type ServerContext = { req: IncomingMessage; res: ServerResponse };
type WsExtra = {
  request: IncomingMessage;
  socket: import('ws').WebSocket;
  viewer?: Viewer | null;
  problem?: AuthError | null;
  authorization?: string | undefined;
  address?: string | null;
  unregister?: () => void;
};

const DOMAIN_CODES: Record<string, string> = { VALIDATION: 'BAD_USER_INPUT' };

function domainGraphQLError(error: GraphQLError, domain: DomainError): GraphQLError {
  return new GraphQLError(domain.message, {
    nodes: error.nodes ?? null,
    path: error.path ?? null,
    originalError: domain,
    extensions: {
      code: DOMAIN_CODES[domain.code] ?? domain.code,
      ...(domain instanceof ValidationError ? { fields: domain.fields } : {}),
    },
  });
}

export function buildApp(deps: AppDeps): App {
  const { services } = deps;
  const trust: TrustProxy = deps.trustProxy ?? { kind: 'off' };
  const clientAddress = (req: IncomingMessage | undefined): string | null =>
    req ? realClientAddress(trust, req.socket.remoteAddress, req.headers['x-forwarded-for']) : null;
  const origins = createOriginPolicy(deps.allowedOrigins);
  const wsLimits = deps.wsLimits ?? { perAddress: 50, perAccount: 50, subscriptionsPerSocket: 100 };
  const live = createLiveConnections(services.events, { now: services.now, ...(deps.log ? { log: deps.log } : {}) });
  const production = deps.production;
  const pendingCookies = new WeakMap<Request, string[]>();

  const cookiePlugin: Plugin = {
    onResponse({ request, response }) {
      for (const c of pendingCookies.get(request) ?? []) response.headers.append('set-cookie', c);
    },
  };

  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // CORS only for the allowed origins (PUBLIC_URL's, CORS_ORIGINS); any other gets no header
    cors: (request) => {
      const origin = origins.corsOrigin(request.headers.get('origin'));
      return origin
        ? { origin: [origin], credentials: true, methods: ['GET', 'POST'], allowedHeaders: ['content-type', 'authorization', 'x-graphql-yoga-csrf', 'accept'], maxAge: 600 }
        : false;
    },
    // never in production, whatever GRAPHIQL says (introspection is off there too)
    graphiql: deps.graphiql && !deps.production ? { subscriptionsProtocol: 'WS', title: 'portwatch console' } : false,
    maskedErrors: {
      maskError(error, message, isDev) {
        // an expected domain failure thrown by a query field (a bad year, an unknown time zone…)
        // is the caller's mistake: a coded error, not a logged crash
        const domain = error instanceof GraphQLError ? error.originalError : error;
        if (domain instanceof DomainError && error instanceof GraphQLError) return domainGraphQLError(error, domain);
        const masked = maskError(error, message, isDev);
        if (masked !== error) {
          const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
          deps.log?.('error', 'unexpected error in a GraphQL operation', { err: original instanceof Error ? (original.stack ?? original.message) : String(original) });
        }
        return masked;
      },
    },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 3000 },
        costLimit: { maxCost: 20000 },
        blockFieldSuggestion: { enabled: deps.production },
      }),
      // a GET (or form POST) needs a header a browser cannot send cross-site without a preflight:
      // the CSRF header, or Authorization (an API token is no ambient credential)
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }),
      edgePlugin({ production }),
      sharedEventsPlugin(),
      cookiePlugin,
      mutationRateLimit(),
      ...(deps.plugins ?? []),
      ...(deps.production ? [{ onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) } satisfies Plugin] : []),
    ],
    context: async (initial: YogaInitialContext & Partial<ServerContext> & { wsExtra?: WsExtra }): Promise<GraphQLContext> => {
      if (initial.wsExtra) {
        const extra = initial.wsExtra;
        return {
          services,
          viewer: extra.viewer ?? null,
          authProblem: extra.problem ?? null,
          address: clientAddress(extra.request),
          userAgent: extra.request.headers['user-agent'] ?? null,
          transport: 'ws',
          setCookie: () => {},
        };
      }
      const request = initial.request;
      const { viewer, problem } = await authenticate(services, {
        authorization: request.headers.get('authorization'),
        cookie: request.headers.get('cookie'),
      });
      // an SSE stream of a credential that ends is ended with it (other requests are short and
      // authenticate on their own)
      const res = initial.res;
      const streaming = (request.headers.get('accept') ?? '').includes('text/event-stream');
      if (viewer && streaming && res && !res.writableEnded) {
        const unregister = live.add({ viewer, address: clientAddress(initial.req), close: () => res.destroy() });
        res.once('close', unregister);
      }
      return {
        services,
        viewer,
        authProblem: problem,
        address: clientAddress(initial.req),
        userAgent: request.headers.get('user-agent'),
        transport: 'http',
        setCookie: (header) => {
          const list = pendingCookies.get(request) ?? [];
          list.push(header);
          pendingCookies.set(request, list);
        },
      };
    },
    logging: false,
  });

  const serveStatic = createStaticHandler(deps.staticDir);

  const sdl = printSchemaFile();

  // connectionsCheckingInterval: how often Node enforces headersTimeout / requestTimeout on open
  // connections (its default, 30 s, would let a slow client dribble a request for that long)
  const server = createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    setBaseSecurityHeaders(res);
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/graphql' && !origins.allows(req)) {
      // a browser page on another origin: nothing runs, no CORS header lets it read the answer
      res.writeHead(403, { 'content-type': 'application/json', vary: 'Origin' });
      res.end(JSON.stringify({ errors: [{ message: 'This origin may not call the API (set CORS_ORIGINS)', extensions: { code: 'ORIGIN_NOT_ALLOWED' } }] }));
      return;
    }
    if (path === '/schema.graphql') {
      void serveSchema(req, res);
      return;
    }
    if (path === '/ready') {
      void deps.readiness().then(
        (report) => {
          res.writeHead(report.ok ? 200 : 503, { 'content-type': 'application/json', 'cache-control': 'no-store' });
          res.end(JSON.stringify(report));
        },
        (err: unknown) => {
          res.writeHead(503, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ ok: false, checks: { readiness: { ok: false, detail: String(err) } } }));
        },
      );
      return;
    }
    if (path === '/graphql' || path === '/health') {
      if (refuseBody(req, res)) return;
      void yoga(req, res, { req, res });
      return;
    }
    if (deps.routes?.length) {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://x');
        for (const route of deps.routes ?? []) if (await route(req, res, url)) return;
        await staticOrReject(req, res);
      })().catch((err: unknown) => {
        deps.log?.('error', 'route failed', { err });
        if (!res.headersSent) res.writeHead(500).end();
      });
      return;
    }
    void staticOrReject(req, res);
  });

  // A GraphQL body must say its length (every browser and fetch does) and stay under the limit:
  // 411 / 413 before Yoga reads a byte of it.
  const maxBody = deps.maxBodyBytes ?? 1024 * 1024;
  function refuseBody(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return false;
    const declared = req.headers['content-length'];
    const status = declared === undefined ? (req.headers['transfer-encoding'] ? 411 : 0) : Number(declared) > maxBody ? 413 : 0;
    if (!status) return false;
    const message = status === 413 ? `Request body over ${maxBody} bytes` : 'Content-Length required';
    res.writeHead(status, { 'content-type': 'application/json', connection: 'close' });
    res.end(JSON.stringify({ errors: [{ message, extensions: { code: status === 413 ? 'PAYLOAD_TOO_LARGE' : 'LENGTH_REQUIRED' } }] }));
    return true;
  }

  // The printed SDL, for codegen, to any signed-in caller or API token holder (production too).
  async function serveSchema(req: IncomingMessage, res: ServerResponse) {
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    try {
      const { viewer, problem } = await authenticate(services, { authorization: req.headers.authorization, cookie: req.headers.cookie });
      if (!viewer) {
        const code = problem?.code ?? 'UNAUTHENTICATED';
        res.writeHead(401, { ...headers, 'www-authenticate': 'Bearer' });
        res.end(JSON.stringify({ errors: [{ message: problem?.message ?? 'Send Authorization: Bearer <API token>', extensions: { code } }] }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : sdl);
    } catch (err) {
      deps.log?.('error', 'schema route failed', { err: String(err) });
      if (!res.headersSent) res.writeHead(500, headers).end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
    }
  }

  async function staticOrReject(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    await serveStatic(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500).end();
    });
  }

  // Idle keep-alive connections outlive those of the proxies and clients in front (their idle
  // timeouts are usually 60 s): a server that closes first races their next request (a reset).
  server.keepAliveTimeout = 65_000;
  // a connection that sends nothing, or sends its request too slowly, is closed
  const requestTimeout = deps.requestTimeoutMs ?? 30_000;
  server.headersTimeout = Math.min(66_000, requestTimeout);
  server.requestTimeout = requestTimeout;
  // a socket that never completes a request is closed after requestTimeout of silence (Node's own
  // header timeout is checked only every 30 s); a request or an upgrade clears it, and after a
  // response Node applies keepAliveTimeout
  server.on('connection', (socket) => socket.setTimeout(requestTimeout));
  server.on('request', (req) => req.socket.setTimeout(0));
  server.on('upgrade', (req) => req.socket.setTimeout(0));
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: maxBody });
  // dead peers (no pong within 30 s) are dropped
  const alive = new WeakMap<object, boolean>();
  // every open socket counts against its address's cap from the upgrade on (also one that has
  // not sent connection_init yet, which graphql-ws closes after wsInitTimeoutMs)
  const socketsByAddress = new Map<string, number>();
  wss.on('connection', (ws, req) => {
    const address = clientAddress(req) ?? 'unknown';
    const open = (socketsByAddress.get(address) ?? 0) + 1;
    socketsByAddress.set(address, open);
    ws.once('close', () => {
      const left = (socketsByAddress.get(address) ?? 1) - 1;
      if (left > 0) socketsByAddress.set(address, left);
      else socketsByAddress.delete(address);
    });
    if (open > wsLimits.perAddress) {
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
  const wsDisposable = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      connectionInitWaitTimeout: deps.wsInitTimeoutMs ?? 10_000,
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: async (ctx) => {
        const req = ctx.extra.request;
        if (!origins.allows(req)) return false;
        const address = clientAddress(req);
        if (live.countByAddress(address) >= wsLimits.perAddress) {
          ctx.extra.socket.close(CLOSE_TOO_MANY, 'Too many connections from this address');
          return false;
        }
        const params = ctx.connectionParams ?? {};
        const auth = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : undefined;
        const { viewer, problem } = await authenticate(services, { authorization: auth, cookie: req.headers.cookie });
        if (problem) return false; // credentials were presented and refused: 4403 Forbidden
        if (viewer && live.countByAccount(viewer.accountId) >= wsLimits.perAccount) {
          ctx.extra.socket.close(CLOSE_TOO_MANY, 'Too many connections for this account');
          return false;
        }
        ctx.extra.viewer = viewer;
        ctx.extra.problem = problem;
        ctx.extra.authorization = auth;
        ctx.extra.address = address;
        const socket = ctx.extra.socket;
        if (socket.readyState !== socket.OPEN) return false;
        // every socket is counted (caps); one with a credential closes when it is revoked or expires
        ctx.extra.unregister = live.add({ viewer, address, close: (code, reason) => socket.close(code, reason) });
        socket.once('close', () => ctx.extra.unregister?.());
        return true;
      },
      onClose: (ctx) => ctx.extra.unregister?.(),
      onNext: (_ctx, _id, _payload, _args, result) => codedResult(result as ExecutionResult, production),
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => codedError(e, production)),
      onSubscribe: async (ctx, _id, payload) => {
        if (Object.keys(ctx.subscriptions).length >= wsLimits.subscriptionsPerSocket)
          return [new GraphQLError(`At most ${wsLimits.subscriptionsPerSocket} operations at once on one connection`, { extensions: { code: 'TOO_MANY_SUBSCRIPTIONS' } })];
        // the credential is checked again for every operation: a revoked or expired one ends the socket
        if (ctx.extra.viewer) {
          const again = await authenticate(services, { authorization: ctx.extra.authorization, cookie: ctx.extra.request.headers.cookie });
          if (!again.viewer || again.viewer.accountId !== ctx.extra.viewer.accountId) {
            const code = again.problem?.code ?? 'UNAUTHENTICATED';
            ctx.extra.socket.close(4403, again.problem?.message ?? 'Forbidden');
            return [new GraphQLError(again.problem?.message ?? 'Not signed in', { extensions: { code } })];
          }
          ctx.extra.viewer = again.viewer;
        }
        const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          wsExtra: ctx.extra,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        // A parse or validation failure (syntax, armor limits) answers this operation with an
        // `error` message; the socket stays open (Yoga's recipe would close it with 4500).
        let document: ReturnType<typeof parse>;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [codedError(err instanceof GraphQLError ? err : new GraphQLError('Invalid query'), production)];
        }
        let errors: readonly GraphQLError[];
        try {
          errors = validate(s, document);
        } catch (err) {
          return [codedError(err instanceof GraphQLError ? err : new GraphQLError('Invalid query'), production, true)];
        }
        if (errors.length) return errors.map((e) => codedError(e, production, true));
        return {
          schema: s,
          operationName: payload.operationName ?? null,
          document,
          variableValues: payload.variables ?? null,
          contextValue: await contextFactory(),
          rootValue: { execute, subscribe },
        };
      },
    },
    wss,
  );

  let stopped = false;
  return {
    server,
    fetch: (input, init) => Promise.resolve(yoga.fetch(input as URL, init ?? {})),
    start(port, host = '127.0.0.1') {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          const addr = server.address() as AddressInfo;
          const shown = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
          resolve({ port: addr.port, url: `http://${shown}:${addr.port}` });
        });
      });
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(heartbeat);
      live.stop();
      await wsDisposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (server.listening) await closed;
    },
  };
}
