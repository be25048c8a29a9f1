// /schema.graphql: the printed SDL, for codegen, to any signed-in caller or API token holder
// (production too); 401 with a coded error otherwise.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from './authenticate.ts';
import type { AppServices } from '../services/app-services.ts';
import { printSchemaFile } from './print.ts';

export function createSchemaRoute(opts: {
  services: AppServices;
  log?: ((level: 'info' | 'warn' | 'error', msg: string, extra?: Record<string, unknown>) => void) | undefined;
}): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const sdl = printSchemaFile();
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
    try {
      const { viewer, problem } = await authenticate(opts.services, {
        authorization: req.headers.authorization,
        cookie: req.headers.cookie,
      });
      if (!viewer) {
        const code = problem?.code ?? 'UNAUTHENTICATED';
        res.writeHead(401, { ...headers, 'www-authenticate': 'Bearer' });
        res.end(
          JSON.stringify({
            errors: [{ message: problem?.message ?? 'Send Authorization: Bearer <API token>', extensions: { code } }],
          }),
        );
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' });
      res.end(req.method === 'HEAD' ? undefined : sdl);
    } catch (err) {
      opts.log?.('error', 'schema route failed', { err: String(err) });
      if (!res.headersSent)
        res.writeHead(500, headers).end(
          JSON.stringify({
            errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
          }),
        );
    }
  };
}
