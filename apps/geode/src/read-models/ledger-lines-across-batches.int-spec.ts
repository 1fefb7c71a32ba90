import type { StoredEvent } from '@geode/event-store';
import { LedgerProjection } from './ledger-projection';
import { LEDGER_READ_TABLES } from './ledger-read-tables';
import { useProjectionSchemas } from './testing/projection-schemas';

const schemas = useProjectionSchemas(new LedgerProjection(), 'ledger_lines');
const dump = (schema: string) => schemas.dump(schema, Object.values(LEDGER_READ_TABLES));

const BASE_MS = Date.UTC(2026, 10, 1);
let eventNo = 0;

/** One account event as the store stamps it: its dot is the stream's next, its clock `tick`. */
function stamped(
  accountId: string,
  n: number,
  tick: number,
  type: string,
  data: Record<string, unknown>,
): StoredEvent {
  eventNo += 1;
  const at = new Date(BASE_MS + tick).toISOString();
  return {
    eventId: `00000000-0000-4000-8000-${eventNo.toString(16).padStart(12, '0')}`,
    streamId: `account-${accountId}`,
    type,
    schemaVersion: 1,
    data: { accountId, ...data, at },
    metadata: {},
    dot: { region: 'eu-west-1', n },
    deps: n > 1 ? { 'eu-west-1': n - 1 } : {},
    hlc: { wallMs: BASE_MS + tick, logical: 0 },
    residency: null,
    revision: n,
    position: eventNo,
    origin: null,
    recordedAt: new Date(BASE_MS),
  };
}

const opened = (accountId: string, n: number, tick: number, currency: string) =>
  stamped(accountId, n, tick, 'ledger.AccountOpened', {
    ownerName: `Owner of ${accountId}`,
    ownerEmail: null,
    currency,
    homeRegion: 'eu-west-1',
    residency: null,
  });

/**
 * Two accounts in EUR and a bystander in USD: deposits, a withdrawal and a transfer a → b,
 * each a statement line, all after their account's opening in canonical order.
 */
function history() {
  const a = `lines-a-${eventNo}`;
  const b = `lines-b-${eventNo}`;
  const c = `lines-c-${eventNo}`;
  const transferId = `tr-${eventNo}`;
  const openings = [opened(a, 1, 1, 'EUR'), opened(b, 1, 2, 'EUR'), opened(c, 1, 3, 'USD')];
  const lines = {
    deposit: stamped(a, 2, 10, 'ledger.FundsDeposited', { amount: '700' }),
    withdrawal: stamped(a, 3, 11, 'ledger.FundsWithdrawn', { amount: '150' }),
    sent: stamped(a, 4, 12, 'ledger.TransferSent', { transferId, toAccountId: b, amount: '200' }),
    received: stamped(b, 2, 13, 'ledger.TransferReceived', {
      transferId,
      fromAccountId: a,
      amount: '200',
    }),
    bystander: stamped(c, 2, 14, 'ledger.FundsDeposited', { amount: '9' }),
  };
  return { a, b, c, transferId, openings, lines };
}

interface EntryRow {
  account_id: string;
  kind: string;
  amount: string;
  currency: string | null;
}

async function entriesOf(schema: string): Promise<EntryRow[]> {
  return schemas.dataSource.query<EntryRow[]>(
    `SELECT account_id, kind, amount::text, currency FROM "${schema}".account_entries
      ORDER BY order_key COLLATE "C", account_id COLLATE "C"`,
  );
}

async function balancesOf(schema: string): Promise<Record<string, [string, string | null]>> {
  const rows = await schemas.dataSource.query<
    { account_id: string; balance: string; currency: string | null }[]
  >(`SELECT account_id, balance::text, currency FROM "${schema}".accounts`);
  return Object.fromEntries(rows.map((r) => [r.account_id, [r.balance, r.currency]]));
}

async function transferOf(schema: string, transferId: string) {
  const [row] = await schemas.dataSource.query<Record<string, string | null>[]>(
    `SELECT status, sent_account_id, sent_currency, received_account_id, received_currency,
            sent_amount::text, received_amount::text
       FROM "${schema}".transfers WHERE transfer_id = $1`,
    [transferId],
  );
  return row;
}

/** The same events applied in one batch: what any split into batches must end with. */
async function inOneBatch(events: readonly StoredEvent[]): Promise<Record<string, string>> {
  const schema = await schemas.fresh();
  await schemas.apply(schema, [events]);
  return dump(schema);
}

describe('ledger statement lines and their opening in different batches (real PostgreSQL)', () => {
  it('a line applied batches after its opening carries the account currency and moves the balance', async () => {
    const { a, b, c, transferId, openings, lines } = history();
    const schema = await schemas.fresh();
    // Opening in batch 1; the lines in batches 2..5, the transfer's halves two batches apart.
    await schemas.apply(schema, [
      openings,
      [lines.bystander],
      [lines.deposit, lines.withdrawal],
      [lines.sent],
      [lines.received],
    ]);

    expect(await entriesOf(schema)).toEqual([
      { account_id: a, kind: 'deposit', amount: '700', currency: 'EUR' },
      { account_id: a, kind: 'withdrawal', amount: '-150', currency: 'EUR' },
      { account_id: a, kind: 'transfer-sent', amount: '-200', currency: 'EUR' },
      { account_id: b, kind: 'transfer-received', amount: '200', currency: 'EUR' },
      { account_id: c, kind: 'deposit', amount: '9', currency: 'USD' },
    ]);
    expect(await balancesOf(schema)).toEqual({
      [a]: ['350', 'EUR'],
      [b]: ['200', 'EUR'],
      [c]: ['9', 'USD'],
    });
    expect(await transferOf(schema, transferId)).toEqual({
      status: 'completed',
      sent_account_id: a,
      sent_currency: 'EUR',
      received_account_id: b,
      received_currency: 'EUR',
      sent_amount: '200',
      received_amount: '200',
    });
    expect(await dump(schema)).toEqual(await inOneBatch([...openings, ...Object.values(lines)]));
  });

  it('a line applied before its opening waits for the currency, then ends as if in order', async () => {
    const { a, b, transferId, openings, lines } = history();
    const [openA, openB, openC] = openings;
    const schema = await schemas.fresh();
    // Not causal (a peer's replay or a hostile order): the model still converges.
    await schemas.apply(schema, [
      [lines.deposit, lines.received],
      [lines.sent, lines.withdrawal, openC, lines.bystander],
    ]);
    const before = await entriesOf(schema);
    expect(before.filter((l) => l.account_id !== openC.data.accountId)).toEqual([
      { account_id: a, kind: 'deposit', amount: '700', currency: null },
      { account_id: a, kind: 'withdrawal', amount: '-150', currency: null },
      { account_id: a, kind: 'transfer-sent', amount: '-200', currency: null },
      { account_id: b, kind: 'transfer-received', amount: '200', currency: null },
    ]);
    expect(await balancesOf(schema)).toMatchObject({ [a]: ['350', null], [b]: ['200', null] });

    await schemas.apply(schema, [[openB], [openA]]);

    expect((await entriesOf(schema)).map((l) => l.currency)).toEqual([
      'EUR',
      'EUR',
      'EUR',
      'EUR',
      'USD',
    ]);
    expect(await transferOf(schema, transferId)).toMatchObject({
      sent_currency: 'EUR',
      received_currency: 'EUR',
    });
    expect(await dump(schema)).toEqual(await inOneBatch([...openings, ...Object.values(lines)]));
  });

  it('an earlier duplicate opening arriving batches later gives the held lines its currency', async () => {
    const { a, openings, lines } = history();
    // A concurrent opening decided earlier (canonical order) in another currency.
    const earlier = { ...opened(a, 1, 0, 'GBP'), dot: { region: 'us-east-1', n: 1 }, deps: {} };
    const schema = await schemas.fresh();
    await schemas.apply(schema, [openings, [lines.deposit, lines.withdrawal], [earlier]]);

    const lineCurrencies = (await entriesOf(schema)).filter((l) => l.account_id === a);
    expect(lineCurrencies.map((l) => l.currency)).toEqual(['GBP', 'GBP']);
    expect((await balancesOf(schema))[a]).toEqual(['550', 'GBP']);
    expect(await dump(schema)).toEqual(
      await inOneBatch([earlier, ...openings, lines.deposit, lines.withdrawal]),
    );
  });
});
