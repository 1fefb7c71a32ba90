/**
 * Stable codes of the ledger's refusals. The HTTP layer maps each to a problem
 * type (RFC 9457), so a code is never renamed once shipped.
 */
export const LEDGER_ERROR_CODES = [
  'validation',
  'not-found',
  'already-exists',
  'insufficient-funds',
  'account-frozen',
  'account-closed',
  'balance-not-zero',
  'currency-mismatch',
  'residency-violation',
] as const;

export type LedgerErrorCode = (typeof LEDGER_ERROR_CODES)[number];

/** Facts a client can act on, e.g. `{ accountId, allowedRegions }`; safe to show. */
export type LedgerErrorDetails = Readonly<Record<string, string | readonly string[]>>;

/** A refused command or malformed input; the message names the problem. */
export class LedgerError extends Error {
  override readonly name: string = 'LedgerError';

  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: LedgerErrorDetails = {},
  ) {
    super(message);
  }
}

/** Where in an event's data a stored or replicated event is malformed. */
export class InvalidEventData extends LedgerError {
  override readonly name = 'InvalidEventData';

  constructor(
    readonly eventType: string,
    readonly path: string,
    readonly problem: string,
  ) {
    super('validation', `${eventType} event: ${path} ${problem}`, { eventType, path });
  }
}

export function isLedgerError(error: unknown, code?: LedgerErrorCode): error is LedgerError {
  return error instanceof LedgerError && (code === undefined || error.code === code);
}
