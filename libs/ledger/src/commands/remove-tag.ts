import { requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { TAG_REMOVED, type TagRemoved } from '../events/tag-removed';
import { accountIdRule, tagRule } from '../shared/field-rules';
import type { Command } from './command';
import { checked, checkedMetadata } from './command-checks';

export type RemoveTag = Command<'RemoveTag', Readonly<{ accountId: string; tag: string }>>;

/** Tags are a set: removing one the account does not have changes nothing. */
export function decideRemoveTag(command: RemoveTag, state: AccountState): TagRemoved[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);
  const tag = checked('tag', tagRule, command.data.tag);

  const account = requireUsable(state, accountId, region);
  if (!account.tags.includes(tag)) return [];

  return [{ type: TAG_REMOVED, data: { accountId, tag, at }, metadata: { eventId } }];
}
