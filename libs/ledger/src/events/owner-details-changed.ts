import { readData } from '../shared/data-reader';
import {
  accountIdRule,
  emailRule,
  nullable,
  ownerNameRule,
  timestampRule,
} from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const OWNER_DETAILS_CHANGED = 'ledger.OwnerDetailsChanged';

/**
 * Only the fields that changed are present, so concurrent changes of different
 * fields in two regions both survive the per-field last-writer-wins merge.
 */
export type OwnerDetailsChangedData = Readonly<{
  accountId: string;
  ownerName?: string;
  /** `null` clears the email. */
  ownerEmail?: string | null;
  at: string;
}>;

export type OwnerDetailsChanged = DomainEvent<
  typeof OWNER_DETAILS_CHANGED,
  OwnerDetailsChangedData
>;

export const ownerDetailsChangedSchema: EventSchema<
  typeof OWNER_DETAILS_CHANGED,
  OwnerDetailsChangedData
> = {
  type: OWNER_DETAILS_CHANGED,
  schemaVersion: 1,
  merge: { kind: 'lww', fields: ['ownerName', 'ownerEmail'] },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => {
      const accountId = fields.required('accountId', accountIdRule);
      const ownerName = fields.optional('ownerName', ownerNameRule);
      const ownerEmail = fields.optional('ownerEmail', nullable(emailRule));
      const at = fields.required('at', timestampRule);
      if (ownerName === undefined && ownerEmail === undefined) {
        fields.fail('', 'must change ownerName, ownerEmail or both');
      }
      return {
        accountId,
        ...(ownerName !== undefined && { ownerName }),
        ...(ownerEmail !== undefined && { ownerEmail }),
        at,
      };
    }),
};
