import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  accountUnfrozen,
  AT,
  COMMAND_EVENT_ID,
  freezeAccount,
  OTHER_REGION,
} from '../testing/account-fixtures';

describe('FreezeAccount', () => {
  it('freezes an open account, recording why', () => {
    given([accountOpened()])
      .when(freezeAccount({ reason: ' suspected fraud ' }))
      .then([accountFrozen('suspected fraud', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('records no reason when none (or only spaces) is given', () => {
    given([accountOpened()])
      .when(freezeAccount({ reason: '  ' }))
      .then([accountFrozen(null, { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('freezes again after an unfreeze', () => {
    given([accountOpened(), accountFrozen(), accountUnfrozen()])
      .when(freezeAccount())
      .then([accountFrozen(null, { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('changes nothing when the account is already frozen', () => {
    given([accountOpened(), accountFrozen('first')])
      .when(freezeAccount({ reason: 'again' }))
      .then([]);
  });

  it('refuses a reason longer than 500 characters', () => {
    given([accountOpened()])
      .when(freezeAccount({ reason: 'x'.repeat(501) }))
      .thenFails('validation', /^reason must be 1–500 characters/);
  });

  it('refuses an account that does not exist', () => {
    given([]).when(freezeAccount()).thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] })])
      .when(freezeAccount({}, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });

  it('refuses a closed account', () => {
    given([accountOpened(), accountClosed()]).when(freezeAccount()).thenFails('account-closed');
  });
});
