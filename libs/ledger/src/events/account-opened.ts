import type { CurrencyCode } from '../money/currency';
import { readData } from '../shared/data-reader';
import {
  accountIdRule,
  currencyRule,
  emailRule,
  nullable,
  ownerNameRule,
  regionListRule,
  regionRule,
  timestampRule,
} from '../shared/field-rules';
import type { DomainEvent } from './domain-event';
import { identityUpcaster, type EventSchema } from './event-schema';

export const ACCOUNT_OPENED = 'ledger.AccountOpened';

export type AccountOpenedData = Readonly<{
  accountId: string;
  ownerName: string;
  ownerEmail: string | null;
  currency: CurrencyCode;
  /** Regions allowed to hold the account's data, ascending; `null` = all regions. */
  residency: readonly string[] | null;
  /** The region that writes the account's merge events. */
  homeRegion: string;
  at: string;
}>;

export type AccountOpened = DomainEvent<typeof ACCOUNT_OPENED, AccountOpenedData>;

export const accountOpenedSchema: EventSchema<typeof ACCOUNT_OPENED, AccountOpenedData> = {
  type: ACCOUNT_OPENED,
  schemaVersion: 1,
  // Two regions opening the same id concurrently is a duplicate to reconcile,
  // not a register to overwrite: the resolver compares the two openings.
  merge: { kind: 'resolver', resolver: 'ledger.duplicate-open' },
  upcast: identityUpcaster,
  parseData: (data) =>
    readData(data, (fields) => {
      const opened: AccountOpenedData = {
        accountId: fields.required('accountId', accountIdRule),
        ownerName: fields.required('ownerName', ownerNameRule),
        ownerEmail: fields.required('ownerEmail', nullable(emailRule)),
        currency: fields.required('currency', currencyRule),
        residency: fields.required('residency', nullable(regionListRule)),
        homeRegion: fields.required('homeRegion', regionRule),
        at: fields.required('at', timestampRule),
      };
      if (opened.residency !== null && !opened.residency.includes(opened.homeRegion)) {
        fields.fail('homeRegion', 'must be one of the residency regions');
      }
      return opened;
    }),
};
