import type { CurrencyCode } from '../money/currency';
import { parseAccountEvent } from '../events/account-event-registry';
import type { AccountEvent } from '../events/account-event';
import { ACCOUNT_CATEGORY } from '../account/account-stream';
import { tombstonesOfRemove, type ElementAdd, type ElementTombstone } from './add-wins-set';
import { canonicalOrderKey, type CanonicalStamp } from './canonical-order';
import { earliestWrite, latestWrite, type Register } from './last-writer-wins';

/**
 * An event as the ledger projection reads it from the log: the store's
 * envelope, structurally (the domain imports no store). Untrusted: it may have
 * come from a peer, so its data is parsed before use.
 */
export interface ProjectedEvent extends CanonicalStamp {
  readonly eventId: string;
  readonly streamId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly deps: Readonly<Record<string, number>>;
}

/** What only the first opening in canonical order sets (a later duplicate is for a resolver). */
export interface OpeningFacts {
  readonly ownerName: string;
  readonly ownerEmail: string | null;
  readonly currency: CurrencyCode;
  readonly homeRegion: string;
  readonly residency: readonly string[] | null;
}

/**
 * One account's share of a batch, already reduced by the read model's rules,
 * to be joined into its row by the same rules. `ownerName`/`ownerEmail`/`frozen`
 * are the latest changes (the opening only provides the owner until the first
 * change); `opening` is the earliest opening.
 */
export interface AccountReadChange {
  readonly accountId: string;
  readonly opening: Register<OpeningFacts> | null;
  readonly ownerName: Register<string> | null;
  readonly ownerEmail: Register<string | null> | null;
  readonly frozen: Register<boolean> | null;
  /** Closing is final: once any closing is held the account reads closed. */
  readonly closed: boolean;
  /** Deposits minus withdrawals (transfers move money through their statement lines). */
  readonly balanceChange: bigint;
  /** Account events in the batch: the row's revision counts every event held. */
  readonly events: number;
  readonly lastEventAt: string | null;
}

export type StatementLineKind = 'deposit' | 'withdrawal' | 'transfer-sent' | 'transfer-received';

/** One money movement on an account's statement. */
export interface StatementLine {
  readonly eventId: string;
  readonly accountId: string;
  readonly key: string;
  readonly kind: StatementLineKind;
  /** Signed minor units: money out is negative. */
  readonly amount: bigint;
  readonly transferId: string | null;
  readonly counterpartyId: string | null;
  readonly occurredAt: string;
}

export interface TagAdd extends ElementAdd {
  readonly accountId: string;
}

export interface TagTombstone extends ElementTombstone {
  readonly accountId: string;
}

export interface SkippedEvent {
  readonly eventId: string;
  readonly type: string;
  readonly reason: string;
}

export interface LedgerReadBatch {
  readonly accounts: readonly AccountReadChange[];
  /** Deposits and withdrawals: each one always moves money. */
  readonly movements: readonly StatementLine[];
  /**
   * Per (account, transfer id) the earliest transfer line of the batch: a
   * transfer moves money once per account even if it was decided twice, and
   * the earliest in canonical order is the one that counts (as `evolve` does).
   */
  readonly transfers: readonly StatementLine[];
  readonly tagAdds: readonly TagAdd[];
  readonly tagTombstones: readonly TagTombstone[];
  /** Malformed events: every geode skips the same ones, so the read models still agree. */
  readonly skipped: readonly SkippedEvent[];
}

interface MutableChange {
  accountId: string;
  opening: Register<OpeningFacts> | null;
  ownerName: Register<string> | null;
  ownerEmail: Register<string | null> | null;
  frozen: Register<boolean> | null;
  closed: boolean;
  balanceChange: bigint;
  events: number;
  lastEventAt: string | null;
}

/**
 * Reduces new (not yet applied, distinct) events of account streams to what
 * the read model must join in. Pure and order-insensitive: any permutation of
 * the same events gives the same batch, up to the order of its lists, which
 * are sorted.
 */
export function summariseLedgerBatch(events: readonly ProjectedEvent[]): LedgerReadBatch {
  const accounts = new Map<string, MutableChange>();
  const movements: StatementLine[] = [];
  const transfers = new Map<string, StatementLine>();
  const tagAdds: TagAdd[] = [];
  const tagTombstones = new Map<string, TagTombstone>();
  const skipped: SkippedEvent[] = [];

  for (const stored of events) {
    const parsed = readAccountEvent(stored);
    if (!parsed.ok) {
      skipped.push({ eventId: stored.eventId, type: String(stored.type), reason: parsed.reason });
      continue;
    }
    const event = parsed.event;
    const accountId = event.data.accountId;
    const key = canonicalOrderKey(stored);
    const change = changeOf(accounts, accountId);
    change.events += 1;
    if (change.lastEventAt === null || event.data.at > change.lastEventAt)
      change.lastEventAt = event.data.at;
    const line = (
      kind: StatementLineKind,
      amount: bigint,
      transferId: string | null = null,
      counterpartyId: string | null = null,
    ): StatementLine => ({
      eventId: stored.eventId,
      accountId,
      key,
      kind,
      amount,
      transferId,
      counterpartyId,
      occurredAt: event.data.at,
    });

    switch (event.type) {
      case 'ledger.AccountOpened': {
        const { ownerName, ownerEmail, currency, homeRegion, residency } = event.data;
        change.opening = earliestWrite(change.opening, {
          key,
          value: { ownerName, ownerEmail, currency, homeRegion, residency },
        });
        break;
      }
      case 'ledger.FundsDeposited': {
        const amount = BigInt(event.data.amount);
        change.balanceChange += amount;
        movements.push(line('deposit', amount));
        break;
      }
      case 'ledger.FundsWithdrawn': {
        const amount = -BigInt(event.data.amount);
        change.balanceChange += amount;
        movements.push(line('withdrawal', amount));
        break;
      }
      case 'ledger.AccountFrozen':
        change.frozen = latestWrite(change.frozen, { key, value: true });
        break;
      case 'ledger.AccountUnfrozen':
        change.frozen = latestWrite(change.frozen, { key, value: false });
        break;
      case 'ledger.AccountClosed':
        change.closed = true;
        break;
      case 'ledger.OwnerDetailsChanged': {
        const { ownerName, ownerEmail } = event.data;
        if (ownerName !== undefined)
          change.ownerName = latestWrite(change.ownerName, { key, value: ownerName });
        if (ownerEmail !== undefined)
          change.ownerEmail = latestWrite(change.ownerEmail, { key, value: ownerEmail });
        break;
      }
      case 'ledger.TagAdded':
        tagAdds.push({ accountId, element: event.data.tag, ...stored.dot });
        break;
      case 'ledger.TagRemoved':
        for (const stone of tombstonesOfRemove(event.data.tag, stored.deps)) {
          const id = `${accountId}\u0000${stone.element}\u0000${stone.region}`;
          const held = tagTombstones.get(id);
          if (!held || held.upTo < stone.upTo) tagTombstones.set(id, { accountId, ...stone });
        }
        break;
      case 'ledger.TransferSent': {
        const { transferId, toAccountId, amount } = event.data;
        keepEarliest(transfers, line('transfer-sent', -BigInt(amount), transferId, toAccountId));
        break;
      }
      case 'ledger.TransferReceived': {
        const { transferId, fromAccountId, amount } = event.data;
        keepEarliest(
          transfers,
          line('transfer-received', BigInt(amount), transferId, fromAccountId),
        );
        break;
      }
      default: {
        const _exhaustive: never = event;
        break;
      }
    }
  }

  return {
    accounts: [...accounts.values()].sort(byText((c) => c.accountId)),
    movements: movements.sort(byText((l) => l.eventId)),
    transfers: [...transfers.values()].sort(byText((l) => l.eventId)),
    tagAdds: tagAdds.sort(
      byText((a) => `${a.accountId}\u0000${a.element}\u0000${a.region}\u0000${a.n}`),
    ),
    tagTombstones: [...tagTombstones.values()].sort(
      byText((s) => `${s.accountId}\u0000${s.element}\u0000${s.region}`),
    ),
    skipped,
  };
}

type ReadOutcome = { ok: true; event: AccountEvent } | { ok: false; reason: string };

function readAccountEvent(stored: ProjectedEvent): ReadOutcome {
  const parsed = parseAccountEvent(stored);
  if (!parsed.ok) return { ok: false, reason: parsed.error.message };
  const expectedStream = `${ACCOUNT_CATEGORY}-${parsed.value.data.accountId}`;
  if (stored.streamId !== expectedStream)
    return { ok: false, reason: `data.accountId does not name the stream ${stored.streamId}` };
  return { ok: true, event: parsed.value };
}

function changeOf(accounts: Map<string, MutableChange>, accountId: string): MutableChange {
  let change = accounts.get(accountId);
  if (!change) {
    change = {
      accountId,
      opening: null,
      ownerName: null,
      ownerEmail: null,
      frozen: null,
      closed: false,
      balanceChange: 0n,
      events: 0,
      lastEventAt: null,
    };
    accounts.set(accountId, change);
  }
  return change;
}

function keepEarliest(lines: Map<string, StatementLine>, line: StatementLine): void {
  const id = `${line.accountId}\u0000${line.transferId}`;
  const held = lines.get(id);
  if (!held || line.key < held.key) lines.set(id, line);
}

function byText<T>(keyOf: (item: T) => string): (a: T, b: T) => number {
  return (a, b) => {
    const x = keyOf(a);
    const y = keyOf(b);
    return x < y ? -1 : x > y ? 1 : 0;
  };
}
