import { requireNotFrozen, requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { ACCOUNT_CLOSED, type AccountClosed } from '../events/account-closed';
import { formatMinorUnits } from '../money/minor-units';
import { accountIdRule } from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedMetadata } from './command-checks';

export type CloseAccount = Command<'CloseAccount', Readonly<{ accountId: string }>>;

/**
 * Closing is final, so a closed account refuses it like everything else. A
 * frozen account must be unfrozen first: a freeze is a hold, and closing would
 * lift it silently.
 */
export function decideCloseAccount(command: CloseAccount, state: AccountState): AccountClosed[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);

  const account = requireUsable(state, accountId, region);
  requireNotFrozen(account);
  if (account.balance !== 0n) {
    throw new LedgerError(
      'balance-not-zero',
      `account ${accountId} holds ${formatMinorUnits(account.balance)} minor units of ${account.currency}; only an account at zero can close`,
      { accountId },
    );
  }

  return [{ type: ACCOUNT_CLOSED, data: { accountId, at }, metadata: { eventId } }];
}
