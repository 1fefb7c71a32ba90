import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  accountUnfrozen,
  AT,
  closeAccount,
  COMMAND_EVENT_ID,
  fundsDeposited,
  fundsWithdrawn,
  OTHER_REGION,
} from '../testing/account-fixtures';

describe('CloseAccount', () => {
  it('closes an account that never held money', () => {
    given([accountOpened()])
      .when(closeAccount())
      .then([accountClosed({ eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('closes an account whose money has all gone out again', () => {
    given([accountOpened(), fundsDeposited('500'), fundsWithdrawn('500')])
      .when(closeAccount())
      .then([accountClosed({ eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('closes an account that was frozen and is unfrozen', () => {
    given([accountOpened(), accountFrozen(), accountUnfrozen()])
      .when(closeAccount())
      .then([accountClosed({ eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('refuses an account that still holds money', () => {
    given([accountOpened(), fundsDeposited('500'), fundsWithdrawn('499')])
      .when(closeAccount())
      .thenFails('balance-not-zero', /holds 1 minor units of EUR; only an account at zero/);
  });

  it('refuses a frozen account: the hold must be lifted first', () => {
    given([accountOpened(), accountFrozen()]).when(closeAccount()).thenFails('account-frozen');
  });

  it('refuses an account that is already closed', () => {
    given([accountOpened(), accountClosed()]).when(closeAccount()).thenFails('account-closed');
  });

  it('refuses an account that does not exist', () => {
    given([]).when(closeAccount()).thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] })])
      .when(closeAccount({}, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });
});
