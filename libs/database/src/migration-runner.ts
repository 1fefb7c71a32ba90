import { DataSource } from 'typeorm';
import { AdvisoryLock } from './advisory-locks';

/**
 * Runs pending migrations while holding an advisory lock, so several processes
 * starting against one database never race: the first runs them, the others
 * wait and then find nothing left to do. Each migration runs in its own
 * transaction. Returns the names of the migrations this call ran. The lock takes
 * one pooled connection and the migrations another: the pool needs two.
 */
export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const poolSize = (dataSource.options as { poolSize?: number }).poolSize;
  if (poolSize !== undefined && poolSize < 2)
    throw new Error('runMigrations needs a pool of at least 2 connections');
  const lockHolder = dataSource.createQueryRunner();
  await lockHolder.connect();
  try {
    await lockHolder.query('SELECT pg_advisory_lock($1)', [AdvisoryLock.migrations.toString()]);
    const ran = await dataSource.runMigrations({ transaction: 'each' });
    return ran.map((migration) => migration.name);
  } finally {
    await lockHolder
      .query('SELECT pg_advisory_unlock($1)', [AdvisoryLock.migrations.toString()])
      .catch(() => undefined);
    await lockHolder.release();
  }
}

/** Names of migrations that exist in code but have not run on this database. */
export async function pendingMigrations(dataSource: DataSource): Promise<string[]> {
  const [{ table }] = await dataSource.query<{ table: boolean }[]>(
    `SELECT to_regclass('geode_migrations') IS NOT NULL AS "table"`,
  );
  const executed = table
    ? await dataSource.query<{ name: string }[]>('SELECT name FROM geode_migrations')
    : [];
  const done = new Set(executed.map((row) => row.name));
  return dataSource.migrations
    .map((migration) => migration.name ?? migration.constructor.name)
    .filter((name) => !done.has(name));
}
