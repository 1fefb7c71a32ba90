import { readData } from '../shared/data-reader';
import {
  accountIdRule,
  minorUnitsTextRule,
  timestampRule,
  transferIdRule,
} from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const TRANSFER_RECEIVED = 'ledger.TransferReceived';

/** On the target account's stream. */
export type TransferReceivedData = Readonly<{
  accountId: string;
  transferId: string;
  fromAccountId: string;
  /** Minor units, decimal string, ≥ 1. */
  amount: string;
  at: string;
}>;

export type TransferReceived = DomainEvent<typeof TRANSFER_RECEIVED, TransferReceivedData>;

export const transferReceivedSchema: EventSchema<typeof TRANSFER_RECEIVED, TransferReceivedData> = {
  type: TRANSFER_RECEIVED,
  schemaVersion: 1,
  merge: { kind: 'counter', field: 'balance', operation: 'increment', amount: 'amount' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => {
      const received: TransferReceivedData = {
        accountId: fields.required('accountId', accountIdRule),
        transferId: fields.required('transferId', transferIdRule),
        fromAccountId: fields.required('fromAccountId', accountIdRule),
        amount: fields.required('amount', minorUnitsTextRule),
        at: fields.required('at', timestampRule),
      };
      if (received.fromAccountId === received.accountId) {
        fields.fail('fromAccountId', 'must be another account than accountId');
      }
      return received;
    }),
};
