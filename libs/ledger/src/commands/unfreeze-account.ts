import { requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { ACCOUNT_UNFROZEN, type AccountUnfrozen } from '../events/account-unfrozen';
import { accountIdRule } from '../shared/field-rules';
import type { Command } from './command';
import { checked, checkedMetadata } from './command-checks';

export type UnfreezeAccount = Command<'UnfreezeAccount', Readonly<{ accountId: string }>>;

/** Unfreezing an account that is not frozen changes nothing. */
export function decideUnfreezeAccount(
  command: UnfreezeAccount,
  state: AccountState,
): AccountUnfrozen[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);

  const account = requireUsable(state, accountId, region);
  if (account.status !== 'frozen') return [];

  return [{ type: ACCOUNT_UNFROZEN, data: { accountId, at }, metadata: { eventId } }];
}
