import { randomUUID } from 'node:crypto';
import { createGeodeDataSource, runMigrations } from '@geode/database';
import { HybridLogicalClock, systemWallClock } from '@geode/clock';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-postgres';
import type { NewEvent } from '../event-envelope';
import { eventStoreMigrations } from '../postgres/migrations';
import { PostgresEventStore, PostgresEventStoreOptions } from '../postgres/postgres-event-store';

export interface StoreUnderTest {
  store: PostgresEventStore;
  database: TestDatabase;
  /** Opens another store (another geode process or region) on the same database. */
  another(options?: Partial<PostgresEventStoreOptions>): Promise<PostgresEventStore>;
  close(): Promise<void>;
}

/** A fresh database with the event store's schema, and a store on it. */
export async function createStoreUnderTest(
  options: Partial<PostgresEventStoreOptions> = {},
  database?: TestDatabase,
): Promise<StoreUnderTest> {
  const db = database ?? (await createTestDatabase());
  if (!database) {
    const dataSource = createGeodeDataSource({
      url: db.url,
      migrations: eventStoreMigrations,
      poolSize: 2,
    });
    await dataSource.initialize();
    await runMigrations(dataSource).finally(() => dataSource.destroy());
  }
  const opened: PostgresEventStore[] = [];
  const open = async (extra: Partial<PostgresEventStoreOptions> = {}) => {
    const store = await PostgresEventStore.create({
      url: db.url,
      region: 'eu-west-1',
      clock: new HybridLogicalClock(systemWallClock),
      poolSize: 12,
      ...options,
      ...extra,
    });
    opened.push(store);
    return store;
  };
  const store = await open();
  return {
    store,
    database: db,
    another: open,
    close: async () => {
      await Promise.all(opened.map((s) => s.close()));
      if (!database) await db.drop();
    },
  };
}

/** A ledger-like event for tests. */
export function deposit(amount = '100', extra: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: randomUUID(),
    type: 'ledger.FundsDeposited',
    schemaVersion: 1,
    data: { amount, currency: 'EUR' },
    metadata: { correlationId: 'test' },
    ...extra,
  };
}

export const stream = (category = 'account') => `${category}-${randomUUID()}`;
