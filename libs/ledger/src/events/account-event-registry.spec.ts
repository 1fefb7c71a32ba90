import type { NewEvent } from '@geode/event-store';
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
import type { AccountEvent } from './account-event';
import {
  ACCOUNT_EVENT_TYPES,
  accountEventRegistry,
  parseAccountEvent,
  toEventRecord,
  type UntrustedEventRecord,
} from './account-event-registry';

const oneOfEach: AccountEvent[] = [
  accountOpened({ residency: ['eu-central-1', 'eu-west-1'] }),
  fundsDeposited('1250'),
  fundsWithdrawn('250'),
  accountFrozen('review'),
  accountUnfrozen(),
  accountClosed(),
  ownerDetailsChanged({ ownerName: 'Ada King', ownerEmail: null }),
  tagAdded('vip'),
  tagRemoved('vip'),
  transferSent('100'),
  transferReceived('100'),
];

function refusal(record: UntrustedEventRecord): { path: string; message: string } {
  const result = parseAccountEvent(record);
  if (result.ok) throw new Error(`expected ${JSON.stringify(record)} to be refused`);
  expect(result.error.code).toBe('validation');
  return { path: result.error.path, message: result.error.message };
}

function withData(event: AccountEvent, data: Record<string, unknown>): UntrustedEventRecord {
  return { ...toEventRecord(event), data };
}

describe('account event registry', () => {
  it('registers every event type under its stable name, at schema version 1', () => {
    expect([...ACCOUNT_EVENT_TYPES].sort()).toEqual([
      'ledger.AccountClosed',
      'ledger.AccountFrozen',
      'ledger.AccountOpened',
      'ledger.AccountUnfrozen',
      'ledger.FundsDeposited',
      'ledger.FundsWithdrawn',
      'ledger.OwnerDetailsChanged',
      'ledger.TagAdded',
      'ledger.TagRemoved',
      'ledger.TransferReceived',
      'ledger.TransferSent',
    ]);
    for (const type of ACCOUNT_EVENT_TYPES) {
      expect(accountEventRegistry[type]).toMatchObject({ type, schemaVersion: 1 });
    }
  });

  it('declares how each event type merges', () => {
    const merges = Object.fromEntries(
      ACCOUNT_EVENT_TYPES.map((type) => [type, accountEventRegistry[type].merge]),
    );
    expect(merges).toEqual({
      'ledger.AccountOpened': { kind: 'resolver', resolver: 'ledger.duplicate-open' },
      'ledger.FundsDeposited': {
        kind: 'counter',
        field: 'balance',
        operation: 'increment',
        amount: 'amount',
      },
      'ledger.FundsWithdrawn': { kind: 'resolver', resolver: 'ledger.overdraft' },
      'ledger.AccountFrozen': { kind: 'lww', fields: ['status'] },
      'ledger.AccountUnfrozen': { kind: 'lww', fields: ['status'] },
      'ledger.AccountClosed': { kind: 'resolver', resolver: 'ledger.closed-with-balance' },
      'ledger.OwnerDetailsChanged': { kind: 'lww', fields: ['ownerName', 'ownerEmail'] },
      'ledger.TagAdded': {
        kind: 'set',
        field: 'tags',
        operation: 'add',
        element: 'tag',
        bias: 'add-wins',
      },
      'ledger.TagRemoved': {
        kind: 'set',
        field: 'tags',
        operation: 'remove',
        element: 'tag',
        bias: 'add-wins',
      },
      'ledger.TransferSent': { kind: 'resolver', resolver: 'ledger.overdraft' },
      'ledger.TransferReceived': {
        kind: 'counter',
        field: 'balance',
        operation: 'increment',
        amount: 'amount',
      },
    });
  });

  it('upcasts version 1 as it is', () => {
    for (const type of ACCOUNT_EVENT_TYPES) {
      const data = { any: 'thing' };
      expect(accountEventRegistry[type].upcast(data, 1)).toBe(data);
    }
  });

  it.each(oneOfEach.map((event) => [event.type, event]))(
    '%s: goes to the store as JSON and reads back as the same event',
    (_type, event) => {
      const record = toEventRecord(event);
      expect(record).toEqual({
        eventId: event.metadata.eventId,
        type: event.type,
        schemaVersion: 1,
        data: event.data,
      });
      const stored = JSON.parse(JSON.stringify(record)) as UntrustedEventRecord;
      expect(parseAccountEvent(stored)).toEqual({
        ok: true,
        value: event,
      });
    },
  );

  it('writes records the event store appends as they are (its NewEvent, checked by the compiler)', () => {
    const record: NewEvent = toEventRecord(fundsDeposited('1'));
    expect(record).toMatchObject({ type: 'ledger.FundsDeposited', schemaVersion: 1 });
  });

  it('gives the store a copy: changing the record does not change the event', () => {
    const opened = accountOpened({ residency: ['eu-west-1'] });
    const record = toEventRecord(opened);
    (record.data.residency as string[]).push('us-east-1');
    expect(opened.data.residency).toEqual(['eu-west-1']);
  });

  describe('refuses malformed stored or replicated events', () => {
    const deposit = fundsDeposited('100');

    it('an unknown type', () => {
      expect(refusal({ ...toEventRecord(deposit), type: 'ledger.FundsStolen' })).toEqual({
        path: 'type',
        message: 'ledger.FundsStolen event: type is not a ledger account event type',
      });
    });

    it('a type named by another class of object', () => {
      expect(refusal({ ...toEventRecord(deposit), type: 'toString' }).path).toBe('type');
    });

    it.each([0, 1.5, '1', null])('schema version %p', (schemaVersion) => {
      expect(refusal({ ...toEventRecord(deposit), schemaVersion }).path).toBe('schemaVersion');
    });

    it('a schema version newer than this geode reads', () => {
      expect(refusal({ ...toEventRecord(deposit), schemaVersion: 2 }).message).toMatch(
        /schemaVersion is 2, newer than 1, the latest this geode reads/,
      );
    });

    it('an event id that is not a UUID', () => {
      expect(refusal({ ...toEventRecord(deposit), eventId: 'dep-1' }).path).toBe('eventId');
    });

    it.each<[string, unknown]>([
      ['null', null],
      ['an array', []],
      ['a string', '{"amount":"1"}'],
    ])('data that is %s', (_case, data) => {
      expect(refusal({ ...toEventRecord(deposit), data }).path).toBe('data');
    });

    it.each<[string, Record<string, unknown>, string, RegExp]>([
      [
        'a missing field',
        { accountId: 'acc-1', at: '2026-01-01T00:00:00.000Z' },
        'data.amount',
        /is missing/,
      ],
      [
        'an unknown field',
        { ...deposit.data, note: 'hi' },
        'data.note',
        /is not a field of this event/,
      ],
      ['a numeric amount', { ...deposit.data, amount: 100 }, 'data.amount', /must be a string/],
      [
        'an amount with an exponent',
        { ...deposit.data, amount: '1e3' },
        'data.amount',
        /not a whole number/,
      ],
      [
        'a negative amount',
        { ...deposit.data, amount: '-100' },
        'data.amount',
        /not a whole number/,
      ],
      [
        'an amount above 2^63 − 1',
        { ...deposit.data, amount: '9223372036854775808' },
        'data.amount',
        /above the largest/,
      ],
      [
        'a time in another format',
        { ...deposit.data, at: '2026-01-01' },
        'data.at',
        /UTC timestamp/,
      ],
    ])('a deposit with %s', (_case, data, path, problem) => {
      const refused = refusal(withData(deposit, data));
      expect(refused.path).toBe(path);
      expect(refused.message).toMatch(problem);
    });

    it('data that is not a plain object (fields inherited from a prototype)', () => {
      const data = Object.assign(Object.create({ amount: '100' }) as object, {
        accountId: 'acc-1',
        at: '2026-01-01T00:00:00.000Z',
      });
      expect(refusal(withData(deposit, data as Record<string, unknown>)).path).toBe('data');
    });

    it('an opening whose home is outside its residency', () => {
      const opened = accountOpened();
      const data = { ...opened.data, residency: ['us-east-1'], homeRegion: 'eu-west-1' };
      expect(refusal(withData(opened, data)).path).toBe('data.homeRegion');
    });

    it('an opening whose residency is not in ascending order', () => {
      const opened = accountOpened();
      const data = { ...opened.data, residency: ['eu-west-1', 'eu-central-1'] };
      expect(refusal(withData(opened, data)).message).toMatch(
        /residency must list distinct regions/,
      );
    });

    it('an opening with an untrimmed owner name', () => {
      const opened = accountOpened();
      expect(refusal(withData(opened, { ...opened.data, ownerName: ' Ada' })).path).toBe(
        'data.ownerName',
      );
    });

    it('an owner change that changes nothing', () => {
      const changed = ownerDetailsChanged({ ownerName: 'Ada' });
      expect(
        refusal(withData(changed, { accountId: 'acc-1', at: changed.data.at })).message,
      ).toMatch(/data must change ownerName, ownerEmail or both/);
    });

    it('a transfer from an account to itself', () => {
      const sent = transferSent('5');
      expect(refusal(withData(sent, { ...sent.data, toAccountId: 'acc-1' })).path).toBe(
        'data.toAccountId',
      );
      const received = transferReceived('5');
      expect(
        refusal(withData(received, { ...received.data, fromAccountId: received.data.accountId }))
          .path,
      ).toBe('data.fromAccountId');
    });

    it('a tag that is not a tag', () => {
      const added = tagAdded('vip', { eventId: uuid(1) });
      expect(refusal(withData(added, { ...added.data, tag: 'V I P' })).path).toBe('data.tag');
    });
  });
});
