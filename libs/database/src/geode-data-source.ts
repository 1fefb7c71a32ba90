import { DataSource, DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

export interface DataSourceParts {
  url: string;
  /** Migration classes, in the order they must run. */
  migrations: MixedList<Function | string>;
  entities?: MixedList<Function | string | EntitySchema>;
  /** Shown in pg_stat_activity, so an operator can tell processes apart. */
  applicationName?: string;
  poolSize?: number;
}

/**
 * The one TypeORM configuration every Geode process uses (apps, the migrate
 * command and tests). Schema changes only ever come from migrations.
 */
export function geodeDataSourceOptions(parts: DataSourceParts): DataSourceOptions {
  return {
    type: 'postgres',
    url: parts.url,
    applicationName: parts.applicationName ?? 'geode',
    entities: parts.entities ?? [],
    migrations: parts.migrations,
    migrationsTableName: 'geode_migrations',
    migrationsRun: false,
    synchronize: false,
    poolSize: parts.poolSize ?? 20,
    logging: false,
  };
}

export function createGeodeDataSource(parts: DataSourceParts): DataSource {
  return new DataSource(geodeDataSourceOptions(parts));
}
