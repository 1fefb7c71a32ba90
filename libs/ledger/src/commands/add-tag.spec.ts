import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  addTag,
  AT,
  COMMAND_EVENT_ID,
  OTHER_REGION,
  tagAdded,
  tagRemoved,
  uuid,
} from '../testing/account-fixtures';
import { MAX_TAGS } from './add-tag';

describe('AddTag', () => {
  it('adds a tag', () => {
    given([accountOpened()])
      .when(addTag('tier:gold'))
      .then([tagAdded('tier:gold', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('adds a tag back after it was removed', () => {
    given([accountOpened(), tagAdded('vip'), tagRemoved('vip')])
      .when(addTag('vip'))
      .then([tagAdded('vip', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('tags a frozen account', () => {
    given([accountOpened(), accountFrozen()])
      .when(addTag('review'))
      .then([tagAdded('review', { eventId: COMMAND_EVENT_ID, at: AT })]);
  });

  it('changes nothing when the account has the tag', () => {
    given([accountOpened(), tagAdded('vip')])
      .when(addTag('vip'))
      .then([]);
  });

  it.each(['', 'VIP', 'has space', '-leading', 'x'.repeat(65)])('refuses the tag %p', (tag) => {
    given([accountOpened()])
      .when(addTag(tag))
      .thenFails('validation', /^tag must be 1–64/);
  });

  it(`refuses a tag beyond the ${MAX_TAGS}th`, () => {
    const tags = Array.from({ length: MAX_TAGS }, (_, i) =>
      tagAdded(`t${i}`, { eventId: uuid(100 + i) }),
    );
    given([accountOpened(), ...tags])
      .when(addTag('one-more'))
      .thenFails('validation', /already has 100 tags/);
  });

  it('refuses an account that does not exist', () => {
    given([]).when(addTag('vip')).thenFails('not-found');
  });

  it('refuses a region outside the residency', () => {
    given([accountOpened({ residency: ['eu-west-1'] })])
      .when(addTag('vip', {}, { region: OTHER_REGION }))
      .thenFails('residency-violation');
  });

  it('refuses a closed account', () => {
    given([accountOpened(), accountClosed()]).when(addTag('vip')).thenFails('account-closed');
  });
});
