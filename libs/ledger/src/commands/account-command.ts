import type { AddTag } from './add-tag';
import type { ChangeOwnerDetails } from './change-owner-details';
import type { CloseAccount } from './close-account';
import type { DepositFunds } from './deposit-funds';
import type { FreezeAccount } from './freeze-account';
import type { OpenAccount } from './open-account';
import type { RemoveTag } from './remove-tag';
import type { UnfreezeAccount } from './unfreeze-account';
import type { WithdrawFunds } from './withdraw-funds';

/** Every command on one account stream. Transfers span two: see `decideTransfer`. */
export type AccountCommand =
  | OpenAccount
  | DepositFunds
  | WithdrawFunds
  | FreezeAccount
  | UnfreezeAccount
  | CloseAccount
  | ChangeOwnerDetails
  | AddTag
  | RemoveTag;

export type AccountCommandType = AccountCommand['type'];
