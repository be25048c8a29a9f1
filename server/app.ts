// buildApp(deps) → { start(port), stop() }: one HTTP server for GraphQL (HTTP, SSE and
// graphql-ws on /graphql), /health, /ready and the client files. Owns its lifecycle;
// tests use the same function on port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type ExecutionArgs } from 'graphql';
import { mutationRateLimit } from './graphql/limits.ts';
import { useServer } from 'graphql-ws/use/ws';
import { createYoga, maskError, type Plugin, type YogaInitialContext } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import { authenticate } from './graphql/authenticate.ts';
import type { AppServices, GraphQLContext } from './graphql/context.ts';
import { schema } from './graphql/schema/index.ts';
import { createStaticHandler } from './http/static.ts';
import type { Viewer } from './services/types.ts';
import type { AuthError } from './services/errors.ts';

export interface ReadinessReport {
  ok: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** An extra HTTP route (tracking pixel, delivery-report webhooks…). Returns true when it handled the request. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;

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
}

export interface App {
  start(port: number, host?: string): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
  server: Server;
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
}

type ServerContext = { req: IncomingMessage; res: ServerResponse };
type WsExtra = { request: IncomingMessage; viewer?: Viewer | null; problem?: AuthError | null };

function clientAddress(req: IncomingMessage | undefined): string | null {
  return req?.socket.remoteAddress ?? null;
}

export function buildApp(deps: AppDeps): App {
  const { services } = deps;
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
    // never in production, whatever GRAPHIQL says (introspection is off there too)
    graphiql: deps.graphiql && !deps.production ? { subscriptionsProtocol: 'WS', title: 'portwatch console' } : false,
    maskedErrors: {
      maskError(error, message, isDev) {
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
      useCSRFPrevention(),
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

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
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
  server.headersTimeout = 66_000;
  const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: maxBody });
  const wsDisposable = useServer<Record<string, unknown> | undefined, WsExtra>(
    {
      execute: (args) => (args.rootValue as { execute: (a: ExecutionArgs) => unknown }).execute(args) as never,
      subscribe: (args) => (args.rootValue as { subscribe: (a: ExecutionArgs) => unknown }).subscribe(args) as never,
      onConnect: async (ctx) => {
        const req = ctx.extra.request;
        const origin = req.headers.origin;
        if (origin) {
          const own = [`http://${req.headers.host}`, `https://${req.headers.host}`];
          if (!own.includes(origin) && !deps.allowedOrigins.includes(origin)) return false;
        }
        const params = ctx.connectionParams ?? {};
        const auth = typeof params.authorization === 'string' ? params.authorization : typeof params.Authorization === 'string' ? params.Authorization : undefined;
        const { viewer, problem } = await authenticate(services, { authorization: auth, cookie: req.headers.cookie });
        if (problem) return false; // credentials were presented and refused: 4403 Forbidden
        ctx.extra.viewer = viewer;
        ctx.extra.problem = problem;
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        const { schema: s, execute, subscribe, contextFactory, parse, validate } = yoga.getEnveloped({
          ...ctx,
          wsExtra: ctx.extra,
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
        });
        // A parse or validation failure (syntax, armor limits) answers this operation with an
        // `error` message; the socket stays open (Yoga's recipe would close it with 4500).
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('Invalid query')];
        }
        let errors: readonly GraphQLError[];
        try {
          errors = validate(s, document);
        } catch (err) {
          return [err instanceof GraphQLError ? err : new GraphQLError('Invalid query')];
        }
        if (errors.length) return [...errors];
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
      await wsDisposable.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (server.listening) await closed;
    },
  };
}
