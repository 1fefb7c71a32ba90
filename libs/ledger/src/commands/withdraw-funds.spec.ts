import { MAX_MINOR_UNITS } from '../money/minor-units';
import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  AT,
  COMMAND_EVENT_ID,
  fundsDeposited,
  fundsWithdrawn,
  OTHER_REGION,
  transferReceived,
  transferSent,
  withdrawFunds,
} from '../testing/account-fixtures';

describe('WithdrawFunds', () => {
  it('withdraws part of the balance', () => {
    given([accountOpened(), fundsDeposited('1000')])
      .when(withdrawFunds(400n))
      .then([fundsWithdrawn('400', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('withdraws the whole balance, counting transfers in and out', () => {
    given([
      accountOpened(),
      fundsDeposited('1000'),
      transferSent('300'),
      transferReceived('50', { accountId: 'acc-1', fromAccountId: 'acc-9', transferId: 'tr-9' }),
    ])
      .when(withdrawFunds(750n))
      .then([fundsWithdrawn('750', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('refuses to overdraw the balance this geode knows', () => {
    given([accountOpened(), fundsDeposited('100'), fundsWithdrawn('60')])
      .when(withdrawFunds(41n))
      .thenFails('insufficient-funds', /holds 40 minor units of EUR; 41 would overdraw it/);
  });

  it('refuses any withdrawal from an empty account', () => {
    given([accountOpened()]).when(withdrawFunds(1n)).thenFails('insufficient-funds');
  });

  it.each([0n, -1n, MAX_MINOR_UNITS + 1n])('refuses an amount of %p minor units', (amount) => {
    given([accountOpened(), fundsDeposited('100')])
      .when(withdrawFunds(amount))
      .thenFails('validation', /^amount must/);
  });

  it('refuses an account that does not exist', () => {
    given([]).when(withdrawFunds(1n)).thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] }), fundsDeposited('100')])
      .when(withdrawFunds(1n, {}, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });

  it('refuses a frozen account', () => {
    given([accountOpened(), fundsDeposited('100'), accountFrozen()])
      .when(withdrawFunds(1n))
      .thenFails('account-frozen', /acc-1 is frozen$/);
  });

  it('refuses a closed account', () => {
    given([accountOpened(), accountClosed()]).when(withdrawFunds(1n)).thenFails('account-closed');
  });
});
