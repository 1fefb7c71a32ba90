import { requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { ACCOUNT_FROZEN, type AccountFrozen } from '../events/account-frozen';
import { accountIdRule, reasonRule } from '../shared/field-rules';
import type { Command } from './command';
import { checked, checkedMetadata, trimmed } from './command-checks';

export type FreezeAccount = Command<
  'FreezeAccount',
  Readonly<{
    accountId: string;
    /** Why, for the audit trail. */
    reason?: string | null;
  }>
>;

/** Freezing a frozen account changes nothing: the caller wants it frozen, and it is. */
export function decideFreezeAccount(command: FreezeAccount, state: AccountState): AccountFrozen[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);
  const reason = optionalReason(command.data.reason);

  const account = requireUsable(state, accountId, region);
  if (account.status === 'frozen') return [];

  return [{ type: ACCOUNT_FROZEN, data: { accountId, reason, at }, metadata: { eventId } }];
}

function optionalReason(reason: unknown): string | null {
  const text = trimmed(reason);
  return text === undefined || text === null || text === ''
    ? null
    : checked('reason', reasonRule, text);
}
