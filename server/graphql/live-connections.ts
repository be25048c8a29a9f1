// Every open WebSocket and HTTP stream (SSE) of a signed-in caller, by credential, so that
// logging out, revoking a token, disabling an account or a session's expiry ends them within a
// second, in every process (the revocation travels as a `credentialRevoked` event, through
// Redis when configured). Also counts sockets per client address and per account (caps).
import type { CredentialRevokedEvent, Events } from '../events/events.ts';
import { CREDENTIAL_SCOPE } from '../events/events.ts';
import type { Viewer } from '../services/types.ts';

/** Close codes: 4403 the credential ended; 4429 too many connections. */
export const CLOSE_REVOKED = 4403;
export const CLOSE_TOO_MANY = 4429;

export interface LiveConnection {
  viewer: Viewer | null;
  address: string | null;
  /** Ends the socket or stream (code/reason for WebSockets). */
  close(code: number, reason: string): void;
}

export interface LiveConnections {
  /** Registers a connection; returns its removal. Schedules its close at the credential's expiry. */
  add(conn: LiveConnection): () => void;
  countByAddress(address: string | null): number;
  countByAccount(accountId: string): number;
  /** Closes every connection of a credential in this process (called for each revocation event). */
  revoke(e: CredentialRevokedEvent): number;
  size(): number;
  stop(): void;
}

const MAX_TIMER = 2 ** 31 - 1;

function matches(v: Viewer | null, e: CredentialRevokedEvent): boolean {
  if (!v) return false;
  if (e.kind === 'account') return v.accountId === e.id;
  if (e.kind === 'session') return v.sessionId === e.id;
  return v.tokenId === e.id;
}

const REASON: Record<CredentialRevokedEvent['reason'], string> = {
  logout: 'Signed out',
  revoked: 'API token revoked',
  disabled: 'Account disabled',
  expired: 'Credential expired',
  password: 'Password changed',
};

export function createLiveConnections(
  events: Events,
  opts: { now: () => Date; log?: (level: 'warn', msg: string, extra?: Record<string, unknown>) => void },
): LiveConnections {
  const all = new Set<LiveConnection>();
  const byAddress = new Map<string, number>();
  const byAccount = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string | null | undefined, d: number) => {
    if (!k) return;
    const n = (m.get(k) ?? 0) + d;
    if (n <= 0) m.delete(k);
    else m.set(k, n);
  };

  const revoke = (e: CredentialRevokedEvent) => {
    let n = 0;
    for (const c of [...all]) {
      if (!matches(c.viewer, e)) continue;
      n += 1;
      try {
        c.close(CLOSE_REVOKED, REASON[e.reason]);
      } catch {
        /* already closed */
      }
    }
    return n;
  };

  // listen for revocations from every process (Redis fan-out) and from this one
  // in the publisher's step (events/live-hub.ts listen): a burst of revocations never queues
  const unlisten = events.live.listen<CredentialRevokedEvent>('credentialRevoked', CREDENTIAL_SCOPE, revoke);

  return {
    add(conn) {
      all.add(conn);
      bump(byAddress, conn.address, 1);
      bump(byAccount, conn.viewer?.accountId, 1);
      let timer: NodeJS.Timeout | undefined;
      const expiresAt = conn.viewer?.expiresAt;
      if (expiresAt) {
        const ms = expiresAt.getTime() - opts.now().getTime();
        if (ms <= 0) conn.close(CLOSE_REVOKED, REASON.expired);
        else if (ms < MAX_TIMER) {
          timer = setTimeout(() => conn.close(CLOSE_REVOKED, REASON.expired), ms);
          timer.unref();
        }
      }
      let removed = false;
      return () => {
        if (removed) return;
        removed = true;
        if (timer) clearTimeout(timer);
        all.delete(conn);
        bump(byAddress, conn.address, -1);
        bump(byAccount, conn.viewer?.accountId, -1);
      };
    },
    countByAddress: (a) => (a ? (byAddress.get(a) ?? 0) : 0),
    countByAccount: (id) => byAccount.get(id) ?? 0,
    revoke,
    size: () => all.size,
    stop: unlisten,
  };
}
