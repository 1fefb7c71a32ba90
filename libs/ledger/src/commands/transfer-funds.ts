import {
  requireNotClosed,
  requireNotFrozen,
  requireOpened,
  requireResidency,
} from '../account/account-guards';
import type { AccountState, OpenedAccount } from '../account/account-state';
import { TRANSFER_RECEIVED, type TransferReceived } from '../events/transfer-received';
import { TRANSFER_SENT, type TransferSent } from '../events/transfer-sent';
import { formatMinorUnits } from '../money/minor-units';
import {
  accountIdRule,
  eventIdRule,
  regionRule,
  timestampRule,
  transferIdRule,
} from '../shared/field-rules';
import { LedgerError } from '../shared/ledger-error';
import type { Command } from './command';
import { checked, checkedAmount } from './command-checks';
import { requireBalanceFits } from './deposit-funds';
import { requireFunds } from './withdraw-funds';

export type TransferFunds = Command<
  'TransferFunds',
  Readonly<{
    /** Chosen by the caller; the same id never moves money twice. */
    transferId: string;
    fromAccountId: string;
    toAccountId: string;
    /** Minor units, ≥ 1. */
    amount: bigint;
  }>,
  TransferMetadata
>;

/** A transfer writes one event on each stream, so it carries two event ids. */
export type TransferMetadata = Readonly<{
  eventIds: Readonly<{ sent: string; received: string }>;
  at: string;
  region: string;
}>;

/** What to append, atomically (`appendMany`), to the two streams. */
export type TransferDecision = Readonly<{
  from: TransferSent[];
  to: TransferReceived[];
}>;

/**
 * Decides a transfer between two accounts this geode holds. Idempotent by
 * transfer id: a transfer already on both streams yields nothing, and one found
 * on a single stream (a retry racing replication) yields only the missing half.
 * A retry carries the original's event ids, so the store keeps one copy of each.
 */
export function decideTransfer(
  command: TransferFunds,
  fromState: AccountState,
  toState: AccountState,
): TransferDecision {
  const { sentEventId, receivedEventId, at, region } = checkedTransferMetadata(command.metadata);
  const { data } = command;
  const transferId = checked('transferId', transferIdRule, data.transferId);
  const fromAccountId = checked('fromAccountId', accountIdRule, data.fromAccountId);
  const toAccountId = checked('toAccountId', accountIdRule, data.toAccountId);
  const amount = checkedAmount('amount', data.amount);
  if (fromAccountId === toAccountId) {
    throw new LedgerError(
      'validation',
      `transfer ${transferId} must move money between two accounts`,
      { field: 'toAccountId' },
    );
  }

  const from = requireOpened(fromState, fromAccountId);
  const to = requireOpened(toState, toAccountId);
  requireResidency(from, region);
  requireResidency(to, region);

  const sent: TransferSent = {
    type: TRANSFER_SENT,
    data: {
      accountId: fromAccountId,
      transferId,
      toAccountId,
      amount: formatMinorUnits(amount),
      at,
    },
    metadata: { eventId: sentEventId },
  };
  const received: TransferReceived = {
    type: TRANSFER_RECEIVED,
    data: {
      accountId: toAccountId,
      transferId,
      fromAccountId,
      amount: formatMinorUnits(amount),
      at,
    },
    metadata: { eventId: receivedEventId },
  };

  const sentBefore = knownTransfer(from, transferId, 'sent', toAccountId, amount);
  const receivedBefore = knownTransfer(to, transferId, 'received', fromAccountId, amount);
  if (sentBefore || receivedBefore) {
    return { from: sentBefore ? [] : [sent], to: receivedBefore ? [] : [received] };
  }

  requireNotClosed(from);
  requireNotClosed(to);
  requireNotFrozen(from);
  requireNotFrozen(to);
  if (from.currency !== to.currency) {
    throw new LedgerError(
      'currency-mismatch',
      `account ${fromAccountId} holds ${from.currency} and account ${toAccountId} holds ${to.currency}; a transfer moves one currency`,
      { fromAccountId, toAccountId },
    );
  }
  requireFunds(from, amount);
  requireBalanceFits(toAccountId, to.balance + amount);

  return { from: [sent], to: [received] };
}

/**
 * Whether the account already took part in this transfer. The same id with
 * other details is another transfer reusing the id, which is refused.
 */
function knownTransfer(
  account: OpenedAccount,
  transferId: string,
  direction: 'sent' | 'received',
  counterpartyId: string,
  amount: bigint,
): boolean {
  const known = account.transfers.get(transferId);
  if (known === undefined) return false;
  if (
    known.direction !== direction ||
    known.counterpartyId !== counterpartyId ||
    known.amount !== amount
  ) {
    throw new LedgerError(
      'already-exists',
      `transfer ${transferId} already exists with other accounts or another amount`,
      { transferId },
    );
  }
  return true;
}

function checkedTransferMetadata(metadata: TransferMetadata) {
  if (typeof metadata !== 'object' || metadata === null || typeof metadata.eventIds !== 'object') {
    throw new LedgerError(
      'validation',
      'metadata must hold eventIds { sent, received }, at and region',
      { field: 'metadata' },
    );
  }
  const sentEventId = checked('metadata.eventIds.sent', eventIdRule, metadata.eventIds.sent);
  const receivedEventId = checked(
    'metadata.eventIds.received',
    eventIdRule,
    metadata.eventIds.received,
  );
  if (sentEventId.toLowerCase() === receivedEventId.toLowerCase()) {
    throw new LedgerError('validation', 'metadata.eventIds.sent and .received must differ', {
      field: 'metadata.eventIds',
    });
  }
  return {
    sentEventId,
    receivedEventId,
    at: checked('metadata.at', timestampRule, metadata.at),
    region: checked('metadata.region', regionRule, metadata.region),
  };
}
