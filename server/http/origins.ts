// Which browser origins may call the API with the user's cookies: the server's own (PUBLIC_URL,
// and the Host it was reached on) and CORS_ORIGINS for partners' browser apps. Any other Origin
// is refused outright (403 ORIGIN_NOT_ALLOWED) before a credential is looked at, and gets no CORS
// headers, so a page elsewhere (another port of the same host included) can neither read nor
// trigger anything. Programs (curl, servers) send no Origin and are not affected.
import type { IncomingMessage } from 'node:http';

export interface OriginPolicy {
  /** True when the request carries no Origin, or an allowed one. */
  allows(req: Pick<IncomingMessage, 'headers'>): boolean;
  /** The allowed origin of a request (for Access-Control-Allow-Origin), or null. */
  corsOrigin(origin: string | null | undefined): string | null;
}

export function createOriginPolicy(allowed: string[]): OriginPolicy {
  const set = new Set(allowed.map((o) => o.replace(/\/$/, '').toLowerCase()));
  const isAllowed = (origin: string, host: string | undefined) => {
    const o = origin.toLowerCase();
    if (set.has(o)) return true;
    // the address the server was reached on (a browser on http://127.0.0.1:4000 talks to itself)
    return !!host && (o === `http://${host.toLowerCase()}` || o === `https://${host.toLowerCase()}`);
  };
  return {
    allows(req) {
      const origin = req.headers.origin;
      if (origin === undefined) return true;
      return isAllowed(origin, req.headers.host);
    },
    corsOrigin(origin) {
      if (!origin) return null;
      return set.has(origin.toLowerCase()) ? origin : null;
    },
  };
}
