import { requireNotFrozen, requireUsable } from '../account/account-guards';
import type { AccountState, OpenedAccount } from '../account/account-state';
import { FUNDS_WITHDRAWN, type FundsWithdrawn } from '../events/funds-withdrawn';
import { formatMinorUnits } from '../money/minor-units';
import { accountIdRule } from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedAmount, checkedMetadata } from './command-checks';

export type WithdrawFunds = Command<
  'WithdrawFunds',
  Readonly<{
    accountId: string;
    /** Minor units, ≥ 1. */
    amount: bigint;
  }>
>;

export function decideWithdrawFunds(command: WithdrawFunds, state: AccountState): FundsWithdrawn[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);
  const amount = checkedAmount('amount', command.data.amount);

  const account = requireUsable(state, accountId, region);
  requireNotFrozen(account);
  requireFunds(account, amount);

  return [
    {
      type: FUNDS_WITHDRAWN,
      data: { accountId, amount: formatMinorUnits(amount), at },
      metadata: { eventId },
    },
  ];
}

/**
 * Checked against the balance this geode knows. A withdrawal decided
 * concurrently elsewhere is not visible yet; the overdraft resolver settles it.
 */
export function requireFunds(account: OpenedAccount, amount: bigint): void {
  if (amount > account.balance) {
    throw new LedgerError(
      'insufficient-funds',
      `account ${account.id} holds ${formatMinorUnits(account.balance)} minor units of ${account.currency}; ${formatMinorUnits(amount)} would overdraw it`,
      { accountId: account.id },
    );
  }
}
