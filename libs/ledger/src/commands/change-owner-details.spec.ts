import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  AT,
  changeOwnerDetails,
  COMMAND_EVENT_ID,
  OTHER_REGION,
  ownerDetailsChanged,
} from '../testing/account-fixtures';

const changed = { eventId: COMMAND_EVENT_ID, at: AT };

describe('ChangeOwnerDetails', () => {
  it('changes the name only, leaving the email out of the event', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({ ownerName: 'Ada King' }))
      .then([ownerDetailsChanged({ ownerName: 'Ada King' }, changed)]);
  });

  it('changes the email only', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({ ownerEmail: ' countess@example.org ' }))
      .then([ownerDetailsChanged({ ownerEmail: 'countess@example.org' }, changed)]);
  });

  it('clears the email with null', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({ ownerEmail: null }))
      .then([ownerDetailsChanged({ ownerEmail: null }, changed)]);
  });

  it('names only the fields that really change', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({ ownerName: 'Ada Lovelace', ownerEmail: 'ada@lovelace.org' }))
      .then([ownerDetailsChanged({ ownerEmail: 'ada@lovelace.org' }, changed)]);
  });

  it('changes nothing when the details are already so', () => {
    given([accountOpened(), ownerDetailsChanged({ ownerName: 'Ada King' })])
      .when(changeOwnerDetails({ ownerName: 'Ada King', ownerEmail: 'ada@example.com' }))
      .then([]);
  });

  it('changes details of a frozen account: a hold stops money, not mail', () => {
    given([accountOpened(), accountFrozen()])
      .when(changeOwnerDetails({ ownerName: 'Ada King' }))
      .then([ownerDetailsChanged({ ownerName: 'Ada King' }, changed)]);
  });

  it('refuses a change that names no field', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({}))
      .thenFails('validation', /give ownerName, ownerEmail or both/);
  });

  it('refuses an empty name', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({ ownerName: '' }))
      .thenFails('validation', /^ownerName/);
  });

  it('refuses a malformed email', () => {
    given([accountOpened()])
      .when(changeOwnerDetails({ ownerEmail: 'not an email' }))
      .thenFails('validation', /^ownerEmail/);
  });

  it('refuses an account that does not exist', () => {
    given([])
      .when(changeOwnerDetails({ ownerName: 'Ada King' }))
      .thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] })])
      .when(changeOwnerDetails({ ownerName: 'Ada King' }, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });

  it('refuses a closed account', () => {
    given([accountOpened(), accountClosed()])
      .when(changeOwnerDetails({ ownerName: 'Ada King' }))
      .thenFails('account-closed');
  });
});
