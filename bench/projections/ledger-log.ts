import { randomUUID } from 'node:crypto';
import type { NewEvent, StreamAppend } from '@geode/event-store';

/**
 * A realistic ledger log to load before a run: accounts opened, then mostly money
 * movements, some owner changes and tags, and transfers (one `appendMany` over two
 * streams). Generated a chunk of accounts at a time, so the loader never holds the
 * whole log in memory.
 */
export interface LedgerChunk {
  /** Single-stream appends (an account's opening and its history). */
  appends: StreamAppend[];
  /** Transfers: two-stream appends, all or nothing. */
  transfers: StreamAppend[][];
  events: number;
}

const EVENTS_PER_ACCOUNT = 48;
const TRANSFERS_PER_ACCOUNT = 1;

/** About `EVENTS_PER_ACCOUNT + 2 × TRANSFERS_PER_ACCOUNT` events per account. */
export function ledgerChunk(accounts: number, startMs: number): LedgerChunk {
  const ids = Array.from({ length: accounts }, () => randomUUID());
  let at = startMs;
  const now = () => new Date((at += 1)).toISOString();
  const event = (type: string, data: Record<string, string | null>): NewEvent => ({
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data: { ...data, at: now() },
    metadata: { correlationId: randomUUID(), principal: 'bench-loader' },
  });
  const appends: StreamAppend[] = ids.map((accountId, a) => {
    const events: NewEvent[] = [
      event('ledger.AccountOpened', {
        accountId,
        ownerName: `Owner ${a}`,
        ownerEmail: `owner${a}@example.com`,
        currency: 'EUR',
        residency: null,
        homeRegion: 'eu-west-1',
      }),
    ];
    for (let i = 1; i < EVENTS_PER_ACCOUNT; i++) {
      const roll = i % 20;
      if (roll < 10)
        events.push(event('ledger.FundsDeposited', { accountId, amount: String(100 + i) }));
      else if (roll < 16)
        events.push(event('ledger.FundsWithdrawn', { accountId, amount: String(1 + (i % 50)) }));
      else if (roll < 17)
        events.push(
          event('ledger.OwnerDetailsChanged', { accountId, ownerName: `Owner ${a}.${i}` }),
        );
      else if (roll < 19) events.push(event('ledger.TagAdded', { accountId, tag: `t${i % 7}` }));
      else events.push(event('ledger.TagRemoved', { accountId, tag: `t${(i + 3) % 7}` }));
    }
    return { streamId: `account-${accountId}`, events, options: { expectedRevision: 'no_stream' } };
  });
  const transfers: StreamAppend[][] = [];
  for (let a = 0; a < accounts * TRANSFERS_PER_ACCOUNT; a++) {
    const from = ids[a % accounts];
    const to =
      ids[(a * 7 + 1) % accounts] === from ? ids[(a + 1) % accounts] : ids[(a * 7 + 1) % accounts];
    if (to === from) continue;
    const transferId = randomUUID();
    transfers.push([
      {
        streamId: `account-${from}`,
        events: [
          event('ledger.TransferSent', {
            accountId: from,
            transferId,
            toAccountId: to,
            amount: '5',
          }),
        ],
        options: { expectedRevision: 'exists' },
      },
      {
        streamId: `account-${to}`,
        events: [
          event('ledger.TransferReceived', {
            accountId: to,
            transferId,
            fromAccountId: from,
            amount: '5',
          }),
        ],
        options: { expectedRevision: 'exists' },
      },
    ]);
  }
  const events =
    appends.reduce((sum, append) => sum + append.events.length, 0) + transfers.length * 2;
  return { appends, transfers, events };
}
