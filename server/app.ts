// buildApp(deps) → { start(port), stop() }: one HTTP server for GraphQL (HTTP, SSE and
// graphql-ws on /graphql), /health, /ready and the client files. Owns its lifecycle;
// tests use the same function on port 0. It composes: the GraphQL handler (graphql/yoga.ts),
// GraphQL over WebSocket (graphql/ws.ts), the router (http/router.ts) and the connection timeouts.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Plugin } from 'graphql-yoga';
import type { AppServices } from './services/app-services.ts';
import { createLiveConnections } from './graphql/live-connections.ts';
import type { SubscriptionTimings } from './graphql/metrics-plugin.ts';
import { createSchemaRoute } from './graphql/schema-route.ts';
import { attachGraphqlWs } from './graphql/ws.ts';
import { createGraphqlHandler } from './graphql/yoga.ts';
import { clientAddress as realClientAddress, type TrustProxy } from './http/client-address.ts';
import { createOriginPolicy } from './http/origins.ts';
import type { ReadinessReport } from './http/readiness.ts';
import type { RouteHandler } from './http/route.ts';
import { createRouter } from './http/router.ts';

export type { ReadinessReport } from './http/readiness.ts';
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
  /** The same timings' subscription counts, for WebSocket subscriptions (run outside Yoga's envelope). */
  subscriptionTimings?: SubscriptionTimings;
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

export function buildApp(deps: AppDeps): App {
  const { services } = deps;
  const trust: TrustProxy = deps.trustProxy ?? { kind: 'off' };
  const clientAddress = (req: IncomingMessage | undefined): string | null =>
    req ? realClientAddress(trust, req.socket.remoteAddress, req.headers['x-forwarded-for']) : null;
  const origins = createOriginPolicy(deps.allowedOrigins);
  const originAllowed = (req: IncomingMessage): boolean => origins.allows(req);
  const live = createLiveConnections(services.events, { now: services.now, ...(deps.log ? { log: deps.log } : {}) });
  const maxBody = deps.maxBodyBytes ?? 1024 * 1024;

  const yoga = createGraphqlHandler({
    services,
    graphiql: deps.graphiql,
    production: deps.production,
    corsOrigin: (origin) => origins.corsOrigin(origin),
    clientAddress,
    live,
    log: deps.log,
    plugins: deps.plugins,
  });

  // connectionsCheckingInterval: how often Node enforces headersTimeout / requestTimeout on open
  // connections (its default, 30 s, would let a slow client dribble a request for that long)
  const server = createServer(
    { connectionsCheckingInterval: 1_000 },
    createRouter({
      graphql: (req, res) => yoga(req, res, { req, res }),
      schemaRoute: createSchemaRoute({ services, log: deps.log }),
      readiness: deps.readiness,
      originAllowed,
      routes: deps.routes,
      staticDir: deps.staticDir,
      maxBodyBytes: maxBody,
      log: deps.log,
    }),
  );

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

  const ws = attachGraphqlWs(server, {
    services,
    yoga,
    live,
    production: deps.production,
    maxPayload: maxBody,
    limits: deps.wsLimits ?? { perAddress: 50, perAccount: 50, subscriptionsPerSocket: 100 },
    initTimeoutMs: deps.wsInitTimeoutMs ?? 10_000,
    originAllowed,
    clientAddress,
    timings: deps.subscriptionTimings,
    log: deps.log,
  });

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
      live.stop();
      await ws.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      if (server.listening) await closed;
    },
  };
}
