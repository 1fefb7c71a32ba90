import { readData } from '../shared/data-reader';
import { accountIdRule, minorUnitsTextRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const FUNDS_DEPOSITED = 'ledger.FundsDeposited';

export type FundsDepositedData = Readonly<{
  accountId: string;
  /** Minor units, decimal string, ≥ 1. */
  amount: string;
  at: string;
}>;

export type FundsDeposited = DomainEvent<typeof FUNDS_DEPOSITED, FundsDepositedData>;

export const fundsDepositedSchema: EventSchema<typeof FUNDS_DEPOSITED, FundsDepositedData> = {
  type: FUNDS_DEPOSITED,
  schemaVersion: 1,
  merge: { kind: 'counter', field: 'balance', operation: 'increment', amount: 'amount' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      amount: fields.required('amount', minorUnitsTextRule),
      at: fields.required('at', timestampRule),
    })),
};
