import type { AccountCommand } from '../commands/account-command';
import { decideAddTag } from '../commands/add-tag';
import { decideChangeOwnerDetails } from '../commands/change-owner-details';
import { decideCloseAccount } from '../commands/close-account';
import { decideDepositFunds } from '../commands/deposit-funds';
import { decideFreezeAccount } from '../commands/freeze-account';
import { decideOpenAccount } from '../commands/open-account';
import { decideRemoveTag } from '../commands/remove-tag';
import { decideUnfreezeAccount } from '../commands/unfreeze-account';
import { decideWithdrawFunds } from '../commands/withdraw-funds';
import type { AccountEvent } from '../events/account-event';
import { LedgerError } from '../shared/ledger-error';
import type { AccountState } from './account-state';

/**
 * Decides a command on the state this geode folded. Pure: the same command on
 * the same state yields the same events (ids and time come with the command).
 * Refusals throw a `LedgerError`; an empty list means "already so".
 */
export function decide(command: AccountCommand, state: AccountState): AccountEvent[] {
  switch (command.type) {
    case 'OpenAccount':
      return decideOpenAccount(command, state);
    case 'DepositFunds':
      return decideDepositFunds(command, state);
    case 'WithdrawFunds':
      return decideWithdrawFunds(command, state);
    case 'FreezeAccount':
      return decideFreezeAccount(command, state);
    case 'UnfreezeAccount':
      return decideUnfreezeAccount(command, state);
    case 'CloseAccount':
      return decideCloseAccount(command, state);
    case 'ChangeOwnerDetails':
      return decideChangeOwnerDetails(command, state);
    case 'AddTag':
      return decideAddTag(command, state);
    case 'RemoveTag':
      return decideRemoveTag(command, state);
    default: {
      const unknown: never = command;
      // Reachable from untyped callers only.
      throw new LedgerError(
        'validation',
        `unknown account command ${JSON.stringify((unknown as { type?: unknown }).type)}`,
        { field: 'type' },
      );
    }
  }
}
