import type { LogFilter, StoredEvent } from '@geode/event-store';
import type { Projection, ProjectionContext, ProjectionSchemaContext } from '@geode/projections';
import {
  ACCOUNT_CATEGORY,
  ACCOUNT_CLOSED,
  HOME_MOVE_EVENT_TYPE,
  summariseLedgerBatch,
  type AccountReadChange,
  type LedgerReadBatch,
  type StatementLine,
} from '@geode/ledger';
import { applyLedgerMerges, isMergeEvent, readLedgerMerge } from './ledger-merges';
import {
  LEDGER_READ_TABLES,
  ledgerReadTableStatements,
  type LedgerReadTable,
} from './ledger-read-tables';

/** What the ledger's statements need of a runner's context (live or rebuild alike). */
type LedgerSchemaContext = ProjectionSchemaContext;

export const LEDGER_PROJECTION_NAME = 'ledger';
export const LEDGER_READ_SCHEMA = 'ledger_read';

interface TransferLineRow {
  event_id: string;
  account_id: string;
  transfer_id: string;
  order_key: string;
  amount: string;
}

/**
 * The ledger's read models (issue #5, ADR 0007): accounts, statement lines,
 * transfers. Convergent: every table ends the same, byte for byte, in every
 * geode that holds the same events, whatever order they arrive in and however
 * often. Each batch is reduced in memory by the pure rules of
 * `@geode/ledger` (read-model) and joined into the tables by the same rules in
 * a fixed number of set-based statements, whatever the batch size.
 */
export class LedgerProjection implements Projection {
  readonly name = LEDGER_PROJECTION_NAME;
  readonly version = 2; // 2: status `overdrawn`, merges, closes vs reopens (ADR 0012)
  readonly schema = LEDGER_READ_SCHEMA;
  readonly filter: LogFilter = { categories: [ACCOUNT_CATEGORY] };

  async createTables(ctx: ProjectionSchemaContext): Promise<void> {
    for (const statement of ledgerReadTableStatements((name) =>
      ctx.table(LEDGER_READ_TABLES[name]),
    ))
      await ctx.manager.query(statement);
  }

  async apply(events: readonly StoredEvent[], ctx: ProjectionContext): Promise<void> {
    const claimed = await this.claimNewEvents(events, ctx);
    if (claimed.length === 0) return;
    // A home-region move changes who merges, nothing a ledger read shows (ADR 0012): not a skipped event.
    const fresh = claimed.filter(
      (event) => !isMergeEvent(event) && event.type !== HOME_MOVE_EVENT_TYPE,
    );
    const merges = claimed.filter(isMergeEvent).map(readLedgerMerge);
    const batch = summariseLedgerBatch(fresh);
    const t = (name: LedgerReadTable) => ctx.table(LEDGER_READ_TABLES[name]);
    const sql = (text: string, params: unknown[]) => ctx.manager.query<unknown>(text, params);

    const transfers = await this.settleTransferLines(batch, t, ctx);
    const created = await upsertAccounts(batch.accounts, transfers.balanceChanges, t, ctx);
    if (transfers.replaced.length > 0)
      await sql(`DELETE FROM ${t('entries')} WHERE event_id = ANY ($1::uuid[])`, [
        transfers.replaced,
      ]);
    const currencies = await insertLines(
      [...batch.movements, ...transfers.winners],
      transfers.winners.length > 0,
      t,
      ctx,
    );
    if (transfers.winners.length > 0) await upsertTransfers(transfers.winners, currencies, t, sql);
    // Lines written before their account's opening wait for its currency; an account whose
    // row this batch created has no such lines (the batch's own lines joined the new row).
    const reopened = batch.accounts
      .filter((a) => a.opening !== null && !created.has(a.accountId))
      .map((a) => a.accountId);
    if (reopened.length > 0) await refreshCurrencies(reopened, t, sql);
    await applyTags(batch, t, sql);
    const skipped = new Set(batch.skipped.map((e) => e.eventId));
    await applyLedgerMerges(
      merges.flatMap((m) => (m.ok ? [m.merge] : [])),
      fresh.filter((e) => e.type === ACCOUNT_CLOSED && !skipped.has(e.eventId)),
      t,
      sql,
    );
    const unreadableMerges = claimed.filter(isMergeEvent).flatMap((event, i) => {
      const read = merges[i];
      return read.ok ? [] : [{ eventId: event.eventId, type: event.type, reason: read.reason }];
    });
    const skippedEvents = [...batch.skipped, ...unreadableMerges];
    if (skippedEvents.length > 0)
      await sql(
        `INSERT INTO ${t('skippedEvents')} (event_id, type, reason)
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`,
        [
          skippedEvents.map((s) => s.eventId),
          skippedEvents.map((s) => s.type),
          skippedEvents.map((s) => s.reason),
        ],
      );
  }

  /**
   * Records the batch's event ids as applied and returns the events that were
   * not yet: a duplicate, in this batch or from an earlier one, changes nothing.
   */
  private async claimNewEvents(
    events: readonly StoredEvent[],
    ctx: LedgerSchemaContext,
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    // In key order the index is walked once, front to back, instead of at random.
    const ids = events.map((e) => e.eventId.toLowerCase()).sort();
    const rows = await ctx.manager.query<{ event_id: string }[]>(
      `INSERT INTO ${ctx.table(LEDGER_READ_TABLES.appliedEvents)} (event_id)
       SELECT unnest($1::uuid[]) ON CONFLICT DO NOTHING RETURNING event_id::text`,
      [ids],
    );
    const claimed = new Set(rows.map((row) => row.event_id));
    const fresh: StoredEvent[] = [];
    for (const event of events) {
      const id = event.eventId.toLowerCase();
      if (claimed.delete(id)) fresh.push(event);
    }
    return fresh;
  }

  /**
   * A transfer moves money once per account: of all lines of one (account,
   * transfer), the earliest in canonical order counts. Compares the batch's
   * candidates with the lines already held and says which win, which held
   * lines they replace, and what that does to each balance.
   */
  private async settleTransferLines(
    batch: LedgerReadBatch,
    t: (name: LedgerReadTable) => string,
    ctx: LedgerSchemaContext,
  ): Promise<{
    winners: StatementLine[];
    replaced: string[];
    balanceChanges: Map<string, bigint>;
  }> {
    const winners: StatementLine[] = [];
    const replaced: string[] = [];
    const balanceChanges = new Map<string, bigint>();
    if (batch.transfers.length === 0) return { winners, replaced, balanceChanges };
    const held = await ctx.manager.query<TransferLineRow[]>(
      `SELECT e.event_id::text, e.account_id, e.transfer_id, e.order_key, e.amount::text
         FROM ${t('entries')} e
         JOIN unnest($1::text[], $2::text[]) AS c(account_id, transfer_id)
           ON e.account_id = c.account_id AND e.transfer_id = c.transfer_id`,
      [batch.transfers.map((l) => l.accountId), batch.transfers.map((l) => l.transferId)],
    );
    const heldByPair = new Map(
      held.map((row) => [`${row.account_id}\u0000${row.transfer_id}`, row]),
    );
    for (const line of batch.transfers) {
      const current = heldByPair.get(`${line.accountId}\u0000${line.transferId}`);
      if (current && current.order_key <= line.key) continue;
      winners.push(line);
      const previous = current ? BigInt(current.amount) : 0n;
      if (current) replaced.push(current.event_id);
      balanceChanges.set(
        line.accountId,
        (balanceChanges.get(line.accountId) ?? 0n) + line.amount - previous,
      );
    }
    return { winners, replaced, balanceChanges };
  }
}

type Sql = (text: string, params: unknown[]) => Promise<unknown>;
type Tables = (name: LedgerReadTable) => string;

/** The opening wins when it is the first held, or earlier than the one held. */
const OPENING_WINS = `(x.opened_key IS NOT NULL AND (a.opened_key IS NULL OR x.opened_key < a.opened_key))`;
/** A change wins a register when none is held, or it is later than the one held. */
const changeWins = (column: string) =>
  `(x.${column}_key IS NOT NULL AND (a.${column}_key IS NULL OR x.${column}_key > a.${column}_key))`;

/**
 * Joins each account's change into its row: counters add, registers keep the
 * later write (the earlier for the opening), closing is final. Rows are
 * created empty first so that one UPDATE expresses the join for new and held
 * accounts alike. Returns the accounts whose row this call created.
 */
async function upsertAccounts(
  changes: readonly AccountReadChange[],
  transferBalanceChanges: ReadonlyMap<string, bigint>,
  t: Tables,
  ctx: LedgerSchemaContext,
): Promise<Set<string>> {
  if (changes.length === 0) return new Set();
  const sql: Sql = (text, params) => ctx.manager.query<unknown>(text, params);
  const inserted = await ctx.manager.query<{ account_id: string }[]>(
    `INSERT INTO ${t('accounts')} (account_id) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING
     RETURNING account_id`,
    [changes.map((c) => c.accountId)],
  );
  const rows = changes.map((c) => ({
    account_id: c.accountId,
    opened_key: c.opening?.key ?? null,
    open_owner_name: c.opening?.value.ownerName ?? null,
    open_owner_email: c.opening?.value.ownerEmail ?? null,
    currency: c.opening?.value.currency ?? null,
    home_region: c.opening?.value.homeRegion ?? null,
    residency: c.opening?.value.residency ?? null,
    owner_name: c.ownerName?.value ?? null,
    owner_name_key: c.ownerName?.key ?? null,
    owner_email: c.ownerEmail?.value ?? null,
    owner_email_key: c.ownerEmail?.key ?? null,
    frozen: c.frozen?.value ?? false,
    frozen_key: c.frozen?.key ?? null,
    closed: c.closed,
    balance_change: (c.balanceChange + (transferBalanceChanges.get(c.accountId) ?? 0n)).toString(),
    events: c.events,
    last_event_at: c.lastEventAt,
  }));
  await sql(
    `UPDATE ${t('accounts')} AS a SET
       opened_key      = CASE WHEN ${OPENING_WINS} THEN x.opened_key ELSE a.opened_key END,
       currency        = CASE WHEN ${OPENING_WINS} THEN x.currency ELSE a.currency END,
       home_region     = CASE WHEN ${OPENING_WINS} THEN x.home_region ELSE a.home_region END,
       residency       = CASE WHEN ${OPENING_WINS}
                           THEN (SELECT array_agg(el.region ORDER BY el.n) FROM jsonb_array_elements_text(x.residency) WITH ORDINALITY AS el(region, n))
                           ELSE a.residency END,
       owner_name      = CASE WHEN ${changeWins('owner_name')} THEN x.owner_name
                              WHEN a.owner_name_key IS NULL AND ${OPENING_WINS} THEN x.open_owner_name
                              ELSE a.owner_name END,
       owner_name_key  = CASE WHEN ${changeWins('owner_name')} THEN x.owner_name_key ELSE a.owner_name_key END,
       owner_email     = CASE WHEN ${changeWins('owner_email')} THEN x.owner_email
                              WHEN a.owner_email_key IS NULL AND ${OPENING_WINS} THEN x.open_owner_email
                              ELSE a.owner_email END,
       owner_email_key = CASE WHEN ${changeWins('owner_email')} THEN x.owner_email_key ELSE a.owner_email_key END,
       frozen          = CASE WHEN ${changeWins('frozen')} THEN x.frozen ELSE a.frozen END,
       frozen_key      = CASE WHEN ${changeWins('frozen')} THEN x.frozen_key ELSE a.frozen_key END,
       closed          = a.closed OR x.closed,
       balance         = a.balance + x.balance_change,
       revision        = a.revision + x.events,
       last_event_at   = GREATEST(a.last_event_at, x.last_event_at)
     FROM jsonb_to_recordset($1::jsonb) AS x(
       account_id text, opened_key text COLLATE "C", open_owner_name text, open_owner_email text,
       currency text, home_region text, residency jsonb, owner_name text,
       owner_name_key text COLLATE "C", owner_email text, owner_email_key text COLLATE "C",
       frozen boolean, frozen_key text COLLATE "C", closed boolean, balance_change numeric,
       events bigint, last_event_at timestamptz)
     WHERE a.account_id = x.account_id`,
    [JSON.stringify(rows)],
  );
  return new Set(inserted.map((row) => row.account_id));
}

/**
 * Statement lines; the currency is the account's, as far as its opening is
 * held. With `returnCurrencies` (only transfers need them), returns each
 * line's currency by event id; otherwise an empty map, and no rows come back.
 */
async function insertLines(
  lines: readonly StatementLine[],
  returnCurrencies: boolean,
  t: Tables,
  ctx: LedgerSchemaContext,
): Promise<Map<string, string | null>> {
  if (lines.length === 0) return new Map();
  const rows = await ctx.manager.query<{ event_id: string; currency: string | null }[]>(
    `INSERT INTO ${t('entries')}
       (event_id, account_id, order_key, kind, amount, currency, transfer_id, counterparty_id, occurred_at)
     SELECT x.event_id, x.account_id, x.order_key, x.kind, x.amount, a.currency,
            x.transfer_id, x.counterparty_id, x.occurred_at
       FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[],
                   $7::text[], $8::timestamptz[])
            AS x(event_id, account_id, order_key, kind, amount, transfer_id, counterparty_id, occurred_at)
       LEFT JOIN ${t('accounts')} a ON a.account_id = x.account_id
     ON CONFLICT (event_id) DO NOTHING
     ${returnCurrencies ? 'RETURNING event_id::text, currency' : ''}`,
    [
      lines.map((l) => l.eventId),
      lines.map((l) => l.accountId),
      lines.map((l) => l.key),
      lines.map((l) => l.kind),
      lines.map((l) => l.amount.toString()),
      lines.map((l) => l.transferId),
      lines.map((l) => l.counterpartyId),
      lines.map((l) => l.occurredAt),
    ],
  );
  return returnCurrencies ? new Map(rows.map((row) => [row.event_id, row.currency])) : new Map();
}

/**
 * When an account's opening arrives (or an earlier duplicate replaces it),
 * lines written before it take its currency, and so do the transfer halves
 * they are: a line's currency is always its account's.
 */
async function refreshCurrencies(
  accountIds: readonly string[],
  t: Tables,
  sql: Sql,
): Promise<void> {
  await sql(
    `UPDATE ${t('entries')} e SET currency = a.currency
       FROM ${t('accounts')} a
      WHERE a.account_id = ANY ($1::text[]) AND e.account_id = a.account_id
        AND e.currency IS DISTINCT FROM a.currency`,
    [accountIds],
  );
  for (const half of ['sent', 'received'])
    await sql(
      `UPDATE ${t('transfers')} tr SET ${half}_currency = a.currency
         FROM ${t('accounts')} a
        WHERE a.account_id = ANY ($1::text[]) AND tr.${half}_account_id = a.account_id
          AND tr.${half}_currency IS DISTINCT FROM a.currency`,
      [accountIds],
    );
}

/**
 * The add-wins set of tags: removes leave per-region tombstones (the highest
 * dot each had seen), adds live until a tombstone covers them, and the
 * account's `tags` column lists the live ones.
 */
async function applyTags(batch: LedgerReadBatch, t: Tables, sql: Sql): Promise<void> {
  const { tagAdds, tagTombstones } = batch;
  if (tagAdds.length === 0 && tagTombstones.length === 0) return;
  if (tagTombstones.length > 0) {
    await sql(
      `INSERT INTO ${t('tagRemovals')} AS r (account_id, tag, dot_region, up_to)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
       ON CONFLICT (account_id, tag, dot_region) DO UPDATE SET up_to = GREATEST(r.up_to, EXCLUDED.up_to)`,
      [
        tagTombstones.map((s) => s.accountId),
        tagTombstones.map((s) => s.element),
        tagTombstones.map((s) => s.region),
        tagTombstones.map((s) => s.upTo),
      ],
    );
    await sql(
      `DELETE FROM ${t('tagAdds')} d USING ${t('tagRemovals')} r
        WHERE d.account_id = ANY ($1::text[]) AND r.account_id = d.account_id AND r.tag = d.tag
          AND r.dot_region = d.dot_region AND d.dot_n <= r.up_to`,
      [[...new Set(tagTombstones.map((s) => s.accountId))]],
    );
  }
  if (tagAdds.length > 0) {
    await sql(
      `INSERT INTO ${t('tagAdds')} (account_id, tag, dot_region, dot_n)
       SELECT x.* FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[])
                   AS x(account_id, tag, dot_region, dot_n)
        WHERE NOT EXISTS (
          SELECT 1 FROM ${t('tagRemovals')} r
           WHERE r.account_id = x.account_id AND r.tag = x.tag AND r.dot_region = x.dot_region
             AND x.dot_n <= r.up_to)
       ON CONFLICT DO NOTHING`,
      [
        tagAdds.map((a) => a.accountId),
        tagAdds.map((a) => a.element),
        tagAdds.map((a) => a.region),
        tagAdds.map((a) => a.n),
      ],
    );
  }
  const accounts = [...new Set([...tagAdds, ...tagTombstones].map((x) => x.accountId))];
  await sql(
    `UPDATE ${t('accounts')} a
        SET tags = ARRAY(SELECT DISTINCT g.tag FROM ${t('tagAdds')} g
                          WHERE g.account_id = a.account_id ORDER BY g.tag)
      WHERE a.account_id = ANY ($1::text[])`,
    [accounts],
  );
}

/**
 * A transfer's row holds, per half, the earliest line of that kind held (by
 * canonical order key): joined like a first-writer-wins register, so any
 * arrival order ends with the same halves. `currencies` are the lines'
 * currencies as inserted.
 */
async function upsertTransfers(
  winners: readonly StatementLine[],
  currencies: ReadonlyMap<string, string | null>,
  t: Tables,
  sql: Sql,
): Promise<void> {
  const halves = new Map<string, { sent?: StatementLine; received?: StatementLine }>();
  for (const line of winners) {
    const half = line.kind === 'transfer-sent' ? 'sent' : 'received';
    const pair = halves.get(line.transferId!) ?? {};
    if (!pair[half] || line.key < pair[half].key) pair[half] = line;
    halves.set(line.transferId!, pair);
  }
  const rows = [...halves].map(([transferId, { sent, received }]) => ({
    transfer_id: transferId,
    ...halfColumns('sent', sent, currencies),
    ...halfColumns('received', received, currencies),
  }));
  const columns = ['key', 'event_id', 'account_id', 'counterparty_id', 'amount', 'currency', 'at'];
  const assign = (half: 'sent' | 'received') =>
    columns
      .map(
        (column) =>
          `${half}_${column} = CASE WHEN EXCLUDED.${half}_key IS NOT NULL
             AND (tr.${half}_key IS NULL OR EXCLUDED.${half}_key < tr.${half}_key)
             THEN EXCLUDED.${half}_${column} ELSE tr.${half}_${column} END`,
      )
      .join(',\n');
  const all = ['sent', 'received'].flatMap((half) => columns.map((c) => `${half}_${c}`));
  await sql(
    `INSERT INTO ${t('transfers')} AS tr (transfer_id, ${all.join(', ')})
     SELECT transfer_id, ${all.join(', ')}
       FROM jsonb_to_recordset($1::jsonb) AS x(
         transfer_id text,
         ${['sent', 'received']
           .map(
             (half) => `${half}_key text, ${half}_event_id uuid, ${half}_account_id text,
                        ${half}_counterparty_id text, ${half}_amount bigint,
                        ${half}_currency text, ${half}_at timestamptz`,
           )
           .join(',\n')})
     ON CONFLICT (transfer_id) DO UPDATE SET ${assign('sent')}, ${assign('received')}`,
    [JSON.stringify(rows)],
  );
}

function halfColumns(
  half: 'sent' | 'received',
  line: StatementLine | undefined,
  currencies: ReadonlyMap<string, string | null>,
) {
  return {
    [`${half}_key`]: line?.key ?? null,
    [`${half}_event_id`]: line?.eventId ?? null,
    [`${half}_account_id`]: line?.accountId ?? null,
    [`${half}_counterparty_id`]: line?.counterpartyId ?? null,
    // Both halves say how much moved: a positive amount.
    [`${half}_amount`]: line ? (line.amount < 0n ? -line.amount : line.amount).toString() : null,
    [`${half}_currency`]: line ? (currencies.get(line.eventId) ?? null) : null,
    [`${half}_at`]: line?.occurredAt ?? null,
  };
}
