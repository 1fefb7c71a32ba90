import {
  ACCOUNT_ID,
  accountClosed,
  accountFrozen,
  accountOpened,
  accountUnfrozen,
  fundsDeposited,
  fundsWithdrawn,
  ownerDetailsChanged,
  REGION,
  tagAdded,
  tagRemoved,
  transferReceived,
  transferSent,
  uuid,
} from '../testing/account-fixtures';
import type { AccountEvent } from '../events/account-event';
import { initialState, type OpenedAccount } from './account-state';
import { evolve, fold } from './evolve';

function opened(events: AccountEvent[] = []): OpenedAccount {
  const state = fold([accountOpened(), ...events]);
  if (state.status === 'not-opened') throw new Error('expected an opened account');
  return state;
}

describe('evolve', () => {
  it('starts from an account that is not opened', () => {
    expect(initialState()).toEqual({ status: 'not-opened' });
  });

  it('opens an account with nothing in it', () => {
    expect(fold([accountOpened({ residency: ['eu-west-1'] })])).toEqual({
      status: 'open',
      id: ACCOUNT_ID,
      owner: { name: 'Ada Lovelace', email: 'ada@example.com' },
      currency: 'EUR',
      balance: 0n,
      tags: [],
      homeRegion: REGION,
      residency: ['eu-west-1'],
      freezeReason: null,
      transfers: new Map(),
    });
  });

  it('ignores events before the opening: they cannot have been decided', () => {
    expect(fold([fundsDeposited('100'), accountFrozen()])).toEqual(initialState());
  });

  it('keeps the first opening when a concurrent second one is folded after it', () => {
    const state = opened([accountOpened({ ownerName: 'Mallory', currency: 'USD' }, uuid(99))]);
    expect(state.owner.name).toBe('Ada Lovelace');
    expect(state.currency).toBe('EUR');
  });

  it('adds deposits and received transfers, subtracts withdrawals and sent transfers', () => {
    const state = opened([
      fundsDeposited('1000'),
      fundsWithdrawn('300'),
      transferSent('200', { transferId: 't-1' }),
      transferReceived('50', { accountId: ACCOUNT_ID, fromAccountId: 'acc-9', transferId: 't-2' }),
    ]);
    expect(state.balance).toBe(550n);
    expect(state.transfers).toEqual(
      new Map([
        ['t-1', { direction: 'sent', counterpartyId: 'acc-2', amount: 200n }],
        ['t-2', { direction: 'received', counterpartyId: 'acc-9', amount: 50n }],
      ]),
    );
  });

  it('lets concurrent withdrawals take the balance below zero: the overdraft resolver settles it', () => {
    expect(
      opened([fundsDeposited('100'), fundsWithdrawn('80'), fundsWithdrawn('80')]).balance,
    ).toBe(-60n);
  });

  it('moves money once per transfer id, even when the transfer was decided twice', () => {
    const state = opened([
      fundsDeposited('1000'),
      transferSent('200', { eventId: uuid(20) }),
      transferSent('200', { eventId: uuid(21) }),
    ]);
    expect(state.balance).toBe(800n);
  });

  it('freezes with a reason and unfreezes', () => {
    expect(opened([accountFrozen('review')])).toMatchObject({
      status: 'frozen',
      freezeReason: 'review',
    });
    expect(opened([accountFrozen('review'), accountUnfrozen()])).toMatchObject({
      status: 'open',
      freezeReason: null,
    });
  });

  it('keeps a closed account closed whatever is folded after it', () => {
    const state = opened([
      accountClosed(),
      accountFrozen(),
      accountUnfrozen(),
      fundsDeposited('5'),
    ]);
    expect(state.status).toBe('closed');
    expect(state.balance).toBe(5n);
  });

  it('closes a frozen account, dropping the freeze', () => {
    expect(opened([accountFrozen('x'), accountClosed()])).toMatchObject({
      status: 'closed',
      freezeReason: null,
    });
  });

  it('changes only the owner fields an event names', () => {
    expect(opened([ownerDetailsChanged({ ownerName: 'Ada King' })]).owner).toEqual({
      name: 'Ada King',
      email: 'ada@example.com',
    });
    expect(opened([ownerDetailsChanged({ ownerEmail: null })]).owner).toEqual({
      name: 'Ada Lovelace',
      email: null,
    });
  });

  it('keeps tags as a sorted set', () => {
    const state = opened([tagAdded('vip'), tagAdded('beta'), tagAdded('vip'), tagAdded('alpha')]);
    expect(state.tags).toEqual(['alpha', 'beta', 'vip']);
    expect(opened([tagAdded('vip'), tagRemoved('vip'), tagRemoved('beta')]).tags).toEqual([]);
  });

  it('never changes the state it was given', () => {
    const before = opened([fundsDeposited('100'), tagAdded('vip')]);
    const snapshot = structuredClone(before);
    evolve(before, fundsWithdrawn('10'));
    evolve(before, tagRemoved('vip'));
    evolve(before, transferSent('5'));
    expect(before).toEqual(snapshot);
  });
});
