import { readData } from '../shared/data-reader';
import {
  accountIdRule,
  minorUnitsTextRule,
  timestampRule,
  transferIdRule,
} from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const TRANSFER_SENT = 'ledger.TransferSent';

/** On the source account's stream. */
export type TransferSentData = Readonly<{
  accountId: string;
  transferId: string;
  toAccountId: string;
  /** Minor units, decimal string, ≥ 1. */
  amount: string;
  at: string;
}>;

export type TransferSent = DomainEvent<typeof TRANSFER_SENT, TransferSentData>;

export const transferSentSchema: EventSchema<typeof TRANSFER_SENT, TransferSentData> = {
  type: TRANSFER_SENT,
  schemaVersion: 1,
  // Money leaves the account like a withdrawal: the same overdraft risk.
  merge: { kind: 'resolver', resolver: 'ledger.overdraft' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => {
      const sent: TransferSentData = {
        accountId: fields.required('accountId', accountIdRule),
        transferId: fields.required('transferId', transferIdRule),
        toAccountId: fields.required('toAccountId', accountIdRule),
        amount: fields.required('amount', minorUnitsTextRule),
        at: fields.required('at', timestampRule),
      };
      if (sent.toAccountId === sent.accountId) {
        fields.fail('toAccountId', 'must be another account than accountId');
      }
      return sent;
    }),
};
