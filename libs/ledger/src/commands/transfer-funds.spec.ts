import { MAX_MINOR_UNITS } from '../money/minor-units';
import { givenAccounts } from '../testing/account-specification';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  AT,
  fundsDeposited,
  OTHER_ACCOUNT_ID,
  OTHER_REGION,
  RECEIVED_EVENT_ID,
  SENT_EVENT_ID,
  transferFunds,
  transferReceived,
  transferSent,
  uuid,
} from '../testing/account-fixtures';

const source = [accountOpened(), fundsDeposited('1000')];
const target = [
  accountOpened({ accountId: OTHER_ACCOUNT_ID, ownerName: 'Charles Babbage' }, uuid(50)),
];
const sent = (amount: string) => transferSent(amount, { eventId: SENT_EVENT_ID, at: AT });
const received = (amount: string) =>
  transferReceived(amount, { eventId: RECEIVED_EVENT_ID, at: AT });

describe('TransferFunds', () => {
  it('debits the source and credits the target, one event on each stream', () => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(250n))
      .then({ from: [sent('250')], to: [received('250')] });
  });

  it('moves the whole balance', () => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(1000n))
      .then({ from: [sent('1000')], to: [received('1000')] });
  });

  describe('idempotent by transfer id', () => {
    it('yields nothing when both streams hold the transfer', () => {
      givenAccounts({ from: [...source, sent('250')], to: [...target, received('250')] })
        .when(transferFunds(250n))
        .then({ from: [], to: [] });
    });

    it('still yields nothing once the source is frozen: a retry is not a new transfer', () => {
      givenAccounts({
        from: [...source, sent('250'), accountFrozen()],
        to: [...target, received('250')],
      })
        .when(transferFunds(250n))
        .then({ from: [], to: [] });
    });

    it('yields only the missing half when one stream holds the transfer', () => {
      givenAccounts({ from: [...source, sent('250')], to: target })
        .when(transferFunds(250n))
        .then({ from: [], to: [received('250')] });
    });

    it('refuses the id reused for another amount', () => {
      givenAccounts({ from: [...source, sent('250')], to: [...target, received('250')] })
        .when(transferFunds(300n))
        .thenFails('already-exists', /transfer tr-1 already exists/);
    });

    it('refuses the id reused for other accounts', () => {
      const third = [accountOpened({ accountId: 'acc-3' }, uuid(51))];
      givenAccounts({ from: [...source, sent('250')], to: third })
        .when(transferFunds(250n, { toAccountId: 'acc-3' }))
        .thenFails('already-exists');
    });
  });

  it('refuses a transfer that would overdraw the source', () => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(1001n))
      .thenFails('insufficient-funds', /acc-1 holds 1000 minor units/);
  });

  it('refuses a transfer that would take the target past 2^63 − 1', () => {
    givenAccounts({
      from: source,
      to: [...target, fundsDeposited(String(MAX_MINOR_UNITS), { accountId: OTHER_ACCOUNT_ID })],
    })
      .when(transferFunds(1n))
      .thenFails('validation', /acc-2 would hold more than/);
  });

  it('refuses accounts in different currencies', () => {
    givenAccounts({
      from: source,
      to: [accountOpened({ accountId: OTHER_ACCOUNT_ID, currency: 'USD' }, uuid(50))],
    })
      .when(transferFunds(100n))
      .thenFails('currency-mismatch', /acc-1 holds EUR and account acc-2 holds USD/);
  });

  it('refuses a transfer from an account to itself', () => {
    givenAccounts({ from: source, to: source })
      .when(transferFunds(100n, { toAccountId: 'acc-1' }))
      .thenFails('validation', /between two accounts/);
  });

  it.each([0n, -100n, MAX_MINOR_UNITS + 1n])('refuses an amount of %p minor units', (amount) => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(amount))
      .thenFails('validation', /^amount must/);
  });

  it('refuses a malformed transfer id', () => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(100n, { transferId: 'tr 1' }))
      .thenFails('validation', /^transferId/);
  });

  it('refuses the same event id for both halves', () => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(100n, {}, { eventIds: { sent: SENT_EVENT_ID, received: SENT_EVENT_ID } }))
      .thenFails('validation', /must differ/);
  });

  it('refuses a malformed event id', () => {
    givenAccounts({ from: source, to: target })
      .when(transferFunds(100n, {}, { eventIds: { sent: 'x', received: RECEIVED_EVENT_ID } }))
      .thenFails('validation', /^metadata.eventIds.sent must be a UUID/);
  });

  it('refuses a source that does not exist', () => {
    givenAccounts({ from: [], to: target })
      .when(transferFunds(100n))
      .thenFails('not-found', /account acc-1 does not exist/);
  });

  it('refuses a target that does not exist', () => {
    givenAccounts({ from: source, to: [] })
      .when(transferFunds(100n))
      .thenFails('not-found', /account acc-2 does not exist/);
  });

  it('refuses when the source may not be decided in this region', () => {
    givenAccounts({
      from: [accountOpened({ residency: ['eu-west-1'] }), fundsDeposited('1000')],
      to: target,
    })
      .when(transferFunds(100n, {}, { region: OTHER_REGION }))
      .thenFails('residency-violation', /account acc-1 may only be held in eu-west-1/);
  });

  it('refuses when the target may not be decided in this region', () => {
    givenAccounts({
      from: source,
      to: [
        accountOpened(
          { accountId: OTHER_ACCOUNT_ID, residency: ['us-east-1'], homeRegion: 'us-east-1' },
          uuid(50),
        ),
      ],
    })
      .when(transferFunds(100n))
      .thenFails('residency-violation', /account acc-2 may only be held in us-east-1/);
  });

  it('refuses a frozen source', () => {
    givenAccounts({ from: [...source, accountFrozen()], to: target })
      .when(transferFunds(100n))
      .thenFails('account-frozen', /acc-1 is frozen/);
  });

  it('refuses a frozen target', () => {
    givenAccounts({
      from: source,
      to: [...target, accountFrozen(null, { accountId: OTHER_ACCOUNT_ID })],
    })
      .when(transferFunds(100n))
      .thenFails('account-frozen', /acc-2 is frozen/);
  });

  it('refuses a closed source', () => {
    givenAccounts({ from: [accountOpened(), accountClosed()], to: target })
      .when(transferFunds(100n))
      .thenFails('account-closed', /acc-1 is closed/);
  });

  it('refuses a closed target', () => {
    givenAccounts({ from: source, to: [...target, accountClosed({ accountId: OTHER_ACCOUNT_ID })] })
      .when(transferFunds(100n))
      .thenFails('account-closed', /acc-2 is closed/);
  });
});
