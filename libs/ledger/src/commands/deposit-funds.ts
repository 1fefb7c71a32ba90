import { requireNotFrozen, requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { FUNDS_DEPOSITED, type FundsDeposited } from '../events/funds-deposited';
import { formatMinorUnits, MAX_MINOR_UNITS } from '../money/minor-units';
import { accountIdRule } from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedAmount, checkedMetadata } from './command-checks';

export type DepositFunds = Command<
  'DepositFunds',
  Readonly<{
    accountId: string;
    /** Minor units, ≥ 1. */
    amount: bigint;
  }>
>;

export function decideDepositFunds(command: DepositFunds, state: AccountState): FundsDeposited[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);
  const amount = checkedAmount('amount', command.data.amount);

  const account = requireUsable(state, accountId, region);
  requireNotFrozen(account);
  requireBalanceFits(accountId, account.balance + amount);

  return [
    {
      type: FUNDS_DEPOSITED,
      data: { accountId, amount: formatMinorUnits(amount), at },
      metadata: { eventId },
    },
  ];
}

/** Balances stay within a PostgreSQL bigint, like amounts. */
export function requireBalanceFits(accountId: string, balance: bigint): void {
  if (balance > MAX_MINOR_UNITS) {
    throw new LedgerError(
      'validation',
      `account ${accountId} would hold more than ${MAX_MINOR_UNITS} minor units`,
      { accountId, field: 'amount' },
    );
  }
}
