import { readData } from '../shared/data-reader';
import { accountIdRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const ACCOUNT_UNFROZEN = 'ledger.AccountUnfrozen';

export type AccountUnfrozenData = Readonly<{
  accountId: string;
  at: string;
}>;

export type AccountUnfrozen = DomainEvent<typeof ACCOUNT_UNFROZEN, AccountUnfrozenData>;

export const accountUnfrozenSchema: EventSchema<typeof ACCOUNT_UNFROZEN, AccountUnfrozenData> = {
  type: ACCOUNT_UNFROZEN,
  schemaVersion: 1,
  merge: { kind: 'lww', fields: ['status'] },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      at: fields.required('at', timestampRule),
    })),
};
