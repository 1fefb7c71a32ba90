import fc from 'fast-check';
import { toEventRecord } from '../events/account-event-registry';
import type { AccountEvent } from '../events/account-event';
import {
  accountClosed,
  accountFrozen,
  accountOpened,
  accountUnfrozen,
  fundsDeposited,
  fundsWithdrawn,
  ownerDetailsChanged,
  tagAdded,
  tagRemoved,
  transferReceived,
  transferSent,
  uuid,
} from '../testing/account-fixtures';
import { canonicalOrderKey } from './canonical-order';
import { summariseLedgerBatch, type ProjectedEvent } from './ledger-read-batch';

/** An account event as the log would hand it over, stamped (wall, region, n). */
function stored(
  event: AccountEvent,
  wallMs: number,
  dot: { region: string; n: number } = { region: 'eu-west-1', n: wallMs },
  deps: Record<string, number> = {},
): ProjectedEvent {
  const record = toEventRecord(event);
  return {
    ...record,
    streamId: `account-${event.data.accountId}`,
    hlc: { wallMs, logical: 0 },
    dot,
    deps,
  };
}

describe('summariseLedgerBatch', () => {
  it('sums deposits and withdrawals, and writes a signed statement line for each', () => {
    const batch = summariseLedgerBatch([
      stored(accountOpened(), 1),
      stored(fundsDeposited('1000', { eventId: uuid(2) }), 2),
      stored(fundsWithdrawn('250', { eventId: uuid(3) }), 3),
    ]);
    expect(batch.accounts).toHaveLength(1);
    expect(batch.accounts[0]).toMatchObject({ accountId: 'acc-1', balanceChange: 750n, events: 3 });
    expect(batch.movements.map((l) => [l.kind, l.amount])).toEqual([
      ['deposit', 1000n],
      ['withdrawal', -250n],
    ]);
  });

  it('keeps the earliest opening and the latest owner change, per field', () => {
    const batch = summariseLedgerBatch([
      stored(ownerDetailsChanged({ ownerName: 'Late' }, { eventId: uuid(8) }), 9),
      stored(
        ownerDetailsChanged({ ownerName: 'Early', ownerEmail: null }, { eventId: uuid(7) }),
        5,
      ),
      stored(accountOpened({ currency: 'USD' }, uuid(12)), 2, { region: 'us-east-1', n: 1 }),
      stored(accountOpened({ currency: 'EUR' }, uuid(1)), 1),
    ]);
    const change = batch.accounts[0];
    expect(change.opening?.value.currency).toBe('EUR');
    expect(change.ownerName?.value).toBe('Late');
    expect(change.ownerEmail).toEqual({
      value: null,
      key: canonicalOrderKey({
        hlc: { wallMs: 5, logical: 0 },
        dot: { region: 'eu-west-1', n: 5 },
      }),
    });
  });

  it('takes the latest freeze or unfreeze, and closing as final', () => {
    const batch = summariseLedgerBatch([
      stored(accountUnfrozen({ eventId: uuid(5) }), 4),
      stored(accountFrozen('review', { eventId: uuid(4) }), 3),
      stored(accountClosed({ eventId: uuid(6) }), 2),
    ]);
    expect(batch.accounts[0].frozen?.value).toBe(false);
    expect(batch.accounts[0].closed).toBe(true);
  });

  it('keeps, per account and transfer, only the earliest line of a transfer decided twice', () => {
    const batch = summariseLedgerBatch([
      stored(transferSent('5', { eventId: uuid(20) }), 7),
      stored(transferSent('5', { eventId: uuid(21) }), 6, { region: 'us-east-1', n: 6 }),
      stored(transferReceived('5', { eventId: uuid(22) }), 8),
    ]);
    expect(
      batch.transfers.map((l) => [l.eventId, l.accountId, l.amount, l.counterpartyId]),
    ).toEqual([
      [uuid(21), 'acc-1', -5n, 'acc-2'],
      [uuid(22), 'acc-2', 5n, 'acc-1'],
    ]);
    expect(batch.accounts.map((a) => a.balanceChange)).toEqual([0n, 0n]);
  });

  it('turns tag adds into dots and a remove into tombstones from its deps', () => {
    const batch = summariseLedgerBatch([
      stored(tagAdded('vip', { eventId: uuid(30) }), 2, { region: 'eu-west-1', n: 2 }),
      stored(
        tagRemoved('vip', { eventId: uuid(31) }),
        3,
        { region: 'us-east-1', n: 1 },
        { 'eu-west-1': 2 },
      ),
    ]);
    expect(batch.tagAdds).toEqual([
      { accountId: 'acc-1', element: 'vip', region: 'eu-west-1', n: 2 },
    ]);
    expect(batch.tagTombstones).toEqual([
      { accountId: 'acc-1', element: 'vip', region: 'eu-west-1', upTo: 2 },
    ]);
  });

  it('skips malformed events from peers and says why, without failing the batch', () => {
    const forged = {
      ...stored(fundsDeposited('10'), 2),
      data: { accountId: 'acc-1', amount: '-1', at: 'x' },
    };
    const elsewhere = {
      ...stored(fundsDeposited('10', { eventId: uuid(40) }), 3),
      streamId: 'account-acc-9',
    };
    const unknown = {
      ...stored(fundsDeposited('10', { eventId: uuid(41) }), 4),
      type: 'ledger.FundsStolen',
    };
    const batch = summariseLedgerBatch([
      forged,
      elsewhere,
      unknown,
      stored(fundsDeposited('7', { eventId: uuid(42) }), 5),
    ]);
    expect(batch.skipped.map((s) => s.eventId)).toEqual([uuid(2), uuid(40), uuid(41)]);
    expect(batch.skipped[1].reason).toMatch(/does not name the stream account-acc-9/);
    expect(batch.accounts[0].balanceChange).toBe(7n);
  });

  it('gives the same batch for every order of the same events', () => {
    const events = [
      stored(accountOpened(), 1),
      stored(fundsDeposited('100', { eventId: uuid(2) }), 2),
      stored(fundsWithdrawn('30', { eventId: uuid(3) }), 3, { region: 'us-east-1', n: 1 }),
      stored(accountFrozen(null, { eventId: uuid(4) }), 4),
      stored(accountUnfrozen({ eventId: uuid(5) }), 4, { region: 'us-east-1', n: 2 }),
      stored(ownerDetailsChanged({ ownerEmail: 'x@example.com' }, { eventId: uuid(6) }), 5),
      stored(tagAdded('vip', { eventId: uuid(7) }), 6),
      stored(
        tagRemoved('vip', { eventId: uuid(8) }),
        7,
        { region: 'us-east-1', n: 3 },
        { 'eu-west-1': 6 },
      ),
      stored(transferSent('9', { eventId: uuid(9) }), 8),
      stored(transferSent('9', { eventId: uuid(10) }), 8, { region: 'us-east-1', n: 4 }),
    ];
    const reference = summariseLedgerBatch(events);
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
        expect(summariseLedgerBatch(shuffled)).toEqual(reference);
      }),
    );
  });
});
