/** An account as the read model answers it (REST and GraphQL share it). */
export interface AccountView {
  accountId: string;
  owner: { name: string; email: string | null };
  currency: string;
  /** Minor units, as a decimal string (like the command API). */
  balance: string;
  /** `overdrawn`: open with a negative balance (concurrent withdrawals; ADR 0012). */
  status: 'open' | 'overdrawn' | 'frozen' | 'closed';
  /** Distinct, ascending. */
  tags: string[];
  homeRegion: string;
  /** Regions allowed to hold the account's data; `null` = all. */
  residency: string[] | null;
  /** Events of the account this geode has applied. */
  revision: number;
  lastEventAt: string | null;
  /**
   * The account's latest fork (ADR 0012): `pending` while concurrent changes
   * wait for their merge (the state shown is provisional), then `resolved`
   * with the merge event; `null` when the stream never forked.
   */
  conflict: AccountConflict | null;
}

export interface AccountConflict {
  forkedAt: string;
  heads: string[];
  status: 'pending' | 'resolved';
  mergeEventId: string | null;
}

/** A read's answer: the view, and which geode served it when (computed at read time, not stored). */
export interface Served<View> {
  servedBy: string;
  asOf: string;
  view: View;
}

/** One line of an account's statement. */
export interface EntryView {
  eventId: string;
  accountId: string;
  /** `merge-adjustment`: money a merge moved (an overdraft fee; ADR 0012). */
  kind: 'deposit' | 'withdrawal' | 'transfer-sent' | 'transfer-received' | 'merge-adjustment';
  /** Signed minor units, as a decimal string: money out is negative. */
  amount: string;
  currency: string | null;
  transferId: string | null;
  counterpartyId: string | null;
  occurredAt: string;
}

export interface AccountFilter {
  /** Exact owner name or email, case-insensitive. */
  owner?: string;
  status?: AccountView['status'];
  tag?: string;
}
