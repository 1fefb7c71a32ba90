import { readData } from '../shared/data-reader';
import { accountIdRule, nullable, reasonRule, timestampRule } from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const ACCOUNT_FROZEN = 'ledger.AccountFrozen';

export type AccountFrozenData = Readonly<{
  accountId: string;
  /** Why, for the audit trail; `null` when none was given. */
  reason: string | null;
  at: string;
}>;

export type AccountFrozen = DomainEvent<typeof ACCOUNT_FROZEN, AccountFrozenData>;

export const accountFrozenSchema: EventSchema<typeof ACCOUNT_FROZEN, AccountFrozenData> = {
  type: ACCOUNT_FROZEN,
  schemaVersion: 1,
  merge: { kind: 'lww', fields: ['status'] },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => ({
      accountId: fields.required('accountId', accountIdRule),
      reason: fields.required('reason', nullable(reasonRule)),
      at: fields.required('at', timestampRule),
    })),
};
