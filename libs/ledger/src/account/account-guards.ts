import { LedgerError } from '../shared/ledger-error';
import type { AccountState, OpenedAccount } from './account-state';

/**
 * The refusals most commands share, in the order a client can act on them:
 * does the account exist, may this region decide for it, is it still usable.
 */
export function requireOpened(state: AccountState, accountId: string): OpenedAccount {
  if (state.status === 'not-opened') {
    throw new LedgerError('not-found', `account ${accountId} does not exist`, { accountId });
  }
  // A handler that folded another stream is a bug, not a refusal.
  if (state.id !== accountId) {
    throw new Error(`state of account ${state.id} given for a command on account ${accountId}`);
  }
  return state;
}

export function requireResidency(account: OpenedAccount, region: string): void {
  requireRegionAllowed(account.id, account.residency, region);
}

export function requireRegionAllowed(
  accountId: string,
  residency: readonly string[] | null,
  region: string,
): void {
  if (residency === null || residency.includes(region)) return;
  throw new LedgerError(
    'residency-violation',
    `account ${accountId} may only be held in ${residency.join(', ')}; region ${region} may not decide for it`,
    { accountId, region, allowedRegions: residency },
  );
}

export function requireNotClosed(account: OpenedAccount): void {
  if (account.status === 'closed') {
    throw new LedgerError('account-closed', `account ${account.id} is closed`, {
      accountId: account.id,
    });
  }
}

export function requireNotFrozen(account: OpenedAccount): void {
  if (account.status === 'frozen') {
    const why = account.freezeReason === null ? '' : ` (${account.freezeReason})`;
    throw new LedgerError('account-frozen', `account ${account.id} is frozen${why}`, {
      accountId: account.id,
    });
  }
}

/** Exists, may be decided here, not closed: what every command after opening needs. */
export function requireUsable(
  state: AccountState,
  accountId: string,
  region: string,
): OpenedAccount {
  const account = requireOpened(state, accountId);
  requireResidency(account, region);
  requireNotClosed(account);
  return account;
}
