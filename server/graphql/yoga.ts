// The GraphQL handler (graphql-yoga) for HTTP and SSE: schema, armor limits, CSRF prevention,
// coded errors, the request context (who is calling, from where). app.ts mounts it on /graphql
// and /health; graphql/ws.ts reuses its envelope for graphql-ws.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { createYoga, maskError, type Plugin, type YogaInitialContext, type YogaServerInstance } from 'graphql-yoga';
import type { WebSocket } from 'ws';
import { LiveOverflowError } from '../events/live-stream.ts';
import { DomainError, ValidationError, type AuthError } from '../services/errors.ts';
import type { Viewer } from '../services/types.ts';
import { authenticate } from './authenticate.ts';
import type { AppServices } from '../services/app-services.ts';
import type { GraphQLContext } from './context.ts';
import { edgePlugin } from './edge.ts';
import { mutationRateLimit } from './limits.ts';
import type { LiveConnections } from './live-connections.ts';
import { schema } from './schema/index.ts';
import { sharedEventsPlugin } from './shared-events.ts';

export type ServerContext = { req: IncomingMessage; res: ServerResponse };

/** What a graphql-ws socket carries from its connection_init to each operation. */
export type WsExtra = {
  /** The upgrade request, until the connection is accepted (then dropped: kept per socket it costs memory). */
  request: IncomingMessage | undefined;
  socket: WebSocket;
  /** The connection's TCP (or TLS) socket, the one ws writes to: live events' frames go to it directly (live-direct.ts). */
  raw: Socket;
  cookie: string | undefined;
  userAgent: string | null;
  viewer?: Viewer | null;
  problem?: AuthError | null;
  authorization?: string | undefined;
  /** The client address (TRUST_PROXY applied). */
  address: string | null;
  unregister?: () => void;
  /** graphql-ws's connection_init wait (ws.ts), until the init arrives. */
  initWait?: NodeJS.Timeout | undefined;
};

/** A WebSocket operation sets no cookie (one function for every socket). */
const noCookies = () => {};

export type GraphqlHandler = YogaServerInstance<ServerContext, GraphQLContext>;

export interface GraphqlHandlerOptions {
  services: AppServices;
  graphiql: boolean;
  production: boolean;
  /** The CORS origin to answer for a request's Origin (null: no CORS header). */
  corsOrigin: (origin: string | null) => string | null;
  /** The real client address of a request (TRUST_PROXY applied). */
  clientAddress: (req: IncomingMessage | undefined) => string | null;
  /** Open streams and sockets, ended when their credential is revoked. */
  live: LiveConnections;
  log?: ((level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void) | undefined;
  /** More Yoga plugins (operation timings for /metrics). */
  plugins?: Plugin[] | undefined;
}

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

/** Set-Cookie headers a resolver asked for (sign-in, sign-out), added to its response. */
function cookiePlugin(pending: WeakMap<Request, string[]>): Plugin {
  return {
    onResponse({ request, response }) {
      for (const c of pending.get(request) ?? []) response.headers.append('set-cookie', c);
    },
  };
}

/** The message Yoga gives an unexpected error it masks. */
export const MASKED_MESSAGE = 'Unexpected error.';

/**
 * How an error leaves a GraphQL operation (Yoga's maskError; the WebSocket subscription path
 * applies the same function to what it sends).
 */
export function errorMasker(log: GraphqlHandlerOptions['log']) {
  return (error: unknown, message: string, isDev?: boolean): Error => {
    // an expected domain failure thrown by a query field (a bad year, an unknown time zone…)
    // is the caller's mistake: a coded error, not a logged crash
    const domain = error instanceof GraphQLError ? error.originalError : error;
    if (domain instanceof DomainError && error instanceof GraphQLError) return domainGraphQLError(error, domain);
    // a stalled reader's subscription ended: the client's to retry, not our bug
    if (domain instanceof LiveOverflowError)
      return new GraphQLError(domain.message, {
        path: error instanceof GraphQLError ? error.path : undefined,
        extensions: { code: 'SUBSCRIPTION_OVERFLOW' },
      });
    const masked = maskError(error, message, isDev);
    if (masked !== error) {
      const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
      log?.('error', 'unexpected error in a GraphQL operation', {
        err: original instanceof Error ? (original.stack ?? original.message) : String(original),
      });
    }
    return masked;
  };
}

export function createGraphqlHandler(opts: GraphqlHandlerOptions): GraphqlHandler {
  const pendingCookies = new WeakMap<Request, string[]>();
  return createYoga<ServerContext, GraphQLContext>({
    schema,
    graphqlEndpoint: '/graphql',
    healthCheckEndpoint: '/health',
    landingPage: false,
    // CORS only for the allowed origins (PUBLIC_URL's, CORS_ORIGINS); any other gets no header
    cors: (request) => {
      const origin = opts.corsOrigin(request.headers.get('origin'));
      return origin
        ? {
            origin: [origin],
            credentials: true,
            methods: ['GET', 'POST'],
            allowedHeaders: ['content-type', 'authorization', 'x-graphql-yoga-csrf', 'accept'],
            maxAge: 600,
          }
        : false;
    },
    // never in production, whatever GRAPHIQL says (introspection is off there too)
    graphiql: opts.graphiql && !opts.production ? { subscriptionsProtocol: 'WS', title: 'portwatch console' } : false,
    maskedErrors: { maskError: errorMasker(opts.log) },
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: 12 },
        maxAliases: { n: 20 },
        maxDirectives: { n: 20 },
        maxTokens: { n: 3000 },
        costLimit: { maxCost: 20000 },
        blockFieldSuggestion: { enabled: opts.production },
      }),
      // a GET (or form POST) needs a header a browser cannot send cross-site without a preflight:
      // the CSRF header, or Authorization (an API token is no ambient credential)
      useCSRFPrevention({ requestHeaders: ['x-graphql-yoga-csrf', 'authorization'] }),
      edgePlugin({ production: opts.production }),
      sharedEventsPlugin(),
      cookiePlugin(pendingCookies),
      mutationRateLimit(),
      ...(opts.plugins ?? []),
      ...(opts.production
        ? [
            {
              onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule),
            } satisfies Plugin,
          ]
        : []),
    ],
    context: async (
      initial: YogaInitialContext & Partial<ServerContext> & { wsExtra?: WsExtra },
    ): Promise<GraphQLContext> => {
      if (initial.wsExtra) {
        const extra = initial.wsExtra;
        return {
          services: opts.services,
          viewer: extra.viewer ?? null,
          authProblem: extra.problem ?? null,
          address: extra.address,
          userAgent: extra.userAgent,
          transport: 'ws',
          setCookie: noCookies,
        };
      }
      const request = initial.request;
      const { viewer, problem } = await authenticate(opts.services, {
        authorization: request.headers.get('authorization'),
        cookie: request.headers.get('cookie'),
      });
      // an SSE stream of a credential that ends is ended with it (other requests are short and
      // authenticate on their own)
      const res = initial.res;
      const streaming = (request.headers.get('accept') ?? '').includes('text/event-stream');
      if (viewer && streaming && res && !res.writableEnded) {
        const unregister = opts.live.add({
          viewer,
          address: opts.clientAddress(initial.req),
          close: () => res.destroy(),
        });
        res.once('close', unregister);
      }
      return {
        services: opts.services,
        viewer,
        authProblem: problem,
        address: opts.clientAddress(initial.req),
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
}
