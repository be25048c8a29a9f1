// A fixed-window failure counter per key (login id, client address). In-process: with
// several processes each one counts separately (documented in the README).

export interface RateLimiter {
  /** Seconds until `key` may try again, or 0 when it may. */
  blockedFor(key: string, now?: number): number;
  fail(key: string, now?: number): void;
  reset(key: string): void;
}

export function createRateLimiter(opts: { max: number; windowMs: number }): RateLimiter {
  const hits = new Map<string, { count: number; resetAt: number }>();
  const sweep = (now: number) => {
    if (hits.size < 10_000) return;
    for (const [k, v] of hits) if (v.resetAt <= now) hits.delete(k);
  };
  return {
    blockedFor(key, now = Date.now()) {
      const h = hits.get(key);
      if (!h || h.resetAt <= now) return 0;
      return h.count >= opts.max ? Math.ceil((h.resetAt - now) / 1000) : 0;
    },
    fail(key, now = Date.now()) {
      sweep(now);
      const h = hits.get(key);
      if (!h || h.resetAt <= now) hits.set(key, { count: 1, resetAt: now + opts.windowMs });
      else h.count += 1;
    },
    reset(key) {
      hits.delete(key);
    },
  };
}
