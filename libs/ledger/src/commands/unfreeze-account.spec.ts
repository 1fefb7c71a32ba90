import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  accountUnfrozen,
  AT,
  COMMAND_EVENT_ID,
  OTHER_REGION,
  unfreezeAccount,
} from '../testing/account-fixtures';

describe('UnfreezeAccount', () => {
  it('unfreezes a frozen account', () => {
    given([accountOpened(), accountFrozen('review')])
      .when(unfreezeAccount())
      .then([accountUnfrozen({ eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('changes nothing when the account is not frozen', () => {
    given([accountOpened()]).when(unfreezeAccount()).then([]);
  });

  it('changes nothing when the account was already unfrozen', () => {
    given([accountOpened(), accountFrozen(), accountUnfrozen()]).when(unfreezeAccount()).then([]);
  });

  it('refuses a malformed account id', () => {
    given([])
      .when(unfreezeAccount({ accountId: '' }))
      .thenFails('validation', /^accountId/);
  });

  it('refuses an account that does not exist', () => {
    given([]).when(unfreezeAccount()).thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] }), accountFrozen()])
      .when(unfreezeAccount({}, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });

  it('refuses a closed account', () => {
    given([accountOpened(), accountClosed()]).when(unfreezeAccount()).thenFails('account-closed');
  });
});
