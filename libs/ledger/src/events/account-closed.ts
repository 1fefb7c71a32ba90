import { readData } from '../shared/data-reader';
import { accountIdRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const ACCOUNT_CLOSED = 'ledger.AccountClosed';

export type AccountClosedData = Readonly<{
  accountId: string;
  at: string;
}>;

export type AccountClosed = DomainEvent<typeof ACCOUNT_CLOSED, AccountClosedData>;

export const accountClosedSchema: EventSchema<typeof ACCOUNT_CLOSED, AccountClosedData> = {
  type: ACCOUNT_CLOSED,
  schemaVersion: 1,
  // Closing was decided at zero balance; money that arrived concurrently in
  // another region leaves a closed account holding funds, for the resolver.
  merge: { kind: 'resolver', resolver: 'ledger.closed-with-balance' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      at: fields.required('at', timestampRule),
    })),
};
