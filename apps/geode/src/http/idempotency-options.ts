/** How long idempotency keys live; the defaults suit the account API. */
export interface IdempotencyOptions {
  /** How long a key is remembered after its first use. Default 24 h. */
  retentionMs?: number;
  /**
   * How long a claimed key may stay unanswered before a retry of the same
   * request may take it over: the process that claimed it is presumed dead
   * (killed between claiming and answering). Default 60 s, far above any
   * request's run time, so a slow request is not run twice.
   */
  inFlightLeaseMs?: number;
  /** How often expired keys are deleted. Default 10 min. */
  sweepIntervalMs?: number;
  /** Larger responses are not kept for replay (the claim is released). Default 1 MiB. */
  maxStoredResponseBytes?: number;
}

export type ResolvedIdempotencyOptions = Required<IdempotencyOptions>;

export const IDEMPOTENCY_OPTIONS = Symbol('IDEMPOTENCY_OPTIONS');

const DEFAULTS: ResolvedIdempotencyOptions = {
  retentionMs: 24 * 60 * 60 * 1000,
  inFlightLeaseMs: 60_000,
  sweepIntervalMs: 10 * 60 * 1000,
  maxStoredResponseBytes: 1024 * 1024,
};

/** Fills in the defaults; a value that is not a positive whole number stops start-up. */
export function resolveIdempotencyOptions(
  options: IdempotencyOptions = {},
): ResolvedIdempotencyOptions {
  const resolved = { ...DEFAULTS };
  for (const name of Object.keys(DEFAULTS) as (keyof IdempotencyOptions)[]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value <= 0)
      throw new Error(`idempotency option ${name} must be a positive whole number (got ${value})`);
    resolved[name] = value;
  }
  return resolved;
}
