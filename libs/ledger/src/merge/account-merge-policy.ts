import type { AccountState, OpenedAccount } from '../account/account-state';
import { ACCOUNT_CATEGORY, ACCOUNT_MERGE_POLICY } from '../account/account-stream';
import {
  foldAccountStream,
  MERGE_EVENT_TYPE,
  type AccountStreamEvent,
} from '../account/canonical-fold';
import { parseAccountEvent } from '../events/account-event-registry';
import { compareCanonicalOrder } from '../read-model/canonical-order';
import type { AccountEvent } from '../events/account-event';
import type { JsonObject } from '../shared/json';
import {
  outcomeToJson,
  readOperatorDecision,
  type AccountMergeOutcome,
  type PolicyBreach,
} from './account-merge-outcome';

/** What the overdraft rule adds when concurrent withdrawals overdraw: a review flag, or a fee too. */
export type OverdraftCompensation =
  Readonly<{ kind: 'flag-for-review' }> | Readonly<{ kind: 'fee'; amount: bigint }>;

export interface AccountMergeOptions {
  overdraftCompensation?: OverdraftCompensation;
  /**
   * The resolver's version. Version 1 is the rules below; a deployment that
   * changes them (e.g. starts charging a fee) must bump it: forks merged before
   * keep their recorded outcome, new forks record the new version.
   */
  resolverVersion?: number;
}

type ResolverInput = Readonly<{
  ancestor: AccountState;
  branches: readonly (readonly AccountStreamEvent[])[];
  provisional: AccountState;
  events: readonly AccountStreamEvent[];
}>;

type OperatorInput = Readonly<{
  provisional: AccountState;
  events: readonly AccountStreamEvent[];
}>;

type Decision =
  | Readonly<{ kind: 'resolved'; outcome: JsonObject; compensations: JsonObject[] }>
  | Readonly<{ kind: 'manual'; reason: string }>;

/** The rule names the event registry declares (`merge: { kind: 'resolver', … }`). */
export const OVERDRAFT_RULE = 'ledger.overdraft';
export const CLOSED_WITH_BALANCE_RULE = 'ledger.closed-with-balance';
export const DUPLICATE_OPEN_RULE = 'ledger.duplicate-open';
export const FROZEN_WITHDRAWAL_RULE = 'ledger.frozen-withdrawal';
export const ACCOUNT_RESOLVER_NAME = 'ledger.account';

/**
 * The account streams' merge policy (DESIGN.md §4), in the shape
 * `@geode/merge`'s `MergePolicy` takes (structurally: the domain imports
 * nothing). Field rules come from the canonical fold: balance as a counter,
 * owner name/email last-writer-wins, tags add-wins. The resolver
 * `ledger.account` settles the invariants, one named rule each:
 * - `ledger.overdraft`: concurrent withdrawals that together overdraw stand (money
 *   always moves); the account shows the negative balance, status `overdrawn`,
 *   and a compensation: a review flag (default) or a configured fee as well;
 * - `ledger.closed-with-balance`: a close concurrent with money moving in (or out):
 *   the money wins, the account opens again, with a note;
 * - `ledger.frozen-withdrawal`: money out concurrent with a freeze stands and is
 *   recorded as a policy breach;
 * - `ledger.duplicate-open`: two openings of one account with different facts wait
 *   for an operator (manual); identical ones just keep the earliest.
 */
export function accountMergePolicy(options: AccountMergeOptions = {}) {
  const compensation = options.overdraftCompensation ?? { kind: 'flag-for-review' };
  const version = options.resolverVersion ?? 1;
  if (compensation.kind === 'fee' && compensation.amount <= 0n)
    throw new RangeError('an overdraft fee must be at least 1 minor unit');
  return {
    id: ACCOUNT_MERGE_POLICY,
    category: ACCOUNT_CATEGORY,
    resolver: { name: ACCOUNT_RESOLVER_NAME, version },
    fold: (events: readonly AccountStreamEvent[]) => foldAccountStream(events),
    firstHome: (events: readonly AccountStreamEvent[]) => firstHomeOf(events),
    resolve: (input: ResolverInput): Decision => resolveAccountFork(input, compensation, version),
    readOperatorOutcome: (outcome: unknown, input: OperatorInput) =>
      readOperatorOutcome(outcome, input),
  };
}

export type AccountMergePolicy = ReturnType<typeof accountMergePolicy>;

/** The home the account was opened with: its first readable opening in canonical order. */
function firstHomeOf(events: readonly AccountStreamEvent[]): string | null {
  for (const stored of [...events].sort(compareCanonicalOrder)) {
    if (stored.type !== 'ledger.AccountOpened') continue;
    const parsed = parseAccountEvent(stored);
    if (parsed.ok && parsed.value.type === 'ledger.AccountOpened')
      return parsed.value.data.homeRegion;
  }
  return null;
}

function resolveAccountFork(
  { branches, provisional, events: held }: ResolverInput,
  compensation: OverdraftCompensation,
  version: number,
): Decision {
  const concurrent = distinctEvents(branches);
  const events = concurrent.flatMap((stored) => {
    const parsed = parseAccountEvent(stored);
    return parsed.ok ? [{ stored, event: parsed.value }] : [];
  });
  const openings = events.filter(({ event }) => event.type === 'ledger.AccountOpened');
  if (openings.length > 1 && new Set(openings.map(({ stored }) => factsOf(stored))).size > 1)
    return {
      kind: 'manual',
      reason: `${DUPLICATE_OPEN_RULE}: ${openings.length} concurrent openings with different owner, currency or residency`,
    };
  if (provisional.status === 'not-opened')
    return { kind: 'resolved', outcome: outcomeToJson(noChange(provisional)), compensations: [] };

  const rules: string[] = [];
  const notes: string[] = [];
  const compensations: JsonObject[] = [];
  let reopen = false;
  let adjustment = 0n;
  if (openings.length > 1) {
    rules.push(`${DUPLICATE_OPEN_RULE}@${version}`);
    notes.push('identical concurrent openings: the earliest in canonical order stands');
  }

  const breaches = frozenWithdrawals(events);
  if (breaches.length > 0) {
    rules.push(`${FROZEN_WITHDRAWAL_RULE}@${version}`);
    notes.push(`${breaches.length} withdrawal(s) decided concurrently with a freeze stand`);
  }

  if (provisional.status === 'closed' && provisional.balance !== 0n) {
    rules.push(`${CLOSED_WITH_BALANCE_RULE}@${version}`);
    reopen = true;
    notes.push('money moved concurrently with the close: the account is open again');
    compensations.push({ kind: 'reopen', reason: 'closed with a balance' });
  }

  const movedOut = events.some(({ event }) => isMoneyOut(event));
  if (provisional.balance < 0n && movedOut) {
    rules.push(`${OVERDRAFT_RULE}@${version}`);
    notes.push(`concurrent withdrawals overdrew the account to ${provisional.balance}`);
    compensations.push({ kind: 'flag-for-review', reason: 'overdrawn by concurrent withdrawals' });
    if (compensation.kind === 'fee') {
      adjustment -= compensation.amount;
      compensations.push({ kind: 'fee', amount: compensation.amount.toString() });
    }
  }

  const outcome = describe(held, provisional, {
    rules,
    reopen,
    balanceAdjustment: adjustment.toString(),
    breaches,
    notes,
  });
  return { kind: 'resolved', outcome: outcomeToJson(outcome), compensations };
}

function readOperatorOutcome(
  value: unknown,
  { provisional, events }: OperatorInput,
): { ok: true; outcome: JsonObject } | { ok: false; problem: string } {
  const decision = readOperatorDecision(value);
  if (!decision.ok) return decision;
  if (provisional.status === 'not-opened')
    return { ok: false, problem: 'the account is not opened: there is nothing to decide' };
  const outcome = describe(events, provisional, {
    rules: ['manual'],
    reopen: decision.reopen,
    balanceAdjustment: decision.balanceAdjustment,
    breaches: [],
    notes: [],
  });
  return { ok: true, outcome: outcomeToJson(outcome) };
}

/**
 * Fills `before`/`after` (the state diff an auditor reads) by folding the
 * stream with the merge applied, exactly as every geode will fold it.
 */
function describe(
  events: readonly AccountStreamEvent[],
  provisional: OpenedAccount,
  applied: Omit<AccountMergeOutcome, 'before' | 'after'>,
): AccountMergeOutcome {
  const before = { status: provisional.status, balance: provisional.balance.toString() };
  const draft: AccountMergeOutcome = { ...applied, before, after: before };
  const after = foldAccountStream([...events, draftMerge(events, draft)]);
  if (after.status === 'not-opened') return draft;
  return { ...draft, after: { status: after.status, balance: after.balance.toString() } };
}

/** A stand-in for the merge event: after every event, having seen them all. */
function draftMerge(
  events: readonly AccountStreamEvent[],
  outcome: AccountMergeOutcome,
): AccountStreamEvent {
  const deps: Record<string, number> = {};
  let last = { wallMs: 0, logical: 0 };
  for (const event of events) {
    for (const [region, n] of [
      ...Object.entries(event.deps),
      [event.dot.region, event.dot.n] as const,
    ])
      deps[region] = Math.max(deps[region] ?? 0, n);
    if (
      event.hlc.wallMs > last.wallMs ||
      (event.hlc.wallMs === last.wallMs && event.hlc.logical > last.logical)
    )
      last = event.hlc;
  }
  return {
    eventId: 'ffffffff-ffff-4fff-bfff-ffffffffffff',
    type: MERGE_EVENT_TYPE,
    schemaVersion: 1,
    data: { outcome: outcomeToJson(outcome) },
    dot: { region: 'zzzz', n: 1 },
    deps,
    hlc: { wallMs: last.wallMs, logical: last.logical + 1 },
  };
}

function noChange(state: AccountState): AccountMergeOutcome {
  const status = state.status === 'not-opened' ? 'open' : state.status;
  const balance = state.status === 'not-opened' ? '0' : state.balance.toString();
  return {
    rules: [],
    reopen: false,
    balanceAdjustment: '0',
    breaches: [],
    notes: ['no account opened yet: nothing to settle'],
    before: { status, balance },
    after: { status, balance },
  };
}

function frozenWithdrawals(
  events: readonly { stored: AccountStreamEvent; event: AccountEvent }[],
): PolicyBreach[] {
  const freezes = events.filter(({ event }) => event.type === 'ledger.AccountFrozen');
  const breaches: PolicyBreach[] = [];
  for (const { stored, event } of events) {
    if (!isMoneyOut(event)) continue;
    const crossed = freezes.find(({ stored: freeze }) => isConcurrent(freeze, stored));
    if (crossed)
      breaches.push({
        rule: 'withdrawal-while-frozen',
        eventId: stored.eventId,
        freezeEventId: crossed.stored.eventId,
      });
  }
  return breaches.sort((a, b) => (a.eventId < b.eventId ? -1 : 1));
}

function isMoneyOut(event: AccountEvent): boolean {
  return event.type === 'ledger.FundsWithdrawn' || event.type === 'ledger.TransferSent';
}

function isConcurrent(a: AccountStreamEvent, b: AccountStreamEvent): boolean {
  const seen = (x: AccountStreamEvent, y: AccountStreamEvent) =>
    x.dot.region === y.dot.region ? x.dot.n < y.dot.n : (y.deps[x.dot.region] ?? 0) >= x.dot.n;
  return !seen(a, b) && !seen(b, a);
}

function distinctEvents(
  branches: readonly (readonly AccountStreamEvent[])[],
): AccountStreamEvent[] {
  const byId = new Map<string, AccountStreamEvent>();
  for (const branch of branches) for (const event of branch) byId.set(event.eventId, event);
  return [...byId.values()];
}

function factsOf(stored: AccountStreamEvent): string {
  const data = stored.data as Record<string, unknown>;
  return JSON.stringify([
    data.ownerName,
    data.ownerEmail,
    data.currency,
    data.residency,
    data.homeRegion,
  ]);
}
