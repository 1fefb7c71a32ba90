export interface BackoffPolicy {
  /** Delay ceiling of the first retry, ms. */
  baseMs: number;
  /** No delay is longer than this, ms. */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { baseMs: 100, capMs: 30_000 };

/**
 * Capped exponential backoff with full jitter: a uniform delay in
 * [0, min(cap, base·2^attempt)). Jitter keeps geodes that lost the same peer
 * from all reconnecting in the same instant.
 */
export function reconnectDelayMs(
  attempt: number,
  policy: BackoffPolicy = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
