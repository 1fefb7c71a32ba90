import type { StoredEvent, VersionVector } from '@geode/event-store';
import type { AccountEvent } from '@geode/ledger';

/** A small seeded generator (mulberry32): a failing history is replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface HistoryShape {
  regions: readonly string[];
  accounts: number;
  /** Decisions and syncs to simulate. */
  steps: number;
}

interface Replica {
  region: string;
  held: Map<string, StoredEvent>;
  /** Per stream, the highest dot counter held per region (events arrive causally). */
  vectors: Map<string, VersionVector>;
  clock: { wallMs: number; logical: number };
  skewMs: number;
}

const BASE_MS = Date.UTC(2026, 10, 1);
const TAGS = ['gold', 'vip', 'kyc'];
const NAMES = ['Ada Lovelace', 'Ada King', 'Grace Hopper'];
const EMAILS = ['ada@example.com', 'countess@example.com', null];

/**
 * A multi-region history of ledger events, stamped as the event store would
 * stamp them: per stream, dots `(region, n)` and deps (the vector the decider
 * had seen); per region, a hybrid logical clock (with clock skew) that moves
 * forward on every event it receives. Regions decide on what they hold and
 * sync now and then, so streams fork: concurrent owner changes, freezes, tag
 * adds and removes, and transfers decided twice under the same id.
 */
export function generateLedgerHistory(seed: number, shape: HistoryShape): StoredEvent[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const replicas: Replica[] = shape.regions.map((region) => ({
    region,
    held: new Map(),
    vectors: new Map(),
    clock: { wallMs: 0, logical: 0 },
    skewMs: Math.floor(random() * 7) - 3,
  }));
  const accounts = Array.from({ length: shape.accounts }, (_, i) => ({
    id: `acc-${seed >>> 0}-${i}`,
    home: pick(replicas),
  }));
  const transferIds: string[] = [];
  const all: StoredEvent[] = [];
  let eventNo = 0;

  const receive = (replica: Replica, event: StoredEvent) => {
    if (replica.held.has(event.eventId)) return;
    replica.held.set(event.eventId, event);
    const vector = replica.vectors.get(event.streamId) ?? {};
    vector[event.dot.region] = Math.max(vector[event.dot.region] ?? 0, event.dot.n);
    replica.vectors.set(event.streamId, vector);
    const c = replica.clock;
    if (
      event.hlc.wallMs > c.wallMs ||
      (event.hlc.wallMs === c.wallMs && event.hlc.logical > c.logical)
    )
      replica.clock = { ...event.hlc };
  };

  const decide = (replica: Replica, step: number, event: Omit<AccountEvent, 'metadata'>) => {
    const physical = BASE_MS + step * 2 + replica.skewMs;
    const c = replica.clock;
    replica.clock =
      physical > c.wallMs
        ? { wallMs: physical, logical: 0 }
        : { wallMs: c.wallMs, logical: c.logical + 1 };
    const streamId = `account-${event.data.accountId}`;
    const deps = { ...(replica.vectors.get(streamId) ?? {}) };
    eventNo += 1;
    const stored: StoredEvent = {
      eventId: uuidOf(seed, eventNo),
      streamId,
      type: event.type,
      schemaVersion: 1,
      data: {
        ...event.data,
        at: new Date(replica.clock.wallMs).toISOString(),
      } as unknown as StoredEvent['data'],
      metadata: {},
      dot: { region: replica.region, n: (deps[replica.region] ?? 0) + 1 },
      deps,
      hlc: { ...replica.clock },
      residency: null,
      revision: 0,
      position: 0,
      origin: null,
      recordedAt: new Date(BASE_MS),
    };
    all.push(stored);
    receive(replica, stored);
  };

  const opened = (replica: Replica, accountId: string) =>
    [...replica.held.values()].some(
      (e) => e.type === 'ledger.AccountOpened' && e.data.accountId === accountId,
    );

  for (let step = 1; step <= shape.steps; step++) {
    const replica = pick(replicas);
    if (random() < 0.2) {
      for (const event of pick(replicas).held.values()) receive(replica, event);
      continue;
    }
    const account = pick(accounts);
    const accountId = account.id;
    if (!opened(replica, accountId)) {
      const openedAnywhere = all.some(
        (e) => e.type === 'ledger.AccountOpened' && e.data.accountId === accountId,
      );
      if (account.home === replica && !openedAnywhere)
        decide(replica, step, {
          type: 'ledger.AccountOpened',
          data: {
            accountId,
            ownerName: pick(NAMES),
            ownerEmail: pick(EMAILS),
            currency: 'EUR',
            residency: null,
            homeRegion: replica.region,
            at: '',
          },
        });
      continue;
    }
    const at = '';
    const amount = String(1 + Math.floor(random() * 500));
    const roll = random();
    if (roll < 0.2)
      decide(replica, step, { type: 'ledger.FundsDeposited', data: { accountId, amount, at } });
    else if (roll < 0.3)
      decide(replica, step, { type: 'ledger.FundsWithdrawn', data: { accountId, amount, at } });
    else if (roll < 0.38)
      decide(replica, step, {
        type: 'ledger.AccountFrozen',
        data: { accountId, reason: null, at },
      });
    else if (roll < 0.46)
      decide(replica, step, { type: 'ledger.AccountUnfrozen', data: { accountId, at } });
    else if (roll < 0.48)
      decide(replica, step, { type: 'ledger.AccountClosed', data: { accountId, at } });
    else if (roll < 0.58) {
      const name = random() < 0.6 ? { ownerName: pick(NAMES) } : {};
      const email =
        Object.keys(name).length === 0 || random() < 0.4 ? { ownerEmail: pick(EMAILS) } : {};
      decide(replica, step, {
        type: 'ledger.OwnerDetailsChanged',
        data: { accountId, ...name, ...email, at },
      });
    } else if (roll < 0.7)
      decide(replica, step, { type: 'ledger.TagAdded', data: { accountId, tag: pick(TAGS), at } });
    else if (roll < 0.8)
      decide(replica, step, {
        type: 'ledger.TagRemoved',
        data: { accountId, tag: pick(TAGS), at },
      });
    else {
      const target = pick(accounts.filter((a) => a.id !== accountId && opened(replica, a.id))) as
        (typeof accounts)[number] | undefined;
      if (!target) continue;
      // Sometimes a retried transfer: the same id decided again, maybe in another region.
      const transferId =
        transferIds.length > 0 && random() < 0.25 ? pick(transferIds) : `tr-${seed >>> 0}-${step}`;
      transferIds.push(transferId);
      decide(replica, step, {
        type: 'ledger.TransferSent',
        data: { accountId, transferId, toAccountId: target.id, amount, at },
      });
      decide(replica, step, {
        type: 'ledger.TransferReceived',
        data: { accountId: target.id, transferId, fromAccountId: accountId, amount, at },
      });
    }
  }
  return all;
}

/**
 * A random delivery of `events` that respects each stream's causality (an
 * event comes after every event its deps name), with duplicates re-delivered
 * at random later places, cut into batches of 1 to `maxBatch` events.
 */
export function causalDelivery(
  events: readonly StoredEvent[],
  random: () => number,
  options: { duplicateRate: number; maxBatch: number },
): StoredEvent[][] {
  const delivered = new Map<string, VersionVector>();
  const pending = [...events];
  const order: StoredEvent[] = [];
  const ready = (event: StoredEvent) => {
    const seen = delivered.get(event.streamId) ?? {};
    if ((seen[event.dot.region] ?? 0) !== event.dot.n - 1) return false;
    return Object.entries(event.deps).every(([region, n]) => (seen[region] ?? 0) >= n);
  };
  while (pending.length > 0) {
    const candidates = pending.filter(ready);
    if (candidates.length === 0) throw new Error('history is not causally consistent');
    const next = candidates[Math.floor(random() * candidates.length)];
    pending.splice(pending.indexOf(next), 1);
    const seen = delivered.get(next.streamId) ?? {};
    seen[next.dot.region] = next.dot.n;
    delivered.set(next.streamId, seen);
    order.push(next);
  }
  for (const event of [...order]) {
    if (random() < options.duplicateRate) {
      const after = order.indexOf(event);
      const at = after + 1 + Math.floor(random() * (order.length - after));
      order.splice(at, 0, event);
    }
  }
  const batches: StoredEvent[][] = [];
  for (let i = 0; i < order.length;) {
    const size = 1 + Math.floor(random() * options.maxBatch);
    batches.push(order.slice(i, i + size));
    i += size;
  }
  return batches;
}

function uuidOf(seed: number, n: number): string {
  const hex = ((seed >>> 0).toString(16).padStart(8, '0') + n.toString(16).padStart(12, '0')).slice(
    -20,
  );
  return `${hex.slice(0, 8)}-0000-4000-8000-${hex.slice(8, 20)}`;
}
