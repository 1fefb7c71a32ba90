import type { AccountOpened } from '../events/account-opened';
import { accountIdRule } from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';

/** Stream category: account streams are `account-<id>`. */
export const ACCOUNT_CATEGORY = 'account';

/** Merge policy id recorded on account streams (DESIGN.md §4). */
export const ACCOUNT_MERGE_POLICY = 'ledger.account';

export function accountStreamId(accountId: string): string {
  const id = accountIdRule(accountId);
  if (!id.ok) throw new LedgerError('validation', `accountId ${id.error}`, { field: 'accountId' });
  return `${ACCOUNT_CATEGORY}-${id.value}`;
}

/**
 * What the store records on an account stream when it is created: residency
 * travels with every event of the stream (redacted where it may not go).
 */
export function accountStreamMetadata(opened: AccountOpened): {
  homeRegion: string;
  residency: string[] | null;
  mergePolicy: string;
} {
  const { homeRegion, residency } = opened.data;
  return {
    homeRegion,
    residency: residency === null ? null : [...residency],
    mergePolicy: ACCOUNT_MERGE_POLICY,
  };
}
