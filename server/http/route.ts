import type { IncomingMessage, ServerResponse } from 'node:http';

/** An extra HTTP route (tracking pixel, delivery-report webhooks, metrics): true when it handled the request. */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean | Promise<boolean>;
