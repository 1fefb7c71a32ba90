import type { AddTag } from '../commands/add-tag';
import type { ChangeOwnerDetails } from '../commands/change-owner-details';
import type { CloseAccount } from '../commands/close-account';
import type { CommandMetadata } from '../commands/command';
import type { DepositFunds } from '../commands/deposit-funds';
import type { FreezeAccount } from '../commands/freeze-account';
import type { OpenAccount } from '../commands/open-account';
import type { RemoveTag } from '../commands/remove-tag';
import type { TransferFunds, TransferMetadata } from '../commands/transfer-funds';
import type { UnfreezeAccount } from '../commands/unfreeze-account';
import type { WithdrawFunds } from '../commands/withdraw-funds';
import type { AccountClosed } from '../events/account-closed';
import type { AccountFrozen } from '../events/account-frozen';
import type { AccountOpened, AccountOpenedData } from '../events/account-opened';
import type { AccountUnfrozen } from '../events/account-unfrozen';
import type { FundsDeposited } from '../events/funds-deposited';
import type { FundsWithdrawn } from '../events/funds-withdrawn';
import type { OwnerDetailsChanged, OwnerDetailsChangedData } from '../events/owner-details-changed';
import type { TagAdded } from '../events/tag-added';
import type { TagRemoved } from '../events/tag-removed';
import type { TransferReceived } from '../events/transfer-received';
import type { TransferSent } from '../events/transfer-sent';

export const ACCOUNT_ID = 'acc-1';
export const OTHER_ACCOUNT_ID = 'acc-2';
export const TRANSFER_ID = 'tr-1';
export const REGION = 'eu-west-1';
export const OTHER_REGION = 'us-east-1';
export const AT = '2026-03-01T12:00:00.000Z';
/** Time of the events a test gives (before the command's `AT`). */
export const EARLIER = '2026-02-01T08:30:00.000Z';

/** A valid UUID (v4 layout) numbered `n`, so tests can tell events apart. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

/** The event id the command under test carries. */
export const COMMAND_EVENT_ID = uuid(0xc0ffee);

type EventOptions = { eventId?: string; accountId?: string; at?: string };

// ---- events a test gives ------------------------------------------------

export function accountOpened(
  data: Partial<AccountOpenedData> = {},
  eventId = uuid(1),
): AccountOpened {
  return {
    type: 'ledger.AccountOpened',
    data: {
      accountId: ACCOUNT_ID,
      ownerName: 'Ada Lovelace',
      ownerEmail: 'ada@example.com',
      currency: 'EUR',
      residency: null,
      homeRegion: REGION,
      at: EARLIER,
      ...data,
    },
    metadata: { eventId },
  };
}

export function fundsDeposited(amount: string, options: EventOptions = {}): FundsDeposited {
  const { eventId = uuid(2), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.FundsDeposited', data: { accountId, amount, at }, metadata: { eventId } };
}

export function fundsWithdrawn(amount: string, options: EventOptions = {}): FundsWithdrawn {
  const { eventId = uuid(3), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.FundsWithdrawn', data: { accountId, amount, at }, metadata: { eventId } };
}

export function accountFrozen(
  reason: string | null = null,
  options: EventOptions = {},
): AccountFrozen {
  const { eventId = uuid(4), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.AccountFrozen', data: { accountId, reason, at }, metadata: { eventId } };
}

export function accountUnfrozen(options: EventOptions = {}): AccountUnfrozen {
  const { eventId = uuid(5), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.AccountUnfrozen', data: { accountId, at }, metadata: { eventId } };
}

export function accountClosed(options: EventOptions = {}): AccountClosed {
  const { eventId = uuid(6), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.AccountClosed', data: { accountId, at }, metadata: { eventId } };
}

export function ownerDetailsChanged(
  changes: Pick<OwnerDetailsChangedData, 'ownerName' | 'ownerEmail'>,
  options: EventOptions = {},
): OwnerDetailsChanged {
  const { eventId = uuid(7), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return {
    type: 'ledger.OwnerDetailsChanged',
    data: { accountId, ...changes, at },
    metadata: { eventId },
  };
}

export function tagAdded(tag: string, options: EventOptions = {}): TagAdded {
  const { eventId = uuid(8), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.TagAdded', data: { accountId, tag, at }, metadata: { eventId } };
}

export function tagRemoved(tag: string, options: EventOptions = {}): TagRemoved {
  const { eventId = uuid(9), accountId = ACCOUNT_ID, at = EARLIER } = options;
  return { type: 'ledger.TagRemoved', data: { accountId, tag, at }, metadata: { eventId } };
}

export function transferSent(
  amount: string,
  options: EventOptions & { transferId?: string; toAccountId?: string } = {},
): TransferSent {
  const {
    eventId = uuid(10),
    accountId = ACCOUNT_ID,
    at = EARLIER,
    transferId = TRANSFER_ID,
    toAccountId = OTHER_ACCOUNT_ID,
  } = options;
  return {
    type: 'ledger.TransferSent',
    data: { accountId, transferId, toAccountId, amount, at },
    metadata: { eventId },
  };
}

export function transferReceived(
  amount: string,
  options: EventOptions & { transferId?: string; fromAccountId?: string } = {},
): TransferReceived {
  const {
    eventId = uuid(11),
    accountId = OTHER_ACCOUNT_ID,
    at = EARLIER,
    transferId = TRANSFER_ID,
    fromAccountId = ACCOUNT_ID,
  } = options;
  return {
    type: 'ledger.TransferReceived',
    data: { accountId, transferId, fromAccountId, amount, at },
    metadata: { eventId },
  };
}

// ---- commands under test --------------------------------------------------

export function commandMetadata(overrides: Partial<CommandMetadata> = {}): CommandMetadata {
  return { eventId: COMMAND_EVENT_ID, at: AT, region: REGION, ...overrides };
}

export function openAccount(
  data: Partial<OpenAccount['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): OpenAccount {
  return {
    type: 'OpenAccount',
    data: { accountId: ACCOUNT_ID, ownerName: 'Ada Lovelace', currency: 'EUR', ...data },
    metadata: commandMetadata(metadata),
  };
}

export function depositFunds(
  amount: bigint,
  data: Partial<DepositFunds['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): DepositFunds {
  return {
    type: 'DepositFunds',
    data: { accountId: ACCOUNT_ID, amount, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function withdrawFunds(
  amount: bigint,
  data: Partial<WithdrawFunds['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): WithdrawFunds {
  return {
    type: 'WithdrawFunds',
    data: { accountId: ACCOUNT_ID, amount, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function freezeAccount(
  data: Partial<FreezeAccount['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): FreezeAccount {
  return {
    type: 'FreezeAccount',
    data: { accountId: ACCOUNT_ID, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function unfreezeAccount(
  data: Partial<UnfreezeAccount['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): UnfreezeAccount {
  return {
    type: 'UnfreezeAccount',
    data: { accountId: ACCOUNT_ID, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function closeAccount(
  data: Partial<CloseAccount['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): CloseAccount {
  return {
    type: 'CloseAccount',
    data: { accountId: ACCOUNT_ID, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function changeOwnerDetails(
  data: Partial<ChangeOwnerDetails['data']>,
  metadata: Partial<CommandMetadata> = {},
): ChangeOwnerDetails {
  return {
    type: 'ChangeOwnerDetails',
    data: { accountId: ACCOUNT_ID, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function addTag(
  tag: string,
  data: Partial<AddTag['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): AddTag {
  return {
    type: 'AddTag',
    data: { accountId: ACCOUNT_ID, tag, ...data },
    metadata: commandMetadata(metadata),
  };
}

export function removeTag(
  tag: string,
  data: Partial<RemoveTag['data']> = {},
  metadata: Partial<CommandMetadata> = {},
): RemoveTag {
  return {
    type: 'RemoveTag',
    data: { accountId: ACCOUNT_ID, tag, ...data },
    metadata: commandMetadata(metadata),
  };
}

export const SENT_EVENT_ID = uuid(0x5e17);
export const RECEIVED_EVENT_ID = uuid(0x4ec7);

export function transferMetadata(overrides: Partial<TransferMetadata> = {}): TransferMetadata {
  return {
    eventIds: { sent: SENT_EVENT_ID, received: RECEIVED_EVENT_ID },
    at: AT,
    region: REGION,
    ...overrides,
  };
}

export function transferFunds(
  amount: bigint,
  data: Partial<TransferFunds['data']> = {},
  metadata: Partial<TransferMetadata> = {},
): TransferFunds {
  return {
    type: 'TransferFunds',
    data: {
      transferId: TRANSFER_ID,
      fromAccountId: ACCOUNT_ID,
      toAccountId: OTHER_ACCOUNT_ID,
      amount,
      ...data,
    },
    metadata: transferMetadata(metadata),
  };
}
