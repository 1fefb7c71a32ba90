import { MAX_MINOR_UNITS } from '../money/minor-units';
import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  AT,
  COMMAND_EVENT_ID,
  depositFunds,
  fundsDeposited,
  OTHER_REGION,
} from '../testing/account-fixtures';

describe('DepositFunds', () => {
  it('deposits minor units, written as a decimal string', () => {
    given([accountOpened()])
      .when(depositFunds(1250n))
      .then([fundsDeposited('1250', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('deposits up to the largest balance a bigint holds', () => {
    given([accountOpened(), fundsDeposited(String(MAX_MINOR_UNITS - 1n))])
      .when(depositFunds(1n))
      .then([fundsDeposited('1', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('refuses a deposit that would take the balance past 2^63 − 1', () => {
    given([accountOpened(), fundsDeposited(String(MAX_MINOR_UNITS))])
      .when(depositFunds(1n))
      .thenFails('validation', /would hold more than 9223372036854775807/);
  });

  it.each([0n, -5n, MAX_MINOR_UNITS + 1n])('refuses an amount of %p minor units', (amount) => {
    given([accountOpened()])
      .when(depositFunds(amount))
      .thenFails('validation', /^amount must/);
  });

  it('refuses an amount that is not a bigint (an untyped caller sent a number)', () => {
    given([accountOpened()])
      .when(depositFunds(12.5 as unknown as bigint))
      .thenFails('validation', /^amount must be a bigint/);
  });

  it('refuses an account that does not exist', () => {
    given([])
      .when(depositFunds(100n))
      .thenFails('not-found', /account acc-1 does not exist/);
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] })])
      .when(depositFunds(100n, {}, { region: OTHER_REGION }))
      .thenFails('residency-violation', /may only be held in eu-west-1/);
  });

  it('refuses a frozen account', () => {
    given([accountOpened(), accountFrozen('court order')])
      .when(depositFunds(100n))
      .thenFails('account-frozen', /acc-1 is frozen \(court order\)/);
  });

  it('refuses a closed account', () => {
    given([accountOpened(), accountClosed()])
      .when(depositFunds(100n))
      .thenFails('account-closed', /acc-1 is closed/);
  });
});
