import type { StoredEvent } from '@geode/event-store';
import { accountMergePolicy, foldAccountStream, type OpenedAccount } from '@geode/ledger';
import { SeededRandom } from '../../../../test/simulation/seeded-random';
import { SimulatedWorld, type SimEvent } from '../../../../test/simulation/simulated-world';
import { LedgerProjection } from './ledger-projection';
import { LEDGER_READ_TABLES } from './ledger-read-tables';
import { useProjectionSchemas } from './testing/projection-schemas';

/**
 * The ledger read model agrees with the canonical fold on histories with
 * merges (ADR 0012): the simulation's streams (overdrafts, fees, reopened
 * closes, freezes crossed by withdrawals, manual merges) applied in random
 * orders and batches give identical tables, and the account row says what
 * `foldAccountStream` says.
 */
const REGIONS = ['ap-south-1', 'eu-west-1', 'us-east-1'];
const schemas = useProjectionSchemas(new LedgerProjection(), 'ledger_merges');
const dump = (schema: string) => schemas.dump(schema, Object.values(LEDGER_READ_TABLES));

function stored(events: readonly SimEvent[]): StoredEvent[] {
  return events.map((event, i) => ({
    ...event,
    data: event.data as StoredEvent['data'],
    metadata: {},
    residency: null,
    revision: i + 1,
    position: i + 1,
    origin: null,
    recordedAt: new Date(0),
  }));
}

/** The events in a random order (duplicates included), cut into random batches. */
function shuffledBatches(events: readonly StoredEvent[], random: SeededRandom): StoredEvent[][] {
  const pool = [...events, ...events.filter(() => random.chance(0.1))];
  for (let i = pool.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  const batches: StoredEvent[][] = [];
  while (pool.length > 0) batches.push(pool.splice(0, 1 + random.int(12)));
  return batches;
}

describe('ledger read model with merges (real PostgreSQL)', () => {
  /** Worlds worth checking: some with each rule, found in memory (cheap) before the database work. */
  function pickWorlds(): { seed: number; events: StoredEvent[]; rules: Set<string> }[] {
    const picked: { seed: number; events: StoredEvent[]; rules: Set<string> }[] = [];
    const perRule = new Map<string, number>();
    for (let seed = 1; seed <= 400 && picked.length < 14; seed++) {
      const world = new SimulatedWorld(seed, {
        regions: REGIONS,
        steps: 60,
        policy: accountMergePolicy({ overdraftCompensation: { kind: 'fee', amount: 7n } }),
      });
      world.run();
      const events = stored(world.eventsOf(REGIONS[0]));
      const rules = new Set(
        events
          .filter((e) => e.type === 'geode.Merge')
          .flatMap((e) => (e.data.outcome as { rules: string[] }).rules),
      );
      const wanted = [...rules].some((rule) => (perRule.get(rule) ?? 0) < 3);
      if (!wanted) continue;
      for (const rule of rules) perRule.set(rule, (perRule.get(rule) ?? 0) + 1);
      picked.push({ seed, events, rules });
    }
    return picked;
  }

  it('converges on simulated histories and agrees with the canonical fold', async () => {
    const worlds = pickWorlds();
    const seen = new Set(worlds.flatMap((w) => [...w.rules]));
    expect([...seen]).toEqual(
      expect.arrayContaining([
        'ledger.overdraft@1',
        'ledger.closed-with-balance@1',
        'ledger.frozen-withdrawal@1',
        'manual',
      ]),
    );
    for (const { seed, events } of worlds) {
      const random = new SeededRandom(seed ^ 0x5eed);
      const first = await schemas.fresh();
      await schemas.apply(first, shuffledBatches(events, random));
      const second = await schemas.fresh();
      await schemas.apply(second, shuffledBatches(events, random));
      expect(await dump(second)).toEqual(await dump(first));

      const state = foldAccountStream(events) as OpenedAccount;
      const [row] = await schemas.dataSource.query<
        { balance: string; status: string; tags: string[]; owner_name: string; revision: string }[]
      >(`SELECT balance::text, status, tags, owner_name, revision::text FROM "${first}".accounts`);
      expect({ seed, ...row }).toEqual({
        seed,
        balance: state.balance.toString(),
        status: state.status,
        tags: [...state.tags],
        owner_name: state.owner.name,
        revision: String(events.length),
      });
      await schemas.dataSource.query(
        `DROP SCHEMA "${first}" CASCADE; DROP SCHEMA "${second}" CASCADE`,
      );
    }
  }, 120_000);
});
