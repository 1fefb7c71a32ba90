export * from './advisory-locks';
export * from './database-target';
export * from './database.module';
export * from './embedded-postgres-server';
export * from './geode-data-source';
export * from './migration-runner';
export * from './open-database';
export * from './postgres-url';
