import { LedgerError } from '../shared/ledger-error';
import { failure, ok, type Result } from '../shared/result';

/**
 * Largest amount or balance, in minor units: a PostgreSQL `bigint`, so every
 * read model and every peer can hold any value the ledger accepts.
 */
export const MAX_MINOR_UNITS = 2n ** 63n - 1n;

// One spelling per amount: canonical JSON is hashed, so "0100" and "100"
// must not both be valid encodings of the same value.
const POSITIVE_DECIMAL = /^[1-9][0-9]*$/;
const MAX_DIGITS = MAX_MINOR_UNITS.toString().length;

/**
 * Reads an amount of money written as a decimal string of minor units
 * (`"1250"` = 12.50 EUR). Refuses zero, signs, fractions, exponents,
 * whitespace, leading zeros and anything above {@link MAX_MINOR_UNITS}.
 */
export function parseMinorUnits(text: unknown): Result<bigint, LedgerError> {
  if (typeof text !== 'string') {
    return refused(`an amount must be a string of minor units, got ${typeof text}`);
  }
  if (!POSITIVE_DECIMAL.test(text) || text.length > MAX_DIGITS) {
    return refused(
      `amount ${JSON.stringify(truncate(text))} is not a whole number of minor units between 1 and ${MAX_MINOR_UNITS}`,
    );
  }
  const value = BigInt(text);
  if (value > MAX_MINOR_UNITS) {
    return refused(`amount ${text} is above the largest amount, ${MAX_MINOR_UNITS}`);
  }
  return ok(value);
}

/** Problem with an amount already in memory, or `null` when it can be moved. */
export function amountProblem(amount: unknown): string | null {
  if (typeof amount !== 'bigint') return `must be a bigint of minor units, got ${typeof amount}`;
  if (amount <= 0n) return `must be at least 1 minor unit, got ${amount}`;
  if (amount > MAX_MINOR_UNITS) return `must be at most ${MAX_MINOR_UNITS} minor units`;
  return null;
}

/** Writes minor units as JSON carries them: a decimal string, never a number. */
export function formatMinorUnits(amount: bigint): string {
  return amount.toString(10);
}

function refused(message: string): Result<bigint, LedgerError> {
  return failure(new LedgerError('validation', message));
}

function truncate(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
