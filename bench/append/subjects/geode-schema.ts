import { createGeodeDataSource, runMigrations } from '@geode/database';
import { eventStoreMigrations } from '@geode/event-store';

/**
 * Runs the event store's migrations on the bench database, the way a geode
 * does at start. Kept apart from the subject so that the processes that only
 * append never load TypeORM and Nest (their memory is measured).
 */
export async function createGeodeSchema(url: string): Promise<void> {
  const dataSource = createGeodeDataSource({
    url,
    migrations: eventStoreMigrations,
    applicationName: 'bench-geode-migrate',
    poolSize: 2,
  });
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}
