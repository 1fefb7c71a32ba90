import type { StoredEvent } from '@geode/event-store';
import {
  ACCOUNT_CATEGORY,
  canonicalOrderKey,
  readMergeOutcome,
  type AccountMergeOutcome,
} from '@geode/ledger';
import { MERGE_EVENT_TYPE, readMergeRecord } from '@geode/merge';
import type { LedgerReadTable } from './ledger-read-tables';

type Sql = (text: string, params: unknown[]) => Promise<unknown>;
type Tables = (name: LedgerReadTable) => string;

const ACCOUNT_PREFIX = `${ACCOUNT_CATEGORY}-`;

export interface ReadableMerge {
  event: StoredEvent;
  accountId: string;
  outcome: AccountMergeOutcome;
}

export function isMergeEvent(event: StoredEvent): boolean {
  return event.type === MERGE_EVENT_TYPE;
}

/**
 * A merge event as the ledger read model applies it, or why it cannot: a
 * peer's malformed merge is skipped alike in every geode.
 */
export function readLedgerMerge(
  event: StoredEvent,
): { ok: true; merge: ReadableMerge } | { ok: false; reason: string } {
  const record = readMergeRecord(event.type, event.schemaVersion, event.data);
  if (!record.ok) return { ok: false, reason: record.problem };
  if (record.record.streamId !== event.streamId || !event.streamId.startsWith(ACCOUNT_PREFIX))
    return { ok: false, reason: `data.streamId does not name the stream ${event.streamId}` };
  const outcome = readMergeOutcome(record.record.outcome);
  if (outcome === null) return { ok: false, reason: 'data.outcome is not a ledger merge outcome' };
  return {
    ok: true,
    merge: { event, accountId: event.streamId.slice(ACCOUNT_PREFIX.length), outcome },
  };
}

/**
 * Joins merges into the read model (ADR 0012): each counts as an event of its
 * account; a balance adjustment (a fee) moves the balance and leaves a
 * statement line; a reopening merge covers the closes its deps had seen.
 * `closes` are the batch's readable `AccountClosed` events. Every step only
 * adds or takes a maximum, so any arrival order ends the same.
 */
export async function applyLedgerMerges(
  merges: readonly ReadableMerge[],
  closes: readonly StoredEvent[],
  t: Tables,
  sql: Sql,
): Promise<void> {
  if (merges.length > 0) {
    await sql(
      `INSERT INTO ${t('accounts')} (account_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING`,
      [merges.map((m) => m.accountId)],
    );
    await sql(
      `UPDATE ${t('accounts')} a SET revision = a.revision + x.events, balance = a.balance + x.adjustment
         FROM (SELECT account_id, count(*) AS events, sum(adjustment) AS adjustment
                 FROM unnest($1::text[], $2::numeric[]) AS m(account_id, adjustment)
                GROUP BY account_id) AS x
        WHERE a.account_id = x.account_id`,
      [merges.map((m) => m.accountId), merges.map((m) => m.outcome.balanceAdjustment)],
    );
    const adjusted = merges.filter((m) => m.outcome.balanceAdjustment !== '0');
    if (adjusted.length > 0)
      await sql(
        `INSERT INTO ${t('entries')} (event_id, account_id, order_key, kind, amount, currency, occurred_at)
         SELECT x.event_id, x.account_id, x.order_key, 'merge-adjustment', x.amount, a.currency, x.occurred_at
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::bigint[], $5::timestamptz[])
                AS x(event_id, account_id, order_key, amount, occurred_at)
           LEFT JOIN ${t('accounts')} a ON a.account_id = x.account_id
         ON CONFLICT (event_id) DO NOTHING`,
        [
          adjusted.map((m) => m.event.eventId),
          adjusted.map((m) => m.accountId),
          adjusted.map((m) => canonicalOrderKey(m.event)),
          adjusted.map((m) => m.outcome.balanceAdjustment),
          // Event time (the merge's HLC), the same in every region.
          adjusted.map((m) => new Date(m.event.hlc.wallMs).toISOString()),
        ],
      );
  }
  const reopening = merges
    .filter((m) => m.outcome.reopen)
    .flatMap((m) =>
      Object.entries(m.event.deps)
        .filter(([, upTo]) => upTo > 0)
        .map(([region, upTo]) => ({ accountId: m.accountId, region, upTo })),
    );
  if (reopening.length > 0)
    await sql(
      `INSERT INTO ${t('reopens')} AS r (account_id, dot_region, up_to)
       SELECT account_id, dot_region, max(up_to)
         FROM unnest($1::text[], $2::text[], $3::bigint[]) AS x(account_id, dot_region, up_to)
        GROUP BY account_id, dot_region
       ON CONFLICT (account_id, dot_region) DO UPDATE SET up_to = GREATEST(r.up_to, EXCLUDED.up_to)`,
      [
        reopening.map((r) => r.accountId),
        reopening.map((r) => r.region),
        reopening.map((r) => r.upTo),
      ],
    );
  if (closes.length > 0)
    await sql(
      `INSERT INTO ${t('closes')} (account_id, dot_region, dot_n)
       SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) ON CONFLICT DO NOTHING`,
      [
        closes.map((c) => c.streamId.slice(ACCOUNT_PREFIX.length)),
        closes.map((c) => c.dot.region),
        closes.map((c) => c.dot.n),
      ],
    );
  const touched = [
    ...new Set([
      ...reopening.map((r) => r.accountId),
      ...closes.map((c) => c.streamId.slice(ACCOUNT_PREFIX.length)),
    ]),
  ];
  if (touched.length > 0)
    await sql(
      `UPDATE ${t('accounts')} a SET closed = EXISTS (
         SELECT 1 FROM ${t('closes')} c
          WHERE c.account_id = a.account_id
            AND NOT EXISTS (SELECT 1 FROM ${t('reopens')} r
                             WHERE r.account_id = c.account_id AND r.dot_region = c.dot_region
                               AND c.dot_n <= r.up_to))
        WHERE a.account_id = ANY ($1::text[])`,
      [touched],
    );
}
