import type { AccountStatus } from '../account/account-state';
import type { JsonObject } from '../shared/json';

/** A rule breached by events decided concurrently, recorded by the merge (nothing is undone). */
export interface PolicyBreach {
  readonly rule: 'withdrawal-while-frozen';
  /** The money movement that would have been refused had its region known. */
  readonly eventId: string;
  /** The freeze it crossed. */
  readonly freezeEventId: string;
}

/**
 * What an account merge decided: the part that folding the merge event applies
 * (`reopen`, `balanceAdjustment`), and the audit part (`rules`, `breaches`,
 * `notes`, `before`/`after`: the state diff). Folding applies the recorded
 * outcome, never the resolver again: replay reproduces old decisions.
 */
export interface AccountMergeOutcome {
  /** Resolver rules that fired, as `name@version`, e.g. `ledger.overdraft@1`. */
  readonly rules: readonly string[];
  /** A closed account that money reached concurrently opens again. */
  readonly reopen: boolean;
  /** Signed minor units the merge moves (a fee is negative); `"0"` for none. */
  readonly balanceAdjustment: string;
  readonly breaches: readonly PolicyBreach[];
  readonly notes: readonly string[];
  readonly before: Readonly<{ status: AccountStatus; balance: string }>;
  readonly after: Readonly<{ status: AccountStatus; balance: string }>;
}

const STATUSES: readonly string[] = ['open', 'overdrawn', 'frozen', 'closed'];
const SIGNED_MINOR_UNITS = /^(0|-?[1-9][0-9]{0,37})$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export function outcomeToJson(outcome: AccountMergeOutcome): JsonObject {
  return {
    rules: [...outcome.rules],
    reopen: outcome.reopen,
    balanceAdjustment: outcome.balanceAdjustment,
    breaches: outcome.breaches.map((breach) => ({ ...breach })),
    notes: [...outcome.notes],
    before: { ...outcome.before },
    after: { ...outcome.after },
  };
}

/**
 * Reads a recorded outcome (it may come from a peer). `null` when it is not
 * one: every geode then skips the same merge, so they still agree.
 */
export function readMergeOutcome(value: unknown): AccountMergeOutcome | null {
  if (!isObject(value)) return null;
  const { rules, reopen, balanceAdjustment, breaches, notes, before, after } = value;
  if (!isTextList(rules) || !isTextList(notes) || typeof reopen !== 'boolean') return null;
  if (typeof balanceAdjustment !== 'string' || !SIGNED_MINOR_UNITS.test(balanceAdjustment))
    return null;
  if (!Array.isArray(breaches) || !breaches.every(isBreach)) return null;
  if (!isStatusAndBalance(before) || !isStatusAndBalance(after)) return null;
  return { rules, reopen, balanceAdjustment, breaches, notes, before, after };
}

/**
 * What an operator may decide for a manual fork: the applied part only (the
 * audit part is computed when the merge is planned). Missing fields mean no change.
 */
export function readOperatorDecision(
  value: unknown,
): { ok: true; reopen: boolean; balanceAdjustment: string } | { ok: false; problem: string } {
  if (!isObject(value)) return { ok: false, problem: 'outcome must be an object' };
  const unknown = Object.keys(value).filter((k) => k !== 'reopen' && k !== 'balanceAdjustment');
  if (unknown.length > 0) return { ok: false, problem: `outcome.${unknown[0]} is not allowed` };
  const reopen = value.reopen ?? false;
  const balanceAdjustment = value.balanceAdjustment ?? '0';
  if (typeof reopen !== 'boolean')
    return { ok: false, problem: 'outcome.reopen must be a boolean' };
  if (typeof balanceAdjustment !== 'string' || !SIGNED_MINOR_UNITS.test(balanceAdjustment))
    return {
      ok: false,
      problem: 'outcome.balanceAdjustment must be signed minor units as a string, e.g. "-500"',
    };
  return { ok: true, reopen, balanceAdjustment };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function isBreach(value: unknown): value is PolicyBreach {
  return (
    isObject(value) &&
    value.rule === 'withdrawal-while-frozen' &&
    typeof value.eventId === 'string' &&
    UUID.test(value.eventId) &&
    typeof value.freezeEventId === 'string' &&
    UUID.test(value.freezeEventId)
  );
}

function isStatusAndBalance(value: unknown): value is { status: AccountStatus; balance: string } {
  return (
    isObject(value) &&
    typeof value.status === 'string' &&
    STATUSES.includes(value.status) &&
    typeof value.balance === 'string' &&
    SIGNED_MINOR_UNITS.test(value.balance)
  );
}
