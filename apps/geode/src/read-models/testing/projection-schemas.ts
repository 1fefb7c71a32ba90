import type { DataSource } from 'typeorm';
import { createGeodeDataSource } from '@geode/database';
import type { StoredEvent } from '@geode/event-store';
import type { Projection, ProjectionContext } from '@geode/projections';
import { createTestDatabase, type TestDatabase } from '../../../../../test/support/test-postgres';

/**
 * A projection applied straight into scratch schemas of a fresh test database,
 * one transaction per batch as a runner applies it, without the runner: what
 * the read-model specs and throughput measurements compare and time.
 */
export interface ProjectionSchemas {
  readonly dataSource: DataSource;
  /** A new schema named `<prefix>_<n>` holding the projection's tables. */
  fresh(): Promise<string>;
  apply(schema: string, batches: Iterable<readonly StoredEvent[]>): Promise<void>;
  /** Each of `tables` as text, rows in byte order: equal dumps mean equal tables. */
  dump(schema: string, tables: Iterable<string>): Promise<Record<string, string>>;
}

/** Registers the database's set-up and tear-down with the enclosing suite. */
export function useProjectionSchemas(projection: Projection, prefix: string): ProjectionSchemas {
  let database: TestDatabase | undefined;
  let dataSource: DataSource | undefined;
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

  const open = (): DataSource => {
    if (!dataSource) throw new Error('useProjectionSchemas: the suite has not started');
    return dataSource;
  };
  const contextOf = (schema: string, manager: DataSource['manager']): ProjectionContext => ({
    manager,
    schema,
    mode: 'rebuild',
    table: (name) => `"${schema}"."${name}"`,
  });

  return {
    get dataSource() {
      return open();
    },
    async fresh() {
      const schema = `${prefix}_${++schemas}`;
      await open().query(`CREATE SCHEMA "${schema}"`);
      await open().transaction((manager) => projection.createTables(contextOf(schema, manager)));
      return schema;
    },
    async apply(schema, batches) {
      for (const batch of batches)
        await open().transaction((manager) => projection.apply(batch, contextOf(schema, manager)));
    },
    async dump(schema, tables) {
      const dumped: Record<string, string> = {};
      for (const table of tables) {
        const rows = await open().query<{ dump: string }[]>(
          `SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x::text COLLATE "C"), '') AS dump
             FROM "${schema}"."${table}" x`,
        );
        dumped[table] = rows[0].dump;
      }
      return dumped;
    },
  };
}

/** `log` cut into batches of `size`, in order. */
export function* batchesOf<T>(log: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < log.length; i += size) yield log.slice(i, i + size);
}
