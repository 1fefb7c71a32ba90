import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The projection platform (ADR 0006):
 * - `geode_projections`: one row per projection: the version its live tables were
 *   built with, its live schema, its checkpoint (moved compare-and-set in the same
 *   transaction as the read model), status, and `lease_id`, the second key of its
 *   advisory lock (a number per row, so no two projections can share a lease).
 * - `geode_projection_rebuilds`: the latest rebuild of each projection: phase, shadow
 *   schema and its own checkpoint (moved with the shadow tables), progress.
 * - `geode_projection_dead_letters`: events a projection could not apply.
 */
export class Projections1795800000000 implements MigrationInterface {
  name = 'Projections1795800000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE geode_projections (
        name            text PRIMARY KEY,
        lease_id        integer GENERATED ALWAYS AS IDENTITY UNIQUE,
        version         integer NOT NULL CHECK (version >= 1),
        schema_name     text NOT NULL UNIQUE,
        tx_id           xid8 NOT NULL DEFAULT '0',
        position        bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
        status          text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'failed')),
        last_error      text,
        generation      integer NOT NULL DEFAULT 0,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE geode_projection_rebuilds (
        projection    text PRIMARY KEY REFERENCES geode_projections (name) ON DELETE CASCADE,
        id            uuid NOT NULL,
        version       integer NOT NULL CHECK (version >= 1),
        phase         text NOT NULL CHECK (phase IN ('requested', 'replaying', 'swapping', 'done', 'failed')),
        shadow_schema text NOT NULL,
        tx_id         xid8 NOT NULL DEFAULT '0',
        position      bigint NOT NULL DEFAULT 0 CHECK (position >= 0),
        done          bigint NOT NULL DEFAULT 0 CHECK (done >= 0),
        total         bigint NOT NULL DEFAULT 0 CHECK (total >= 0),
        error         text,
        requested_at  timestamptz NOT NULL DEFAULT now(),
        started_at    timestamptz,
        finished_at   timestamptz
      )`);
    await db.query(`
      CREATE TABLE geode_projection_dead_letters (
        projection  text NOT NULL REFERENCES geode_projections (name) ON DELETE CASCADE,
        event_id    uuid NOT NULL,
        tx_id       xid8 NOT NULL,
        position    bigint NOT NULL,
        stream_id   text NOT NULL,
        event_type  text NOT NULL,
        mode        text NOT NULL CHECK (mode IN ('live', 'rebuild')),
        error       text NOT NULL,
        stack       text,
        at          timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (projection, event_id)
      )`);
    // The admin list pages by log order.
    await db.query(
      `CREATE INDEX geode_projection_dead_letters_order_idx
         ON geode_projection_dead_letters (projection, tx_id, position)`,
    );
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE geode_projection_dead_letters`);
    await db.query(`DROP TABLE geode_projection_rebuilds`);
    await db.query(`DROP TABLE geode_projections`);
  }
}
