import type { DataSource } from 'typeorm';
import { createGeodeDataSource } from '@geode/database';
import type { StoredEvent } from '@geode/event-store';
import { accountMergePolicy, foldAccountStream, type OpenedAccount } from '@geode/ledger';
import type { ProjectionContext } from '@geode/projections';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-postgres';
import { SeededRandom } from '../../../../test/simulation/seeded-random';
import { SimulatedWorld, type SimEvent } from '../../../../test/simulation/simulated-world';
import { LedgerProjection } from './ledger-projection';
import { LEDGER_READ_TABLES } from './ledger-read-tables';

/**
 * The ledger read model agrees with the canonical fold on histories with
 * merges (ADR 0012): the simulation's streams (overdrafts, fees, reopened
 * closes, freezes crossed by withdrawals, manual merges) applied in random
 * orders and batches give identical tables, and the account row says what
 * `foldAccountStream` says.
 */
const REGIONS = ['ap-south-1', 'eu-west-1', 'us-east-1'];
const projection = new LedgerProjection();
let database: TestDatabase;
let dataSource: DataSource;
let schemas = 0;

beforeAll(async () => {
  database = await createTestDatabase();
  dataSource = createGeodeDataSource({ url: database.url, migrations: [], poolSize: 2 });
  await dataSource.initialize();
});

afterAll(async () => {
  await dataSource?.destroy();
  await database?.drop();
});

async function freshSchema(): Promise<string> {
  const schema = `ledger_merges_${++schemas}`;
  await dataSource.query(`CREATE SCHEMA ${schema}`);
  await dataSource.transaction((manager) => projection.createTables(contextOf(schema, manager)));
  return schema;
}

function contextOf(schema: string, manager: ProjectionContext['manager']): ProjectionContext {
  return { manager, schema, mode: 'rebuild', table: (name) => `"${schema}"."${name}"` };
}

async function dump(schema: string): Promise<string> {
  const parts: string[] = [];
  for (const table of Object.values(LEDGER_READ_TABLES)) {
    const rows = await dataSource.query<{ dump: string }[]>(
      `SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text COLLATE "C"), '') AS dump
         FROM "${schema}"."${table}" x`,
    );
    parts.push(`${table}:\n${rows[0].dump}`);
  }
  return parts.join('\n');
}

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

async function applyAll(schema: string, batches: readonly (readonly StoredEvent[])[]) {
  for (const batch of batches)
    await dataSource.transaction((manager) => projection.apply(batch, contextOf(schema, manager)));
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
      const first = await freshSchema();
      await applyAll(first, shuffledBatches(events, random));
      const second = await freshSchema();
      await applyAll(second, shuffledBatches(events, random));
      expect(await dump(second)).toEqual(await dump(first));

      const state = foldAccountStream(events) as OpenedAccount;
      const [row] = await dataSource.query<
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
      await dataSource.query(`DROP SCHEMA "${first}" CASCADE; DROP SCHEMA "${second}" CASCADE`);
    }
  }, 120_000);
});
