import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { accountStreamId } from '@geode/ledger';
import { ConflictRepository } from '../conflicts/conflict-repository';
import { LEDGER_READ_SCHEMA } from './ledger-projection';
import type { AccountFilter, AccountView, EntryView } from './account-view';

interface AccountRow {
  account_id: string;
  owner_name: string;
  owner_email: string | null;
  currency: string;
  balance: string;
  status: AccountView['status'];
  tags: string[];
  home_region: string;
  residency: string[] | null;
  revision: string;
  last_event_at: Date | null;
}

interface EntryRow {
  event_id: string;
  account_id: string;
  order_key: string;
  kind: EntryView['kind'];
  amount: string;
  currency: string | null;
  transfer_id: string | null;
  counterparty_id: string | null;
  occurred_at: Date;
}

/** An entry and the key a cursor after it holds. */
export interface KeyedEntry {
  key: string;
  entry: EntryView;
}

const ACCOUNTS = `"${LEDGER_READ_SCHEMA}"."accounts"`;
const ENTRIES = `"${LEDGER_READ_SCHEMA}"."account_entries"`;
const ACCOUNT_COLUMNS = `account_id, owner_name, owner_email, currency, balance::text AS balance,
  status, tags, home_region, residency, revision::text AS revision, last_event_at`;
const ENTRY_COLUMNS = `event_id::text AS event_id, account_id, order_key, kind, amount::text AS amount,
  currency, transfer_id, counterparty_id, occurred_at`;

/**
 * Reads the ledger read model's live tables; nothing else. Every query is one
 * statement, and lists page by key (keyset), never by offset.
 */
@Injectable()
export class LedgerReadRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly conflicts: ConflictRepository,
  ) {}

  async account(accountId: string): Promise<AccountView | null> {
    const rows = await this.dataSource.query<AccountRow[]>(
      `SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNTS} WHERE account_id = $1 AND opened_key IS NOT NULL`,
      [accountId],
    );
    return rows.length ? (await this.withConflicts(rows.map(toAccountView)))[0] : null;
  }

  /** Each account's latest fork, from the fork detector's table (ADR 0012). */
  private async withConflicts(views: AccountView[]): Promise<AccountView[]> {
    if (views.length === 0) return views;
    const latest = await this.conflicts.latestOf(views.map((v) => accountStreamId(v.accountId)));
    return views.map((view) => {
      const fork = latest.get(accountStreamId(view.accountId));
      return fork
        ? {
            ...view,
            conflict: {
              forkedAt: fork.forkedAt,
              heads: fork.heads,
              status: fork.status,
              mergeEventId: fork.mergeEventId,
            },
          }
        : view;
    });
  }

  /** Up to `limit` accounts after `after` (by id), and whether more follow. */
  async accounts(
    filter: AccountFilter,
    after: string | null,
    limit: number,
  ): Promise<{ items: AccountView[]; more: boolean }> {
    const rows = await this.dataSource.query<AccountRow[]>(
      `SELECT ${ACCOUNT_COLUMNS} FROM ${ACCOUNTS}
        WHERE opened_key IS NOT NULL
          AND ($1::text IS NULL OR account_id > $1)
          AND ($2::text IS NULL OR lower(owner_name) = lower($2) OR lower(owner_email) = lower($2))
          AND ($3::text IS NULL OR status = $3)
          AND ($4::text IS NULL OR tags @> ARRAY[$4::text])
        ORDER BY account_id LIMIT $5`,
      [after, filter.owner ?? null, filter.status ?? null, filter.tag ?? null, limit + 1],
    );
    const items = await this.withConflicts(rows.slice(0, limit).map(toAccountView));
    return { items, more: rows.length > limit };
  }

  /**
   * The statement lines of several accounts in one statement (GraphQL pages
   * ask for all accounts of a page at once): per account, up to `limit + 1`
   * lines after `after` in canonical order.
   */
  async entriesOf(
    accountIds: readonly string[],
    after: string | null,
    limit: number,
  ): Promise<Map<string, KeyedEntry[]>> {
    const rows = await this.dataSource.query<EntryRow[]>(
      `SELECT line.* FROM unnest($1::text[]) AS a(account_id)
         CROSS JOIN LATERAL (
           SELECT ${ENTRY_COLUMNS} FROM ${ENTRIES} e
            WHERE e.account_id = a.account_id AND ($2::text IS NULL OR e.order_key > $2)
            ORDER BY e.order_key LIMIT $3) AS line`,
      [accountIds, after, limit + 1],
    );
    const byAccount = new Map<string, KeyedEntry[]>(accountIds.map((id) => [id, []]));
    for (const row of rows)
      byAccount.get(row.account_id)?.push({ key: row.order_key, entry: toEntryView(row) });
    return byAccount;
  }
}

function toAccountView(row: AccountRow): AccountView {
  return {
    accountId: row.account_id,
    owner: { name: row.owner_name, email: row.owner_email },
    currency: row.currency,
    balance: row.balance,
    status: row.status,
    tags: row.tags,
    homeRegion: row.home_region,
    residency: row.residency,
    revision: Number(row.revision),
    lastEventAt: row.last_event_at?.toISOString() ?? null,
    conflict: null,
  };
}

function toEntryView(row: EntryRow): EntryView {
  return {
    eventId: row.event_id,
    accountId: row.account_id,
    kind: row.kind,
    amount: row.amount,
    currency: row.currency,
    transferId: row.transfer_id,
    counterpartyId: row.counterparty_id,
    occurredAt: row.occurred_at.toISOString(),
  };
}
