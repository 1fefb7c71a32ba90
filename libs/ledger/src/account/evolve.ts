import type { AccountEvent } from '../events/account-event';
import {
  initialState,
  type AccountState,
  type OpenedAccount,
  type TransferRecord,
} from './account-state';

/**
 * Folds one event into the state. Total and pure: every geode folds a stream in
 * the same canonical order and must reach the same state, so nothing here may
 * refuse, read a clock, or depend on anything but (state, event).
 *
 * Events are already valid (they come from `decide` or `parseAccountEvent`), so
 * `BigInt(amount)` is exact. Events that concurrency can order oddly are
 * absorbed, not rejected: money always moves (the balance must account for every
 * movement; resolvers compensate), `closed` is final, a second `AccountOpened`
 * is a duplicate for the `ledger.duplicate-open` resolver.
 */
export function evolve(state: AccountState, event: AccountEvent): AccountState {
  const next = evolveEvent(state, event);
  return next.status === 'not-opened' ? next : settleStatus(next);
}

/** Open and overdrawn follow from the balance; frozen and closed are held as they are. */
export function settleStatus(state: OpenedAccount): OpenedAccount {
  if (state.status === 'frozen' || state.status === 'closed') return state;
  const status = state.balance < 0n ? 'overdrawn' : 'open';
  return status === state.status ? state : { ...state, status };
}

function evolveEvent(state: AccountState, event: AccountEvent): AccountState {
  if (state.status === 'not-opened') {
    if (event.type !== 'ledger.AccountOpened') return state;
    const { accountId, ownerName, ownerEmail, currency, residency, homeRegion } = event.data;
    return {
      status: 'open',
      id: accountId,
      owner: { name: ownerName, email: ownerEmail },
      currency,
      balance: 0n,
      tags: [],
      homeRegion,
      residency,
      freezeReason: null,
      transfers: new Map(),
    };
  }

  switch (event.type) {
    case 'ledger.AccountOpened':
      return state;
    case 'ledger.FundsDeposited':
      return { ...state, balance: state.balance + BigInt(event.data.amount) };
    case 'ledger.FundsWithdrawn':
      return { ...state, balance: state.balance - BigInt(event.data.amount) };
    case 'ledger.AccountFrozen':
      return state.status === 'closed'
        ? state
        : { ...state, status: 'frozen', freezeReason: event.data.reason };
    case 'ledger.AccountUnfrozen':
      return state.status === 'closed' ? state : { ...state, status: 'open', freezeReason: null };
    case 'ledger.AccountClosed':
      return { ...state, status: 'closed', freezeReason: null };
    case 'ledger.OwnerDetailsChanged': {
      const { ownerName, ownerEmail } = event.data;
      return {
        ...state,
        owner: {
          name: ownerName ?? state.owner.name,
          email: ownerEmail === undefined ? state.owner.email : ownerEmail,
        },
      };
    }
    case 'ledger.TagAdded':
      return state.tags.includes(event.data.tag)
        ? state
        : { ...state, tags: [...state.tags, event.data.tag].sort() };
    case 'ledger.TagRemoved':
      return { ...state, tags: state.tags.filter((tag) => tag !== event.data.tag) };
    case 'ledger.TransferSent': {
      const { transferId, toAccountId, amount } = event.data;
      return recordTransfer(state, transferId, {
        direction: 'sent',
        counterpartyId: toAccountId,
        amount: BigInt(amount),
      });
    }
    case 'ledger.TransferReceived': {
      const { transferId, fromAccountId, amount } = event.data;
      return recordTransfer(state, transferId, {
        direction: 'received',
        counterpartyId: fromAccountId,
        amount: BigInt(amount),
      });
    }
    default: {
      // A new event type must be folded here before it compiles.
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** Folds a whole stream, e.g. after reading it from the store. */
export function fold(
  events: Iterable<AccountEvent>,
  state: AccountState = initialState(),
): AccountState {
  let folded = state;
  for (const event of events) folded = evolve(folded, event);
  return folded;
}

/**
 * A transfer id moves money once per account, even if the same transfer was
 * decided twice (a client retry reaching two regions before they replicated).
 */
function recordTransfer(
  state: OpenedAccount,
  transferId: string,
  transfer: TransferRecord,
): OpenedAccount {
  if (state.transfers.has(transferId)) return state;
  const delta = transfer.direction === 'sent' ? -transfer.amount : transfer.amount;
  const transfers = new Map(state.transfers).set(transferId, transfer);
  return { ...state, balance: state.balance + delta, transfers };
}
