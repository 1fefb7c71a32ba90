import { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { createGeodeDataSource, runMigrations } from '@geode/database';
import { eventStoreMigrations, type PostgresEventStore } from '@geode/event-store';
import {
  createStoreUnderTest,
  StoreUnderTest,
} from '../../../event-store/src/testing/postgres-event-store.factory';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-postgres';
import { projectionMigrations } from '../migrations';
import type { Projection } from '../projection';
import { ProjectionPlatform, type ProjectionPlatformOptions } from '../projection-platform';

export interface ProjectionTestbed {
  database: TestDatabase;
  store: PostgresEventStore;
  /** A platform as one geode process would run it (its own pool, store and registry). */
  startPlatform(
    projections: Projection[],
    options?: Partial<ProjectionPlatformOptions>,
  ): Promise<StartedPlatform>;
  close(): Promise<void>;
}

export interface StartedPlatform {
  platform: ProjectionPlatform;
  dataSource: DataSource;
  registry: Registry;
  stop(): Promise<void>;
}

/** A fresh database with the event store's and the platform's tables, and a store on it. */
export async function createProjectionTestbed(): Promise<ProjectionTestbed> {
  const database = await createTestDatabase();
  const migrate = createGeodeDataSource({
    url: database.url,
    migrations: [...eventStoreMigrations, ...projectionMigrations],
    poolSize: 2,
  });
  await migrate.initialize();
  await runMigrations(migrate).finally(() => migrate.destroy());
  const stores: StoreUnderTest = await createStoreUnderTest({}, database);
  const started = new Set<StartedPlatform>();
  return {
    database,
    store: stores.store,
    startPlatform: async (projections, options = {}) => {
      const dataSource = createGeodeDataSource({
        url: database.url,
        migrations: [],
        poolSize: 8,
        applicationName: 'geode-projections-test',
      });
      await dataSource.initialize();
      const registry = new Registry();
      const platform = await ProjectionPlatform.start({
        dataSource,
        url: database.url,
        store: await stores.another(),
        projections,
        registry,
        leaseRetryMs: 200,
        ...options,
      });
      const handle: StartedPlatform = {
        platform,
        dataSource,
        registry,
        stop: async () => {
          if (!started.delete(handle)) return;
          await platform.stop();
          await dataSource.destroy();
        },
      };
      started.add(handle);
      return handle;
    },
    close: async () => {
      for (const handle of [...started]) await handle.stop();
      await stores.close();
      await database.drop();
    },
  };
}
