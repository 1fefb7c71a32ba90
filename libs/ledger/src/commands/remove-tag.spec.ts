import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountOpened,
  AT,
  COMMAND_EVENT_ID,
  OTHER_REGION,
  removeTag,
  tagAdded,
  tagRemoved,
} from '../testing/account-fixtures';

describe('RemoveTag', () => {
  it('removes a tag the account has', () => {
    given([accountOpened(), tagAdded('vip'), tagAdded('beta')])
      .when(removeTag('vip'))
      .then([tagRemoved('vip', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('changes nothing when the account does not have the tag', () => {
    given([accountOpened(), tagAdded('beta')])
      .when(removeTag('vip'))
      .then([]);
  });

  it('changes nothing when the tag was already removed', () => {
    given([accountOpened(), tagAdded('vip'), tagRemoved('vip')])
      .when(removeTag('vip'))
      .then([]);
  });

  it('refuses a malformed tag', () => {
    given([accountOpened()]).when(removeTag('Not A Tag')).thenFails('validation', /^tag/);
  });

  it('refuses an account that does not exist', () => {
    given([]).when(removeTag('vip')).thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] }), tagAdded('vip')])
      .when(removeTag('vip', {}, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });

  it('refuses a closed account', () => {
    given([accountOpened(), tagAdded('vip'), accountClosed()])
      .when(removeTag('vip'))
      .thenFails('account-closed');
  });
});
