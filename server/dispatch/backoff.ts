// Exponential backoff with jitter for temporary send failures.

export interface BackoffPolicy {
  /** Delay after the first failed attempt (before jitter). */
  retryBaseMs: number;
  /** Upper bound of any delay. */
  retryMaxMs: number;
}

/**
 * Delay before attempt `failedAttempt + 1`: base × 2^(failedAttempt − 1), capped, then "equal
 * jitter" (a random point in the upper half) so that a thousand rows that failed together when the
 * SMTP server went away do not come back in one burst. A provider's Retry-After is a floor.
 */
export function retryDelayMs(
  failedAttempt: number,
  policy: BackoffPolicy,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(policy.retryMaxMs, policy.retryBaseMs * 2 ** Math.max(0, failedAttempt - 1));
  const jittered = exp / 2 + (exp / 2) * Math.min(1, Math.max(0, random()));
  const floor =
    retryAfterMs !== undefined && Number.isFinite(retryAfterMs) ? Math.min(retryAfterMs, policy.retryMaxMs) : 0;
  return Math.round(Math.max(jittered, floor));
}
