import { foldAccountStream, type AccountStreamEvent } from '../account/canonical-fold';
import type { OpenedAccount } from '../account/account-state';
import { accountMergePolicy } from './account-merge-policy';
import { readMergeOutcome } from './account-merge-outcome';

// Hand-built streams: envelope fields as the store would hold them.
let counter = 0;
const id = () => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;
const at = '2026-01-01T00:00:00.000Z';
const ev = (
  region: string,
  n: number,
  deps: Record<string, number>,
  wallMs: number,
  type: string,
  data: Record<string, unknown>,
): AccountStreamEvent => ({
  eventId: id(),
  type,
  schemaVersion: 1,
  data: { accountId: 'a1', at, ...data },
  dot: { region, n },
  deps,
  hlc: { wallMs, logical: 0 },
});
const opened = () =>
  ev('eu', 1, {}, 1, 'ledger.AccountOpened', {
    ownerName: 'Ada',
    ownerEmail: null,
    currency: 'EUR',
    residency: null,
    homeRegion: 'eu',
  });
const deposited = () => ev('eu', 2, { eu: 1 }, 2, 'ledger.FundsDeposited', { amount: '100' });

/** The fork, folded and resolved as the merger would, then the merge applied. */
function settle(
  policy: ReturnType<typeof accountMergePolicy>,
  ancestors: AccountStreamEvent[],
  branches: AccountStreamEvent[][],
) {
  const all = [...ancestors, ...branches.flat()];
  const decision = policy.resolve({
    ancestor: policy.fold(ancestors),
    branches,
    provisional: policy.fold(all),
    events: all,
  });
  return { decision, all };
}

function withMerge(
  all: AccountStreamEvent[],
  outcome: unknown,
  wallMs = 100,
): AccountStreamEvent[] {
  const joined: Record<string, number> = {};
  for (const e of all) joined[e.dot.region] = Math.max(joined[e.dot.region] ?? 0, e.dot.n);
  const merge = {
    ...ev('eu', (joined.eu ?? 0) + 1, joined, wallMs, 'geode.Merge', {}),
    data: { outcome },
  };
  return [...all, merge];
}

describe('account merge policy', () => {
  it('overdraft: both withdrawals stand, the balance shows below zero, status overdrawn, review flagged', () => {
    const base = [opened(), deposited()];
    const w1 = ev('eu', 3, { eu: 2 }, 3, 'ledger.FundsWithdrawn', { amount: '80' });
    const w2 = ev('us', 1, { eu: 2 }, 3, 'ledger.FundsWithdrawn', { amount: '70' });
    const policy = accountMergePolicy();
    const { decision, all } = settle(policy, base, [[w1], [w2]]);
    expect(decision).toMatchObject({
      kind: 'resolved',
      outcome: {
        rules: ['ledger.overdraft@1'],
        balanceAdjustment: '0',
        before: { status: 'overdrawn', balance: '-50' },
        after: { status: 'overdrawn', balance: '-50' },
      },
      compensations: [{ kind: 'flag-for-review' }],
    });
    const state = foldAccountStream(withMerge(all, (decision as { outcome: unknown }).outcome));
    expect(state).toMatchObject({ status: 'overdrawn', balance: -50n });
  });

  it('overdraft with a configured fee: the fee is the compensation, recorded and applied', () => {
    const base = [opened(), deposited()];
    const w1 = ev('eu', 3, { eu: 2 }, 3, 'ledger.FundsWithdrawn', { amount: '80' });
    const w2 = ev('us', 1, { eu: 2 }, 3, 'ledger.FundsWithdrawn', { amount: '70' });
    const policy = accountMergePolicy({
      overdraftCompensation: { kind: 'fee', amount: 5n },
      resolverVersion: 2,
    });
    const { decision, all } = settle(policy, base, [[w1], [w2]]);
    expect(decision).toMatchObject({
      outcome: {
        rules: ['ledger.overdraft@2'],
        balanceAdjustment: '-5',
        after: { balance: '-55' },
      },
      compensations: [{ kind: 'flag-for-review' }, { kind: 'fee', amount: '5' }],
    });
    expect(
      foldAccountStream(withMerge(all, (decision as { outcome: unknown }).outcome)),
    ).toMatchObject({ balance: -55n });
  });

  it('close vs concurrent deposit: the deposit wins and the account opens again, with a note', () => {
    const base = [opened()];
    const close = ev('eu', 2, { eu: 1 }, 5, 'ledger.AccountClosed', {});
    const deposit = ev('us', 1, { eu: 1 }, 4, 'ledger.FundsDeposited', { amount: '30' });
    const { decision, all } = settle(accountMergePolicy(), base, [[deposit], [close]]);
    const outcome = (decision as { outcome: unknown }).outcome;
    expect(readMergeOutcome(outcome)).toMatchObject({
      rules: ['ledger.closed-with-balance@1'],
      reopen: true,
      before: { status: 'closed', balance: '30' },
      after: { status: 'open', balance: '30' },
    });
    expect(foldAccountStream(all)).toMatchObject({ status: 'closed' });
    expect(foldAccountStream(withMerge(all, outcome))).toMatchObject({
      status: 'open',
      balance: 30n,
    });
  });

  it('freeze vs withdrawal: the withdrawal stands, recorded as a policy breach', () => {
    const base = [opened(), deposited()];
    const freeze = ev('eu', 3, { eu: 2 }, 3, 'ledger.AccountFrozen', { reason: 'fraud check' });
    const withdraw = ev('us', 1, { eu: 2 }, 4, 'ledger.FundsWithdrawn', { amount: '40' });
    const { decision, all } = settle(accountMergePolicy(), base, [[freeze], [withdraw]]);
    expect(decision).toMatchObject({
      outcome: {
        rules: ['ledger.frozen-withdrawal@1'],
        breaches: [
          {
            rule: 'withdrawal-while-frozen',
            eventId: withdraw.eventId,
            freezeEventId: freeze.eventId,
          },
        ],
        after: { status: 'frozen', balance: '60' },
      },
    });
    expect(
      foldAccountStream(withMerge(all, (decision as { outcome: unknown }).outcome)),
    ).toMatchObject({ status: 'frozen', balance: 60n });
  });

  it('duplicate openings with different facts wait for an operator', () => {
    const a = opened();
    const b = {
      ...ev('us', 1, {}, 1, 'ledger.AccountOpened', {}),
      data: { ...(a.data as object), ownerName: 'Bob' },
    };
    const { decision } = settle(accountMergePolicy(), [], [[a], [b]]);
    expect(decision).toMatchObject({ kind: 'manual' });
  });

  it('owner name is last-writer-wins and tags add-wins in the canonical fold', () => {
    const base = [opened(), ev('eu', 2, { eu: 1 }, 2, 'ledger.TagAdded', { tag: 'vip' })];
    const remove = ev('eu', 3, { eu: 2 }, 9, 'ledger.TagRemoved', { tag: 'vip' });
    const readd = ev('us', 1, { eu: 1 }, 3, 'ledger.TagAdded', { tag: 'vip' }); // not seen by the remove
    const rename1 = ev('us', 2, { eu: 1, us: 1 }, 4, 'ledger.OwnerDetailsChanged', {
      ownerName: 'Grace',
    });
    const rename2 = ev('eu', 4, { eu: 3 }, 10, 'ledger.OwnerDetailsChanged', {
      ownerName: 'Edsger',
    });
    const events = [...base, remove, readd, rename1, rename2];
    const forwards = foldAccountStream(events) as OpenedAccount;
    expect(forwards.tags).toEqual(['vip']);
    expect(forwards.owner.name).toBe('Edsger');
    expect(foldAccountStream([...events].reverse())).toEqual(forwards);
  });

  it('replay reproduces a recorded outcome after the resolver changed version', () => {
    const base = [opened(), deposited()];
    const w1 = ev('eu', 3, { eu: 2 }, 3, 'ledger.FundsWithdrawn', { amount: '80' });
    const w2 = ev('us', 1, { eu: 2 }, 3, 'ledger.FundsWithdrawn', { amount: '70' });
    const v1 = accountMergePolicy();
    const { decision, all } = settle(v1, base, [[w1], [w2]]);
    const history = withMerge(all, (decision as { outcome: unknown }).outcome);
    const v2 = accountMergePolicy({
      overdraftCompensation: { kind: 'fee', amount: 5n },
      resolverVersion: 2,
    });
    // The old merge still folds to its v1 outcome (no fee) under the v2 policy…
    expect(v2.fold(history)).toMatchObject({ balance: -50n });
    // …while a new fork is resolved by v2.
    const w3 = ev('eu', 5, { eu: 4, us: 1 }, 200, 'ledger.FundsWithdrawn', { amount: '1' });
    const w4 = ev('us', 2, { eu: 4, us: 1 }, 200, 'ledger.FundsWithdrawn', { amount: '1' });
    const next = v2.resolve({
      ancestor: v2.fold(history),
      branches: [[w3], [w4]],
      provisional: v2.fold([...history, w3, w4]),
      events: [...history, w3, w4],
    });
    expect(next).toMatchObject({
      outcome: { rules: ['ledger.overdraft@2'], balanceAdjustment: '-5' },
    });
  });

  it('refuses an operator outcome it cannot apply', () => {
    const policy = accountMergePolicy();
    const events = [opened()];
    const state = { provisional: policy.fold(events), events };
    expect(policy.readOperatorOutcome({ balanceAdjustment: 5 }, state).ok).toBe(false);
    expect(policy.readOperatorOutcome({ drop: ['x'] }, state).ok).toBe(false);
    expect(policy.readOperatorOutcome({ reopen: true }, state)).toMatchObject({
      ok: true,
      outcome: { rules: ['manual'], reopen: true },
    });
  });
});
