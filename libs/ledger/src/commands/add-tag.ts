import { requireUsable } from '../account/account-guards';
import type { AccountState } from '../account/account-state';
import { TAG_ADDED, type TagAdded } from '../events/tag-added';
import { accountIdRule, tagRule } from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedMetadata } from './command-checks';

/** Keeps the state, and every read model of it, small. */
export const MAX_TAGS = 100;

export type AddTag = Command<'AddTag', Readonly<{ accountId: string; tag: string }>>;

/** Tags are a set: adding one the account has changes nothing. */
export function decideAddTag(command: AddTag, state: AccountState): TagAdded[] {
  const { eventId, at, region } = checkedMetadata(command.metadata);
  const accountId = checked('accountId', accountIdRule, command.data.accountId);
  const tag = checked('tag', tagRule, command.data.tag);

  const account = requireUsable(state, accountId, region);
  if (account.tags.includes(tag)) return [];
  if (account.tags.length >= MAX_TAGS) {
    throw new LedgerError(
      'validation',
      `account ${accountId} already has ${MAX_TAGS} tags, the most it may have`,
      { accountId, field: 'tag' },
    );
  }

  return [{ type: TAG_ADDED, data: { accountId, tag, at }, metadata: { eventId } }];
}
