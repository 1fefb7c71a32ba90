/** Stable problem types of refused operator requests (ADR 0003 slugs; ADR 0014). */
export type OperatorAuthProblemType =
  | 'operator-authentication-required'
  | 'operator-authentication-failed'
  | 'operator-authentication-not-configured';

const STATUS: Record<OperatorAuthProblemType, number> = {
  'operator-authentication-required': 401,
  'operator-authentication-failed': 401,
  'operator-authentication-not-configured': 403,
};

/**
 * An operator request refused. `message` is the detail shown to the caller;
 * `reason` is a finer, stable word for the security log (`no-header`,
 * `unknown-token`, …). Neither ever holds the presented token.
 */
export class OperatorAuthenticationError extends Error {
  override readonly name = 'OperatorAuthenticationError';
  readonly status: number;

  constructor(
    readonly code: OperatorAuthProblemType,
    readonly reason: string,
    detail: string,
  ) {
    super(detail);
    this.status = STATUS[code];
  }
}
