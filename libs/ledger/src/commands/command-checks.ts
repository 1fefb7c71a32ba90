import { amountProblem } from '../money/minor-units';
import { LedgerError } from '../shared/ledger-error';
import { eventIdRule, regionRule, timestampRule, type Rule } from '../shared/field-rules';
import type { CommandMetadata } from './command';

/**
 * Commands come from callers (HTTP, CLI, other services), so a decider checks
 * them itself: types say what callers should send, not what they did.
 */
export function checked<T>(field: string, rule: Rule<T>, value: unknown): T {
  const result = rule(value);
  if (!result.ok) throw new LedgerError('validation', `${field} ${result.error}`, { field });
  return result.value;
}

export function checkedAmount(field: string, amount: unknown): bigint {
  const problem = amountProblem(amount);
  if (problem !== null) throw new LedgerError('validation', `${field} ${problem}`, { field });
  return amount as bigint;
}

export function checkedMetadata(metadata: CommandMetadata): CommandMetadata {
  if (typeof metadata !== 'object' || metadata === null) {
    throw new LedgerError('validation', 'metadata must hold eventId, at and region', {
      field: 'metadata',
    });
  }
  return {
    eventId: checked('metadata.eventId', eventIdRule, metadata.eventId),
    at: checked('metadata.at', timestampRule, metadata.at),
    region: checked('metadata.region', regionRule, metadata.region),
  };
}

/** People type names with stray spaces; events hold them trimmed. */
export function trimmed(value: unknown): unknown {
  return typeof value === 'string' ? value.trim() : value;
}
