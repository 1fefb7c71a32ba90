import { given } from '../testing/account-specification';
import {
  accountClosed,
  accountOpened,
  AT,
  COMMAND_EVENT_ID,
  openAccount,
  OTHER_REGION,
  REGION,
} from '../testing/account-fixtures';

describe('OpenAccount', () => {
  it('opens an account at home in the deciding region, holding data anywhere', () => {
    given([])
      .when(openAccount({ ownerEmail: 'ada@example.com' }))
      .then([
        {
          type: 'ledger.AccountOpened',
          data: {
            accountId: 'acc-1',
            ownerName: 'Ada Lovelace',
            ownerEmail: 'ada@example.com',
            currency: 'EUR',
            residency: null,
            homeRegion: REGION,
            at: AT,
          },
          metadata: { eventId: COMMAND_EVENT_ID },
        },
      ]);
  });

  it('records no email when none is given, and trims the name', () => {
    given([])
      .when(openAccount({ ownerName: '  Grace Hopper ', currency: 'JPY' }))
      .then([
        accountOpened(
          { ownerName: 'Grace Hopper', ownerEmail: null, currency: 'JPY', at: AT },
          COMMAND_EVENT_ID,
        ),
      ]);
  });

  it('keeps residency as distinct regions in ascending order, with an explicit home', () => {
    given([])
      .when(
        openAccount({
          residency: ['eu-west-1', 'eu-central-1', 'eu-west-1'],
          homeRegion: 'eu-central-1',
        }),
      )
      .then([
        accountOpened(
          {
            ownerEmail: null,
            residency: ['eu-central-1', 'eu-west-1'],
            homeRegion: 'eu-central-1',
            at: AT,
          },
          COMMAND_EVENT_ID,
        ),
      ]);
  });

  it('refuses an id that is already open', () => {
    given([accountOpened()])
      .when(openAccount())
      .thenFails('already-exists', /acc-1 already exists/);
  });

  it('refuses an id whose account was closed: ids are never reused', () => {
    given([accountOpened(), accountClosed()]).when(openAccount()).thenFails('already-exists');
  });

  it('refuses to open in a region outside the residency, naming the allowed regions', () => {
    const refusal = given([])
      .when(openAccount({ residency: ['eu-central-1', 'eu-west-1'] }, { region: OTHER_REGION }))
      .thenFails('residency-violation', /may only be held in eu-central-1, eu-west-1/);
    expect(refusal.details).toEqual({
      accountId: 'acc-1',
      region: OTHER_REGION,
      allowedRegions: ['eu-central-1', 'eu-west-1'],
    });
  });

  it('refuses a home region outside the residency', () => {
    given([])
      .when(openAccount({ residency: ['eu-west-1'], homeRegion: 'eu-central-1' }))
      .thenFails('residency-violation', /region eu-central-1 may not decide/);
  });

  it.each<[string, Partial<Parameters<typeof openAccount>[0]>, RegExp]>([
    ['an empty owner name', { ownerName: '   ' }, /^ownerName must be 1–200 characters/],
    ['an owner name with control characters', { ownerName: 'Ada\nL' }, /^ownerName must not/],
    ['a malformed email', { ownerEmail: 'ada-at-example' }, /^ownerEmail must be an email/],
    ['an unknown currency', { currency: 'XYZ' as 'EUR' }, /^currency must be an active ISO 4217/],
    ['a lowercase currency', { currency: 'eur' as 'EUR' }, /^currency must be/],
    ['an empty residency', { residency: [] }, /^residency must be a list of 1–32/],
    [
      'a malformed residency region',
      { residency: ['EU West'] },
      /^residency \[0\] must be a region/,
    ],
    ['a malformed home region', { homeRegion: 'Mars' }, /^homeRegion must be a region id/],
    ['a malformed account id', { accountId: 'acc/1' }, /^accountId must be/],
  ])('refuses %s', (_case, data, message) => {
    given([]).when(openAccount(data)).thenFails('validation', message);
  });
});
