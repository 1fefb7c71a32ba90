import { isCurrencyCode, type CurrencyCode } from '../money/currency';
import { parseMinorUnits } from '../money/minor-units';
import { failure, ok, type Result } from './result';

/**
 * A check of one field of untrusted input. The error is a phrase that follows
 * the field's name ("must be a region id such as eu-west-1"). Commands and
 * stored events share these rules, so whatever a decider writes, every geode
 * reads back.
 */
export type Rule<T> = (value: unknown) => Result<T, string>;

// The id part of a stream id (`account-<id>`), as the event store accepts it.
const ENTITY_ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const TAG = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
// What `Date.prototype.toISOString` writes: one spelling per instant.
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
// C0 and C1 control characters (U+0000–U+001F, U+007F–U+009F).
const CONTROL = /\p{Cc}/u;
// In a `u` regex surrogate pairs are one code point, so this finds only lone
// halves, which canonical JSON refuses (docs/canonical-encoding.md §2.3).
const LONE_SURROGATE = /\p{Cs}/u;

export const MAX_REGIONS = 32;
export const MAX_OWNER_NAME_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_REASON_LENGTH = 500;

export const accountIdRule: Rule<string> = matching(
  ENTITY_ID,
  'must be 1–200 letters, digits or _ . : - (starting with a letter or digit)',
);

export const transferIdRule: Rule<string> = matching(
  ENTITY_ID,
  'must be 1–200 letters, digits or _ . : - (starting with a letter or digit)',
);

export const eventIdRule: Rule<string> = matching(UUID, 'must be a UUID');

export const regionRule: Rule<string> = (value) =>
  typeof value === 'string' && REGION.test(value) && value.length <= 63
    ? ok(value)
    : failure(`must be a region id such as eu-west-1, got ${describeValue(value)}`);

/** Residency as events hold it: distinct regions in ascending order, so equal sets encode equally. */
export const regionListRule: Rule<readonly string[]> = (value) => {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_REGIONS) {
    return failure(`must be a list of 1–${MAX_REGIONS} region ids`);
  }
  const regions: string[] = [];
  for (const [index, item] of (value as unknown[]).entries()) {
    const region = regionRule(item);
    if (!region.ok) return failure(`[${index}] ${region.error}`);
    if (index > 0 && regions[index - 1] >= region.value) {
      return failure('must list distinct regions in ascending order');
    }
    regions.push(region.value);
  }
  return ok(regions);
};

export const currencyRule: Rule<CurrencyCode> = (value) =>
  isCurrencyCode(value)
    ? ok(value)
    : failure(`must be an active ISO 4217 currency code such as EUR, got ${describeValue(value)}`);

export const ownerNameRule: Rule<string> = text(MAX_OWNER_NAME_LENGTH);

export const reasonRule: Rule<string> = text(MAX_REASON_LENGTH);

export const emailRule: Rule<string> = (value) =>
  typeof value === 'string' &&
  value.length <= MAX_EMAIL_LENGTH &&
  EMAIL.test(value) &&
  !CONTROL.test(value) &&
  !LONE_SURROGATE.test(value)
    ? ok(value)
    : failure(`must be an email address such as ada@example.com, got ${describeValue(value)}`);

export const tagRule: Rule<string> = matching(
  TAG,
  'must be 1–64 lowercase letters, digits or . _ : - (starting with a letter or digit)',
);

/** An instant in UTC as `toISOString` writes it, e.g. `2026-01-02T03:04:05.000Z`. */
export const timestampRule: Rule<string> = (value) =>
  typeof value === 'string' && TIMESTAMP.test(value) && isRealInstant(value)
    ? ok(value)
    : failure(
        `must be a UTC timestamp such as 2026-01-02T03:04:05.000Z, got ${describeValue(value)}`,
      );

/** Money in event data: kept as its decimal string, checked to be a valid amount. */
export const minorUnitsTextRule: Rule<string> = (value) => {
  const amount = parseMinorUnits(value);
  return amount.ok ? ok(value as string) : failure(`is invalid: ${amount.error.message}`);
};

export function nullable<T>(rule: Rule<T>): Rule<T | null> {
  return (value) => (value === null ? ok(null) : rule(value));
}

function matching(pattern: RegExp, expectation: string): Rule<string> {
  return (value) =>
    typeof value === 'string' && pattern.test(value)
      ? ok(value)
      : failure(`${expectation}, got ${describeValue(value)}`);
}

/** Free text a person typed: trimmed, not empty, printable. */
function text(maxLength: number): Rule<string> {
  return (value) => {
    if (typeof value !== 'string') return failure(`must be a string, got ${describeValue(value)}`);
    if (value.length === 0 || value.length > maxLength) {
      return failure(`must be 1–${maxLength} characters, got ${value.length}`);
    }
    if (value !== value.trim()) return failure('must not start or end with white space');
    if (CONTROL.test(value)) return failure('must not contain control characters');
    if (LONE_SURROGATE.test(value)) return failure('must be well-formed Unicode text');
    return ok(value);
  };
}

function isRealInstant(timestamp: string): boolean {
  // Rejects 2026-02-30 and 24:00: Date would roll them over to another day.
  const ms = Date.parse(timestamp);
  return Number.isFinite(ms) && new Date(ms).toISOString() === timestamp;
}

/** A short, safe rendering of a refused value for a message. */
function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'bigint') return `${value}n`;
  if (value === null || typeof value !== 'object') return String(value);
  return Array.isArray(value) ? 'an array' : 'an object';
}
