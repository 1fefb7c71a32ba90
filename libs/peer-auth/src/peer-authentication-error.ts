/** Stable problem types of refused peer requests (ADR 0003 slugs; ADR 0009). */
export type PeerAuthProblemType =
  | 'peer-authentication-required'
  | 'peer-authentication-failed'
  | 'peer-not-allowed'
  | 'peer-identity-mismatch'
  | 'peer-authentication-not-configured'
  | 'peer-authentication-unavailable';

const STATUS: Record<PeerAuthProblemType, number> = {
  'peer-authentication-required': 401,
  'peer-authentication-failed': 401,
  'peer-not-allowed': 403,
  'peer-identity-mismatch': 403,
  'peer-authentication-not-configured': 403,
  'peer-authentication-unavailable': 503,
};

/** What a refusal says about the caller, for the security log only. */
export interface RefusalContext {
  claimedRegion?: string;
  certificateRegion?: string;
}

/**
 * A peer request refused. `message` is the detail shown to the caller (it
 * says what to fix without saying which regions or keys exist); `reason` is a
 * finer, stable word for the security log (`stale-timestamp`, `replayed`, …).
 */
export class PeerAuthenticationError extends Error {
  override readonly name = 'PeerAuthenticationError';
  readonly status: number;

  constructor(
    readonly code: PeerAuthProblemType,
    readonly reason: string,
    detail: string,
    readonly context: RefusalContext = {},
  ) {
    super(detail);
    this.status = STATUS[code];
  }
}
