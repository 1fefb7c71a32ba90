import fc from 'fast-check';
import type { StoredEvent } from '@geode/event-store';
import {
  compareCanonicalOrder,
  fold,
  parseAccountEvent,
  type AccountEvent,
  type OpenedAccount,
} from '@geode/ledger';
import { LedgerProjection } from './ledger-projection';
import { LEDGER_READ_TABLES } from './ledger-read-tables';
import { useProjectionSchemas } from './testing/projection-schemas';
import { causalDelivery, generateLedgerHistory, seededRandom } from './testing/ledger-history';

const REGIONS = ['eu-west-1', 'us-east-1', 'ap-south-1'];
const schemas = useProjectionSchemas(new LedgerProjection(), 'ledger_read');
const dump = (schema: string) => schemas.dump(schema, Object.values(LEDGER_READ_TABLES));

interface AccountRow {
  account_id: string;
  owner_name: string;
  owner_email: string | null;
  currency: string;
  balance: string;
  status: string;
  tags: string[];
  home_region: string;
  revision: string;
}

/**
 * What the tables must say, computed another way: each stream folded by the
 * command side's `evolve` in canonical order, tags by the add-wins rule read
 * straight off the events.
 */
function expectedAccounts(history: readonly StoredEvent[]) {
  const streams = new Map<string, StoredEvent[]>();
  for (const event of history)
    streams.set(event.streamId, [...(streams.get(event.streamId) ?? []), event]);
  return [...streams.values()].map((events) => {
    const ordered = [...events].sort(compareCanonicalOrder);
    const parsed = ordered.map((e) => {
      const result = parseAccountEvent(e);
      if (!result.ok) throw result.error;
      return result.value;
    });
    const state = fold(parsed) as OpenedAccount;
    const adds = ordered.filter((e) => e.type === 'ledger.TagAdded');
    const removes = ordered.filter((e) => e.type === 'ledger.TagRemoved');
    const tags = adds
      .filter(
        (add) =>
          !removes.some(
            (remove) =>
              remove.data.tag === add.data.tag && (remove.deps[add.dot.region] ?? 0) >= add.dot.n,
          ),
      )
      .map((add) => add.data.tag as string);
    return {
      account_id: state.id,
      owner_name: state.owner.name,
      owner_email: state.owner.email,
      currency: state.currency,
      balance: state.balance.toString(),
      status: state.status,
      tags: [...new Set(tags)].sort(),
      home_region: state.homeRegion,
      revision: String(events.length),
    };
  });
}

describe('ledger projection (real PostgreSQL)', () => {
  it('converges: causally consistent permutations with duplicates, in random batches, give identical tables', async () => {
    let checkedHistories = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 - 1 }), async (seed) => {
        const history = generateLedgerHistory(seed, { regions: REGIONS, accounts: 3, steps: 90 });
        const reference = await schemas.fresh();
        await schemas.apply(reference, [history]);
        const expected = await dump(reference);

        const random = seededRandom(seed ^ 0x5eed);
        for (let delivery = 0; delivery < 3; delivery++) {
          const schema = await schemas.fresh();
          await schemas.apply(
            schema,
            causalDelivery(history, random, { duplicateRate: 0.15, maxBatch: 25 }),
          );
          expect(await dump(schema)).toEqual(expected);
        }

        const rows = await schemas.dataSource.query<AccountRow[]>(
          `SELECT account_id, owner_name, owner_email, currency, balance::text AS balance, status,
                  tags, home_region, revision::text AS revision
             FROM "${reference}".accounts ORDER BY account_id`,
        );
        const byId = (a: { account_id: string }, b: { account_id: string }) =>
          a.account_id < b.account_id ? -1 : 1;
        expect(rows.sort(byId)).toEqual(expectedAccounts(history).sort(byId));
        if (history.length > 20) checkedHistories += 1;
        await schemas.dataSource.query(`DROP SCHEMA "${reference}" CASCADE`);
      }),
      { numRuns: 8 },
    );
    expect(checkedHistories).toBeGreaterThan(4);
  }, 60_000);

  it('writes a statement line per movement, a transfer once per account, and both halves into transfers', async () => {
    const schema = await schemas.fresh();
    const history = generateLedgerHistory(7, { regions: REGIONS, accounts: 3, steps: 120 });
    await schemas.apply(schema, [history]);
    const movements = history.filter((e) => /Deposited|Withdrawn/.test(e.type));
    const transferLines = new Map<string, StoredEvent>();
    for (const event of [...history].sort(compareCanonicalOrder)) {
      if (!/Transfer/.test(event.type)) continue;
      const key = `${event.streamId}/${event.data.transferId as string}`;
      if (!transferLines.has(key)) transferLines.set(key, event);
    }
    const entries = await schemas.dataSource.query<{ event_id: string }[]>(
      `SELECT event_id::text FROM "${schema}".account_entries ORDER BY event_id`,
    );
    expect(entries.map((e) => e.event_id)).toEqual(
      [...movements, ...transferLines.values()].map((e) => e.eventId).sort(),
    );
    expect(transferLines.size).toBeGreaterThan(0);
    const transfers = await schemas.dataSource.query<{ status: string; n: number }[]>(
      `SELECT status, count(*)::int AS n FROM "${schema}".transfers GROUP BY status`,
    );
    const transferIds = new Set(
      history.filter((e) => /Transfer/.test(e.type)).map((e) => e.data.transferId),
    );
    expect(transfers).toEqual([{ status: 'completed', n: transferIds.size }]);
  });

  it('holds a malformed event from a peer as skipped, and applies the rest', async () => {
    const schema = await schemas.fresh();
    const [opening, ...rest] = generateLedgerHistory(11, {
      regions: ['eu-west-1'],
      accounts: 1,
      steps: 30,
    });
    const forged: StoredEvent = {
      ...rest[0],
      eventId: '00000000-0000-4000-8000-00000000dead',
      type: 'ledger.FundsDeposited',
      data: { accountId: opening.data.accountId, amount: '1e9', at: 'yesterday' },
      dot: { region: 'eu-west-1', n: 999 },
    };
    await schemas.apply(schema, [[opening, forged]]);
    const skipped = await schemas.dataSource.query<{ event_id: string; reason: string }[]>(
      `SELECT event_id::text, reason FROM "${schema}".skipped_events`,
    );
    expect(skipped).toEqual([
      { event_id: forged.eventId, reason: expect.stringMatching(/amount/) as string },
    ]);
    const [account] = await schemas.dataSource.query<{ balance: string; revision: string }[]>(
      `SELECT balance::text, revision::text FROM "${schema}".accounts`,
    );
    expect(account).toEqual({ balance: '0', revision: '1' });
  });
});

// Keeps the type import honest: the generator writes events the ledger reads.
export type { AccountEvent };
