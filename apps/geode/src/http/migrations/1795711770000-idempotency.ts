import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `geode_idempotency_keys`: one row per `Idempotency-Key` scope (method, route
 * and key). A row without `completed_at` is a claim of a request still
 * running; a completed one holds the answer that retries get replayed.
 * `created_at` is when the key was (last) claimed: retention and the
 * in-flight lease count from it, and it fences a claim's completion.
 */
export class Idempotency1795711770000 implements MigrationInterface {
  name = 'Idempotency1795711770000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE geode_idempotency_keys (
        scope        text PRIMARY KEY,
        request_hash bytea NOT NULL CHECK (octet_length(request_hash) = 32),
        status       integer CHECK (status BETWEEN 100 AND 599),
        headers      jsonb,
        body         text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        completed_at timestamptz,
        CHECK ((completed_at IS NULL) = (status IS NULL))
      )`);
    // The expiry sweep deletes by age.
    await db.query(
      `CREATE INDEX geode_idempotency_keys_created_at_idx ON geode_idempotency_keys (created_at)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE geode_idempotency_keys`);
  }
}
