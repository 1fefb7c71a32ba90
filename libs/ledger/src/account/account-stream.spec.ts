import { accountOpened } from '../testing/account-fixtures';
import { expectRefusal } from '../testing/decider-specification';
import { accountStreamId, accountStreamMetadata } from './account-stream';

describe('account stream', () => {
  it('is named account-<id>', () => {
    expect(accountStreamId('7f3c')).toBe('account-7f3c');
  });

  it('refuses an id the store could not name a stream with', () => {
    expectRefusal(() => accountStreamId('a b'), 'validation', /^accountId must be/);
  });

  it('records home, residency and merge policy from the opening', () => {
    const opened = accountOpened({
      residency: ['eu-central-1', 'eu-west-1'],
      homeRegion: 'eu-central-1',
    });
    expect(accountStreamMetadata(opened)).toEqual({
      homeRegion: 'eu-central-1',
      residency: ['eu-central-1', 'eu-west-1'],
      mergePolicy: 'ledger.account',
    });
    expect(accountStreamMetadata(accountOpened()).residency).toBeNull();
  });
});
