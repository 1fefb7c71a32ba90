import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Faster appends and stamping (ADR 0010):
 * - `geode_events.body_digest`: the SHA-256 of the event's body
 *   (docs/canonical-encoding.md §3.1), computed by the writer at append time,
 *   so the sequencer hashes a small envelope instead of re-reading payloads.
 *   NULL for replicated events (they are checked from their content, never
 *   stamped here) and for rows written before this migration.
 * - `geode_append_batch` stores it, and no longer NOTIFYs inside the append
 *   transaction: PostgreSQL serialises the commits of notifying transactions
 *   (one global lock held through the commit's WAL flush), which defeated
 *   group commit. The store notifies after the commit instead.
 *
 * - `geode_log_horizon()`: the horizon of log readers, counting only
 *   transactions that may write in this database.
 *
 * The digest encoding changed with it: chains stamped before this migration
 * would no longer verify, so it refuses to run on a database that holds any
 * (none exists outside development before the first release).
 */
export class AppendBodyDigest1795717200000 implements MigrationInterface {
  name = 'AppendBodyDigest1795717200000';

  async up(db: QueryRunner): Promise<void> {
    const [{ stamped }] = (await db.query(
      `SELECT EXISTS (SELECT 1 FROM geode_origin_log) AS stamped`,
    )) as { stamped: boolean }[];
    if (stamped) {
      throw new Error(
        'this database holds origin-log entries digested with the first (pre-release) encoding, ' +
          'which the current encoding does not verify (docs/canonical-encoding.md, ADR 0010): ' +
          'create it afresh',
      );
    }
    await db.query(`
      ALTER TABLE geode_events ADD COLUMN body_digest bytea
        CHECK (body_digest IS NULL OR octet_length(body_digest) = 32)`);
    await db.query(APPEND_FUNCTION);
    await db.query(LOG_HORIZON_FUNCTION);
  }

  down(): Promise<void> {
    // Stamps made with the new encoding would not verify under the old one.
    return Promise.reject(
      new Error('AppendBodyDigest1795717200000 cannot be undone: the digest encoding changed'),
    );
  }
}

/**
 * The log horizon of this database (ADR 0004, ADR 0010 §4): the oldest
 * transaction id still running that may write here, or the next id when none
 * is. `pg_snapshot_xmin` counts every database of the cluster, so one long
 * transaction anywhere (a migration, a report, another service) held every
 * reader of this log back. A running id is left out only when the server's
 * activity table names another database for it: a backend stays in one
 * database, and ids are never reused, so that is certain; an id it cannot
 * place (a prepared transaction, one that started after the table was read,
 * activity hidden from this role) counts, which is never wrong, only slower.
 * STABLE: it sees the calling statement's snapshot, the one its rows are read with.
 */
const LOG_HORIZON_FUNCTION = `
CREATE FUNCTION geode_log_horizon() RETURNS xid8 LANGUAGE sql STABLE AS $fn$
  WITH snapshot AS (SELECT pg_current_snapshot() AS s),
  elsewhere AS (
    SELECT a.backend_xid::text::bigint AS xid32
      FROM pg_stat_get_activity(NULL) AS a
     WHERE a.backend_xid IS NOT NULL AND a.datid IS NOT NULL
       AND a.datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
  )
  SELECT coalesce(
    -- xid8 = epoch << 32 | xid: running ids lie within 2^31 of each other,
    -- so their low 32 bits identify them.
    (SELECT min(x) FROM snapshot, pg_snapshot_xip(snapshot.s) AS x
      WHERE (x::text::bigint % 4294967296) NOT IN (SELECT xid32 FROM elsewhere)),
    (SELECT pg_snapshot_xmax(s) FROM snapshot))
$fn$`;

/**
 * `geode_append_batch` of the first migration (see its comment for the
 * request, the answers and the paths), with two changes: each event may carry
 * `bd`, its body digest in hex, stored in `body_digest`; and it does not
 * NOTIFY (the caller does, after the commit).
 */
const APPEND_FUNCTION = `
CREATE OR REPLACE FUNCTION geode_append_batch(p_region text, p_requests jsonb, p_atomic boolean)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  req         jsonb;
  results     jsonb[] := '{}';
  result      jsonb;
  v_stream    text;
  v_count     int;
  v_revision  bigint;
  v_vector    jsonb;
  v_deleted   timestamptz;
  v_residency text[];
  v_expected  text;
  v_deps      jsonb;
  v_missing   jsonb;
  v_n         bigint;
  v_positions bigint[];
  v_inserted  int;
  v_created   boolean;
  v_moved     boolean;
BEGIN
  FOR req IN SELECT value FROM jsonb_array_elements(p_requests) LOOP
    v_stream := req->>'stream';
    v_count := jsonb_array_length(req->'events');
    v_created := false;

    <<attempt>>
    LOOP
      v_expected := req->>'expected';
      -- The common case in one statement: a conditional UPDATE locks the
      -- stream row, checks the expected revision and moves the row. A new
      -- stream, a refusal or caller-given deps take the longer way below,
      -- which answers exactly why.
      v_moved := false;
      IF jsonb_typeof(req->'deps') IS DISTINCT FROM 'object' THEN
        UPDATE geode_streams
           SET revision = revision + v_count,
               vector = vector || jsonb_build_object(p_region, coalesce((vector->>p_region)::bigint, 0) + v_count),
               updated_at = now()
         WHERE stream_id = v_stream AND deleted_at IS NULL
           AND (v_expected = 'any'
                OR (v_expected = 'exists' AND revision > 0)
                OR (v_expected = 'no_stream' AND revision = 0)
                OR (v_expected ~ '^[0-9]+$' AND revision = v_expected::bigint))
        RETURNING revision - v_count, vector, residency INTO v_revision, v_vector, v_residency;
        v_moved := FOUND;
      END IF;
      IF v_moved THEN
        -- Back to the vector before this append: the default deps.
        v_n := (v_vector->>p_region)::bigint - v_count;
        v_vector := CASE WHEN v_n = 0 THEN v_vector - p_region
                         ELSE v_vector || jsonb_build_object(p_region, v_n) END;
      ELSE
      SELECT revision, vector, deleted_at, residency
        INTO v_revision, v_vector, v_deleted, v_residency
        FROM geode_streams WHERE stream_id = v_stream FOR UPDATE;
      IF NOT FOUND THEN
        INSERT INTO geode_streams (stream_id, category, home_region, residency, merge_policy)
        VALUES (v_stream, req->>'category',
                coalesce(req->'meta'->>'home', p_region),
                CASE WHEN jsonb_typeof(req->'meta'->'residency') = 'array'
                     THEN ARRAY(SELECT jsonb_array_elements_text(req->'meta'->'residency')) END,
                req->'meta'->>'policy')
        ON CONFLICT (stream_id) DO NOTHING
        RETURNING true INTO v_created;
        CONTINUE attempt;
      END IF;

      IF v_deleted IS NOT NULL THEN
        result := jsonb_build_object('status', 'deleted', 'actual', v_revision);
      ELSIF NOT (v_expected = 'any'
              OR (v_expected = 'no_stream' AND v_revision = 0)
              OR (v_expected = 'exists' AND v_revision > 0)
              OR (v_expected ~ '^[0-9]+$' AND v_expected::bigint = v_revision)) THEN
        result := jsonb_build_object('status', 'conflict', 'actual', v_revision);
      ELSIF jsonb_typeof(req->'deps') = 'object' THEN
        SELECT jsonb_object_agg(d.key, d.value::bigint) INTO v_missing
          FROM jsonb_each_text(req->'deps') d
         WHERE d.value::bigint > coalesce((v_vector->>d.key)::bigint, 0);
        IF v_missing IS NOT NULL THEN
          result := jsonb_build_object('status', 'unknown-deps', 'missing', v_missing);
        END IF;
      END IF;
      IF result IS NOT NULL THEN
        -- A retried append that was stored answers with its first result.
        result := coalesce(geode_append_duplicate(v_stream, req->'events'), result);
        EXIT attempt;
      END IF;
      v_n := coalesce((v_vector->>p_region)::bigint, 0);
      END IF;

      v_deps := CASE WHEN jsonb_typeof(req->'deps') = 'object' THEN req->'deps' ELSE v_vector END;
      WITH inserted AS (
        INSERT INTO geode_events (event_id, stream_id, category, revision, type, schema_version,
                                  data, metadata, dot_region, dot_n, deps, hlc_wall, hlc_logical,
                                  residency, is_local, body_digest)
        SELECT (e->>'id')::uuid, v_stream, req->>'category', v_revision + ord, e->>'type',
               (e->>'v')::int, e->'data', e->'metadata', p_region, v_n + ord,
               CASE WHEN ord = 1 THEN v_deps
                    ELSE v_deps || jsonb_build_object(p_region, v_n + ord - 1) END,
               (e->>'hw')::bigint, (e->>'hl')::int, v_residency, true, decode(e->>'bd', 'hex')
          FROM jsonb_array_elements(req->'events') WITH ORDINALITY AS t(e, ord)
         ORDER BY ord
        ON CONFLICT (event_id) DO NOTHING
        RETURNING position, revision
      )
      SELECT count(*), array_agg(position ORDER BY revision) INTO v_inserted, v_positions FROM inserted;

      IF v_inserted < v_count THEN
        -- A known event id: undo this request's rows (and the moved stream
        -- row) and answer as a duplicate.
        DELETE FROM geode_events WHERE stream_id = v_stream AND revision > v_revision;
        IF v_moved THEN
          UPDATE geode_streams SET revision = v_revision, vector = v_vector WHERE stream_id = v_stream;
        END IF;
        result := geode_append_duplicate(v_stream, req->'events');
        EXIT attempt;
      END IF;

      IF NOT v_moved THEN
        UPDATE geode_streams
           SET revision = v_revision + v_count,
               vector = v_vector || jsonb_build_object(p_region, v_n + v_count),
               updated_at = now()
         WHERE stream_id = v_stream;
      END IF;
      result := jsonb_build_object('status', 'ok', 'revision', v_revision + v_count,
                                   'positions', v_positions, 'n', v_n + 1);
      EXIT attempt;
    END LOOP;

    -- A refused request leaves nothing, not even the stream row (and the
    -- metadata) it created; we hold that row's lock, so no one else used it.
    IF v_created AND result->>'status' <> 'ok' THEN
      DELETE FROM geode_streams WHERE stream_id = v_stream;
    END IF;
    results := results || result;
    IF p_atomic AND result->>'status' NOT IN ('ok', 'duplicate') THEN
      RAISE EXCEPTION USING ERRCODE = 'GE001', MESSAGE = to_jsonb(results)::text;
    END IF;
    result := NULL;
  END LOOP;

  -- No NOTIFY here: the caller wakes log readers after the commit (ADR 0010).
  RETURN to_jsonb(results);
END
$fn$`;
