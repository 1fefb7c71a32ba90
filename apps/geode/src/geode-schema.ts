import { createGeodeDataSource, pendingMigrations, runMigrations } from '@geode/database';
import { GeodeConfig } from './config/geode-config';
import { geodeMigrations } from './geode-migrations';

/** Schema state that stops a geode from starting, in words the operator can act on. */
export class SchemaNotReadyError extends Error {
  override readonly name = 'SchemaNotReadyError';
}

/** Applies the geode's pending migrations (under the migration lock); returns their names. */
export async function migrateGeodeDatabase(url: string, region: string): Promise<string[]> {
  const dataSource = createGeodeDataSource({
    url,
    migrations: geodeMigrations,
    applicationName: `geode-${region}-migrate`,
    poolSize: 2,
  });
  await dataSource.initialize();
  try {
    return await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/**
 * What start-up does about the schema: run pending migrations, or with
 * `GEODE_MIGRATIONS=check` refuse to start while any are pending.
 */
export async function prepareGeodeSchema(url: string, config: GeodeConfig): Promise<string[]> {
  if (config.migrations === 'run') return migrateGeodeDatabase(url, config.region);
  const dataSource = createGeodeDataSource({ url, migrations: geodeMigrations, poolSize: 1 });
  await dataSource.initialize();
  const pending = await pendingMigrations(dataSource).finally(() => dataSource.destroy());
  if (pending.length) {
    throw new SchemaNotReadyError(
      `GEODE_MIGRATIONS=check and ${pending.length} migration(s) are pending (${pending.join(', ')}); run "geode-server migrate" first`,
    );
  }
  return [];
}
