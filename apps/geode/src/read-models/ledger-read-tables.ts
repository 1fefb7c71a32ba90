/** The read model's tables, by name (created in the live schema or a rebuild's shadow). */
export const LEDGER_READ_TABLES = {
  accounts: 'accounts',
  entries: 'account_entries',
  transfers: 'transfers',
  tagAdds: 'account_tag_adds',
  tagRemovals: 'account_tag_removals',
  closes: 'account_closes',
  reopens: 'account_reopens',
  appliedEvents: 'applied_events',
  skippedEvents: 'skipped_events',
} as const;

export type LedgerReadTable = keyof typeof LEDGER_READ_TABLES;

/**
 * DDL of the ledger read model (ADR 0007). Every column is a function of the
 * events held, never of where or when they arrived, so two geodes holding the
 * same events hold the same bytes. Keys and ids use the "C" collation: the
 * order of text is then the same on every server, whatever its locale.
 */
export function ledgerReadTableStatements(table: (name: LedgerReadTable) => string): string[] {
  const t = table;
  return [
    `CREATE TABLE ${t('accounts')} (
      account_id      text COLLATE "C" PRIMARY KEY,
      -- Canonical order key of the earliest opening held; NULL until one is held.
      opened_key      text COLLATE "C",
      owner_name      text,
      -- Key of the owner change that set the name; NULL while it comes from the opening.
      owner_name_key  text COLLATE "C",
      owner_email     text,
      owner_email_key text COLLATE "C",
      currency        text,
      balance         numeric(39, 0) NOT NULL DEFAULT 0,
      frozen          boolean NOT NULL DEFAULT false,
      frozen_key      text COLLATE "C",
      closed          boolean NOT NULL DEFAULT false,
      status          text GENERATED ALWAYS AS (
                        CASE WHEN closed THEN 'closed' WHEN frozen THEN 'frozen'
                             WHEN balance < 0 THEN 'overdrawn' ELSE 'open' END
                      ) STORED,
      tags            text[] COLLATE "C" NOT NULL DEFAULT '{}',
      home_region     text,
      residency       text[],
      -- Events of the account held here (the stream's revision once all are held).
      revision        bigint NOT NULL DEFAULT 0,
      -- The account's conflict state is the fork detector's (conflicts.conflicts, ADR 0012).
      last_event_at   timestamptz
    )`,
    `CREATE INDEX ON ${t('accounts')} (status, account_id)`,
    `CREATE INDEX ON ${t('accounts')} (lower(owner_name))`,
    `CREATE INDEX ON ${t('accounts')} (lower(owner_email))`,
    `CREATE INDEX ON ${t('accounts')} USING gin (tags)`,
    `CREATE TABLE ${t('entries')} (
      event_id        uuid PRIMARY KEY,
      account_id      text COLLATE "C" NOT NULL,
      order_key       text COLLATE "C" NOT NULL,
      kind            text NOT NULL,
      amount          bigint NOT NULL,
      currency        text,
      transfer_id     text COLLATE "C",
      counterparty_id text COLLATE "C",
      occurred_at     timestamptz NOT NULL,
      UNIQUE (account_id, order_key),
      -- A transfer moves money once per account: one line per (account, transfer).
      UNIQUE (account_id, transfer_id)
    )`,
    // Each half is the earliest line of its kind held for the transfer (a min-register on its
    // key); what the transfer says follows from the halves held, the sent half first.
    `CREATE TABLE ${t('transfers')} (
      transfer_id              text COLLATE "C" PRIMARY KEY,
      sent_key                 text COLLATE "C",
      sent_event_id            uuid,
      sent_account_id          text COLLATE "C",
      sent_counterparty_id     text COLLATE "C",
      sent_amount              bigint,
      sent_currency            text,
      sent_at                  timestamptz,
      received_key             text COLLATE "C",
      received_event_id        uuid,
      received_account_id      text COLLATE "C",
      received_counterparty_id text COLLATE "C",
      received_amount          bigint,
      received_currency        text,
      received_at              timestamptz,
      from_account_id text COLLATE "C" GENERATED ALWAYS AS (coalesce(sent_account_id, received_counterparty_id)) STORED,
      to_account_id   text COLLATE "C" GENERATED ALWAYS AS (coalesce(sent_counterparty_id, received_account_id)) STORED,
      amount          bigint GENERATED ALWAYS AS (coalesce(sent_amount, received_amount)) STORED,
      currency        text GENERATED ALWAYS AS (coalesce(sent_currency, received_currency)) STORED,
      -- sent / received: only that half is held here (yet, or by residency); completed: both.
      status          text GENERATED ALWAYS AS (
                        CASE WHEN sent_key IS NOT NULL AND received_key IS NOT NULL THEN 'completed'
                             WHEN sent_key IS NOT NULL THEN 'sent' ELSE 'received' END
                      ) STORED
    )`,
    `CREATE TABLE ${t('tagAdds')} (
      account_id text COLLATE "C" NOT NULL,
      tag        text COLLATE "C" NOT NULL,
      dot_region text COLLATE "C" NOT NULL,
      dot_n      bigint NOT NULL,
      PRIMARY KEY (account_id, tag, dot_region, dot_n)
    )`,
    `CREATE TABLE ${t('tagRemovals')} (
      account_id text COLLATE "C" NOT NULL,
      tag        text COLLATE "C" NOT NULL,
      dot_region text COLLATE "C" NOT NULL,
      up_to      bigint NOT NULL,
      PRIMARY KEY (account_id, tag, dot_region)
    )`,
    // Closing vs a reopening merge (ADR 0012), like the tag set: a close is its dot; a merge
    // that reopens leaves per-region tombstones from its deps; closed while a close is uncovered.
    `CREATE TABLE ${t('closes')} (
      account_id text COLLATE "C" NOT NULL,
      dot_region text COLLATE "C" NOT NULL,
      dot_n      bigint NOT NULL,
      PRIMARY KEY (account_id, dot_region, dot_n)
    )`,
    `CREATE TABLE ${t('reopens')} (
      account_id text COLLATE "C" NOT NULL,
      dot_region text COLLATE "C" NOT NULL,
      up_to      bigint NOT NULL,
      PRIMARY KEY (account_id, dot_region)
    )`,
    `CREATE TABLE ${t('appliedEvents')} (event_id uuid PRIMARY KEY)`,
    `CREATE TABLE ${t('skippedEvents')} (
      event_id uuid PRIMARY KEY,
      type     text NOT NULL,
      reason   text NOT NULL
    )`,
  ];
}
