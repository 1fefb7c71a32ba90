import { requireRegionAllowed } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { ACCOUNT_OPENED, type AccountOpened } from '../events/account-opened';
import type { CurrencyCode } from '../money/currency';
import {
  accountIdRule,
  currencyRule,
  emailRule,
  ownerNameRule,
  regionListRule,
  regionRule,
} from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedMetadata, trimmed } from './command-checks';

export type OpenAccount = Command<
  'OpenAccount',
  Readonly<{
    accountId: string;
    ownerName: string;
    ownerEmail?: string | null;
    currency: CurrencyCode;
    /** Regions allowed to hold the account's data; absent or `null` = all regions. */
    residency?: readonly string[] | null;
    /** Default: the region deciding the command. */
    homeRegion?: string;
  }>
>;

export function decideOpenAccount(command: OpenAccount, state: AccountState): AccountOpened[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const { data } = command;
  const accountId = checked('accountId', accountIdRule, data.accountId);
  const ownerName = checked('ownerName', ownerNameRule, trimmed(data.ownerName));
  const ownerEmail =
    data.ownerEmail === undefined || data.ownerEmail === null
      ? null
      : checked('ownerEmail', emailRule, trimmed(data.ownerEmail));
  const currency = checked('currency', currencyRule, data.currency);
  const residency =
    data.residency === undefined || data.residency === null
      ? null
      : checked('residency', regionListRule, ascendingDistinct(data.residency));
  const homeRegion =
    data.homeRegion === undefined ? region : checked('homeRegion', regionRule, data.homeRegion);

  if (state.status !== 'not-opened') {
    throw new LedgerError('already-exists', `account ${accountId} already exists`, { accountId });
  }
  // The opening event itself is account data: it may only be written where
  // the account may live, and its home must be one of those places.
  requireRegionAllowed(accountId, residency, region);
  requireRegionAllowed(accountId, residency, homeRegion);

  return [
    {
      type: ACCOUNT_OPENED,
      data: { accountId, ownerName, ownerEmail, currency, residency, homeRegion, at },
      metadata: { eventId },
    },
  ];
}

/** Residency is a set: one spelling per set keeps equal residencies equal in events. */
function ascendingDistinct(regions: unknown): unknown {
  if (!Array.isArray(regions)) return regions;
  return [...new Set(regions as unknown[])].sort();
}
