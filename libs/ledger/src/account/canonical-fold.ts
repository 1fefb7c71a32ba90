import { parseAccountEvent } from '../events/account-event-registry';
import type { AccountEvent } from '../events/account-event';
import { readMergeOutcome } from '../merge/account-merge-outcome';
import {
  presentElements,
  tombstonesOfRemove,
  type ElementAdd,
  type ElementTombstone,
} from '../read-model/add-wins-set';
import { compareCanonicalOrder, type CanonicalStamp } from '../read-model/canonical-order';
import { initialState, type AccountState, type OpenedAccount } from './account-state';
import { evolve } from './evolve';

/**
 * The platform's merge event type (`@geode/merge`), named here because the
 * domain imports nothing; a test in the geode checks the two agree.
 */
export const MERGE_EVENT_TYPE = 'geode.Merge';

/** The platform's home-region move (`@geode/merge`); named here for the same reason. */
export const HOME_MOVE_EVENT_TYPE = 'geode.HomeRegionMoved';

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** An event of an account stream as the store holds it (structurally; the domain imports no store). */
export interface AccountStreamEvent extends CanonicalStamp {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
  readonly deps: Readonly<Record<string, number>>;
}

export interface CanonicalFoldOptions {
  /**
   * What to do with an event the ledger cannot read: `skip` (every geode
   * skips the same ones, so they still agree) or `throw` (the command side:
   * an unreadable stored event is a deployment problem).
   */
  onUnreadable?: 'skip' | 'throw';
}

const CLOSED = 'closed';

/**
 * Folds an account stream in canonical order (DESIGN.md §4, ADR 0012): any two
 * geodes holding the same events reach the same state, whatever order they
 * arrived in. Money, owner and transfers go through `evolve` (counters and
 * last-writer-wins by canonical order). What concurrency could otherwise make
 * order-dependent follows the causal rules the read model uses too:
 * - tags: add-wins (a remove only removes the adds its deps had seen);
 * - closed: a close stands unless a merge that had seen it reopened the account;
 * - frozen: the last freeze or unfreeze in canonical order, kept under a close;
 * - status: closed, else frozen, else overdrawn when the balance is negative, else open.
 * Merge events apply their recorded outcome; the resolver is never run again.
 */
export function foldAccountStream(
  events: readonly AccountStreamEvent[],
  options: CanonicalFoldOptions = {},
): AccountState {
  let state = initialState();
  const facts = new CausalFacts();
  for (const stored of [...events].sort(compareCanonicalOrder)) {
    if (stored.type === HOME_MOVE_EVENT_TYPE) {
      // The last move in canonical order names the home; money and status do not move.
      const to = movedTo(stored);
      if (to !== null && state.status !== 'not-opened') state = { ...state, homeRegion: to };
      continue;
    }
    if (stored.type === MERGE_EVENT_TYPE) {
      const outcome = readOutcome(stored, options);
      if (outcome === null || state.status === 'not-opened') continue;
      if (outcome.reopen) facts.reopen(stored.deps);
      state = { ...state, balance: state.balance + BigInt(outcome.balanceAdjustment) };
    } else {
      const event = readEvent(stored, options);
      if (event === null) continue;
      state = evolve(state, event);
      if (state.status === 'not-opened') continue;
      facts.record(event, stored);
    }
    state = facts.settle(state);
  }
  return state;
}

/**
 * The region a move hands the account to; `null` for a move that cannot be
 * read. Mirrors the platform's strict reading (`@geode/merge` `readHomeMove`;
 * a geode test checks they agree), so the home shown and the region that
 * merges never differ over a peer's malformed move.
 */
function movedTo(stored: AccountStreamEvent): string | null {
  const data = stored.data;
  if (stored.schemaVersion !== 1 || typeof data !== 'object' || data === null) return null;
  const record = data as Record<string, unknown>;
  const keys = Object.keys(record).sort().join();
  if (keys !== 'from,operator,reason,streamId,to') return null;
  const { streamId, from, to, reason, operator } = record;
  const isRegion = (value: unknown): value is string =>
    typeof value === 'string' && value.length <= 63 && REGION.test(value);
  const isText = (value: unknown, max: number) =>
    typeof value === 'string' && value.trim().length > 0 && value.length <= max;
  const readable =
    typeof streamId === 'string' &&
    streamId.length > 0 &&
    streamId.length <= 256 &&
    isRegion(from) &&
    isRegion(to) &&
    from !== to &&
    isText(reason, 2_000) &&
    isText(operator, 200);
  return readable ? to : null;
}

/** Tags, closes and the frozen register, kept with the dots that set them. */
class CausalFacts {
  private readonly tagAdds: ElementAdd[] = [];
  private readonly tagRemovals: ElementTombstone[] = [];
  private readonly closes: ElementAdd[] = [];
  private readonly reopens: ElementTombstone[] = [];
  private frozen: { reason: string | null } | null = null;

  record(event: AccountEvent, stored: AccountStreamEvent): void {
    switch (event.type) {
      case 'ledger.TagAdded':
        this.tagAdds.push({ element: event.data.tag, ...stored.dot });
        break;
      case 'ledger.TagRemoved':
        this.tagRemovals.push(...tombstonesOfRemove(event.data.tag, stored.deps));
        break;
      case 'ledger.AccountClosed':
        this.closes.push({ element: CLOSED, ...stored.dot });
        break;
      case 'ledger.AccountFrozen':
        this.frozen = { reason: event.data.reason };
        break;
      case 'ledger.AccountUnfrozen':
        this.frozen = null;
        break;
      default:
        break;
    }
  }

  /** A reopening merge cancels the closes it had seen (its deps). */
  reopen(deps: Readonly<Record<string, number>>): void {
    this.reopens.push(...tombstonesOfRemove(CLOSED, deps));
  }

  settle(state: OpenedAccount): OpenedAccount {
    const closed = presentElements(this.closes, this.reopens).length > 0;
    const status = closed
      ? 'closed'
      : this.frozen !== null
        ? 'frozen'
        : state.balance < 0n
          ? 'overdrawn'
          : 'open';
    return {
      ...state,
      status,
      freezeReason: status === 'frozen' ? (this.frozen?.reason ?? null) : null,
      tags: presentElements(this.tagAdds, this.tagRemovals),
    };
  }
}

function readOutcome(stored: AccountStreamEvent, options: CanonicalFoldOptions) {
  const outcome =
    stored.schemaVersion === 1 && typeof stored.data === 'object' && stored.data !== null
      ? readMergeOutcome((stored.data as { outcome?: unknown }).outcome)
      : null;
  if (outcome === null && options.onUnreadable === 'throw')
    throw new Error(`merge event ${stored.eventId}: not a ledger merge outcome`);
  return outcome;
}

function readEvent(stored: AccountStreamEvent, options: CanonicalFoldOptions): AccountEvent | null {
  const parsed = parseAccountEvent(stored);
  if (parsed.ok) return parsed.value;
  if (options.onUnreadable === 'throw')
    throw new Error(`event ${stored.eventId}: ${parsed.error.message}`);
  return null;
}
