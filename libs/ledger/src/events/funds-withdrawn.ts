import { readData } from '../shared/data-reader';
import { accountIdRule, minorUnitsTextRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const FUNDS_WITHDRAWN = 'ledger.FundsWithdrawn';

export type FundsWithdrawnData = Readonly<{
  accountId: string;
  /** Minor units, decimal string, ≥ 1. */
  amount: string;
  at: string;
}>;

export type FundsWithdrawn = DomainEvent<typeof FUNDS_WITHDRAWN, FundsWithdrawnData>;

export const fundsWithdrawnSchema: EventSchema<typeof FUNDS_WITHDRAWN, FundsWithdrawnData> = {
  type: FUNDS_WITHDRAWN,
  schemaVersion: 1,
  // Each region checked the balance it knew; concurrent withdrawals can
  // together overdraw, which only a resolver can compensate.
  merge: { kind: 'resolver', resolver: 'ledger.overdraft' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      amount: fields.required('amount', minorUnitsTextRule),
      at: fields.required('at', timestampRule),
    })),
};
