import type { CurrencyCode } from '../money/currency';

/** What an account stream folds to before its `AccountOpened`. */
export type NotOpenedAccount = Readonly<{ status: 'not-opened' }>;

/**
 * `overdrawn`: open with a balance below zero, which only concurrent
 * withdrawals decided in different regions can cause (the overdraft resolver
 * records it in a merge event). It follows from the balance, so every geode
 * reads the same status from the same events.
 */
export type AccountStatus = 'open' | 'overdrawn' | 'frozen' | 'closed';

export type AccountOwner = Readonly<{
  name: string;
  email: string | null;
}>;

/** A transfer this account took part in, remembered so a transfer id moves money once. */
export type TransferRecord = Readonly<{
  direction: 'sent' | 'received';
  counterpartyId: string;
  amount: bigint;
}>;

export type OpenedAccount = Readonly<{
  status: AccountStatus;
  id: string;
  owner: AccountOwner;
  currency: CurrencyCode;
  /**
   * Minor units. Never negative by this geode's own decisions; concurrent
   * withdrawals decided in other regions can take it below zero until the
   * overdraft resolver's merge event compensates.
   */
  balance: bigint;
  /** Distinct, ascending. */
  tags: readonly string[];
  homeRegion: string;
  /** Regions allowed to hold the account's data, ascending; `null` = all. */
  residency: readonly string[] | null;
  /** Set while frozen. */
  freezeReason: string | null;
  transfers: ReadonlyMap<string, TransferRecord>;
}>;

/**
 * No stream revision here: handlers take the expected revision from the store
 * read they folded, the only source of truth for it.
 */
export type AccountState = NotOpenedAccount | OpenedAccount;

export function initialState(): AccountState {
  return { status: 'not-opened' };
}
