import type { AccountClosed } from './account-closed';
import type { AccountFrozen } from './account-frozen';
import type { AccountOpened } from './account-opened';
import type { AccountUnfrozen } from './account-unfrozen';
import type { FundsDeposited } from './funds-deposited';
import type { FundsWithdrawn } from './funds-withdrawn';
import type { OwnerDetailsChanged } from './owner-details-changed';
import type { TagAdded } from './tag-added';
import type { TagRemoved } from './tag-removed';
import type { TransferReceived } from './transfer-received';
import type { TransferSent } from './transfer-sent';

/** Every event of an `account-<id>` stream. */
export type AccountEvent =
  | AccountOpened
  | FundsDeposited
  | FundsWithdrawn
  | AccountFrozen
  | AccountUnfrozen
  | AccountClosed
  | OwnerDetailsChanged
  | TagAdded
  | TagRemoved
  | TransferSent
  | TransferReceived;

export type AccountEventType = AccountEvent['type'];

export type AccountEventOfType<Type extends AccountEventType> = Extract<
  AccountEvent,
  { type: Type }
>;
