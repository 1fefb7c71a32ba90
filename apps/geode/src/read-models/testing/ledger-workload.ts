import type { StoredEvent } from '@geode/event-store';

/**
 * A large, realistic single-region ledger log for throughput runs: many
 * accounts, mostly money movements, some owner changes, tags and transfers.
 * Stamped like the store stamps (dots, deps, increasing HLC).
 */
export function ledgerWorkload(events: number, accounts = Math.max(2, Math.floor(events / 50))) {
  const region = 'eu-west-1';
  const counters = new Map<string, number>();
  const log: StoredEvent[] = [];
  let wallMs = Date.UTC(2026, 10, 1);
  const push = (accountId: string, type: string, data: Record<string, unknown>) => {
    const streamId = `account-${accountId}`;
    const n = (counters.get(streamId) ?? 0) + 1;
    counters.set(streamId, n);
    wallMs += 1;
    const no = log.length + 1;
    log.push({
      eventId: `00000000-0000-4000-8000-${no.toString(16).padStart(12, '0')}`,
      streamId,
      type,
      schemaVersion: 1,
      data: { accountId, ...data, at: new Date(wallMs).toISOString() },
      metadata: {},
      dot: { region, n },
      deps: n > 1 ? { [region]: n - 1 } : {},
      hlc: { wallMs, logical: 0 },
      residency: null,
      revision: n,
      position: no,
      origin: null,
      recordedAt: new Date(wallMs),
    });
  };
  const ids = Array.from({ length: accounts }, (_, i) => `bench-${i}`);
  for (const id of ids)
    push(id, 'ledger.AccountOpened', {
      ownerName: `Owner ${id}`,
      ownerEmail: `${id}@example.com`,
      currency: 'EUR',
      residency: null,
      homeRegion: region,
    });
  for (let i = 0; log.length < events; i++) {
    const id = ids[i % accounts];
    const roll = i % 20;
    if (roll < 9) push(id, 'ledger.FundsDeposited', { amount: String(100 + (i % 900)) });
    else if (roll < 14) push(id, 'ledger.FundsWithdrawn', { amount: String(1 + (i % 50)) });
    else if (roll < 15) push(id, 'ledger.OwnerDetailsChanged', { ownerName: `Owner ${i}` });
    else if (roll < 16) push(id, 'ledger.TagAdded', { tag: `t${i % 7}` });
    else if (roll < 17) push(id, 'ledger.TagRemoved', { tag: `t${(i + 3) % 7}` });
    else {
      const to =
        ids[(i * 7 + 1) % accounts] === id ? ids[(i + 1) % accounts] : ids[(i * 7 + 1) % accounts];
      const transferId = `tr-${i}`;
      push(id, 'ledger.TransferSent', { transferId, toAccountId: to, amount: '5' });
      push(to, 'ledger.TransferReceived', { transferId, fromAccountId: id, amount: '5' });
    }
  }
  return log;
}
