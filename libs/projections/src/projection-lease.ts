import type { DataSource, QueryRunner } from 'typeorm';

/**
 * Key space of projection leases: `pg_try_advisory_lock(int4, int4)` with this class and
 * the projection's `lease_id`. Two-key advisory locks (objsubid 2) never collide with the
 * 64-bit keys of `AdvisoryLock` in @geode/database (objsubid 1). "GEOP" in ASCII.
 */
export const PROJECTION_LEASE_CLASS = 0x47454f50;

/**
 * Tries to take a projection's lease on a connection of its own, which then carries the
 * runner's transactions too: if the connection dies, the lock and any open transaction
 * die with it, so a runner that lost its lease can never commit another batch.
 */
export async function tryTakeLease(
  dataSource: DataSource,
  leaseId: number,
): Promise<QueryRunner | undefined> {
  const runner = dataSource.createQueryRunner('master');
  try {
    await runner.connect();
    const [{ locked }] = (await runner.query(
      'SELECT pg_try_advisory_lock($1::int4, $2::int4) AS locked',
      [PROJECTION_LEASE_CLASS, leaseId],
    )) as { locked: boolean }[];
    if (locked) return runner;
  } catch (error) {
    await runner.release().catch(() => undefined);
    throw error;
  }
  await runner.release();
  return undefined;
}

/** Gives the lease back (a broken connection has already lost it) and the connection. */
export async function releaseLease(runner: QueryRunner, leaseId: number): Promise<void> {
  if (runner.isReleased) return;
  if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
  await runner
    .query('SELECT pg_advisory_unlock($1::int4, $2::int4)', [PROJECTION_LEASE_CLASS, leaseId])
    .catch(() => undefined);
  await runner.release().catch(() => undefined);
}
