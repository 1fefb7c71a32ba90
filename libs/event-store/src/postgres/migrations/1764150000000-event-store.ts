import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The local event store (DESIGN.md §1–§3, ADR 0004):
 * - `geode_streams`: one row per stream; its revision and version vector. Appends
 *   lock this row, which serialises writers of one stream (optimistic concurrency).
 * - `geode_events`: every event this geode holds, local or replicated. `position`
 *   is assigned at insert; `tx_id` is the inserting transaction, which gives the
 *   gap-safe log order `(tx_id, position)`.
 * - `geode_origin_log`: per origin region, the gap-free, hash-chained log the
 *   sequencer stamps (own events) or replication brings (others, or markers).
 * - `geode_knowledge`: per origin region, the highest seq held contiguously.
 * - `geode_checkpoints`: log readers that must survive restarts (the sequencer).
 */
export class EventStore1764150000000 implements MigrationInterface {
  name = 'EventStore1764150000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE geode_streams (
        stream_id    text PRIMARY KEY,
        category     text NOT NULL,
        revision     bigint NOT NULL DEFAULT 0 CHECK (revision >= 0),
        vector       jsonb NOT NULL DEFAULT '{}'::jsonb,
        home_region  text,
        residency    text[],
        merge_policy text,
        deleted_at   timestamptz,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE geode_events (
        position       bigint GENERATED ALWAYS AS IDENTITY,
        tx_id          xid8 NOT NULL DEFAULT pg_current_xact_id(),
        event_id       uuid NOT NULL,
        stream_id      text NOT NULL,
        category       text NOT NULL,
        revision       bigint NOT NULL CHECK (revision >= 1),
        type           text NOT NULL,
        schema_version integer NOT NULL CHECK (schema_version >= 1),
        data           jsonb NOT NULL,
        metadata       jsonb NOT NULL,
        dot_region     text NOT NULL,
        dot_n          bigint NOT NULL CHECK (dot_n >= 1),
        deps           jsonb NOT NULL,
        hlc_wall       bigint NOT NULL,
        hlc_logical    integer NOT NULL,
        residency      text[],
        is_local       boolean NOT NULL,
        recorded_at    timestamptz NOT NULL DEFAULT now(),
        -- The log order is the primary key: every log reader walks it.
        CONSTRAINT geode_events_pkey PRIMARY KEY (tx_id, position),
        CONSTRAINT geode_events_event_id_key UNIQUE (event_id),
        CONSTRAINT geode_events_stream_revision_key UNIQUE (stream_id, revision)
      )`);
    await db.query(`
      CREATE TABLE geode_origin_log (
        origin_region text NOT NULL,
        origin_seq    bigint NOT NULL CHECK (origin_seq >= 1),
        event_id      uuid NOT NULL,
        stream_id     text NOT NULL,
        digest        bytea NOT NULL CHECK (octet_length(digest) = 32),
        hash          bytea NOT NULL CHECK (octet_length(hash) = 32),
        redacted      boolean NOT NULL DEFAULT false,
        stamped_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (origin_region, origin_seq),
        CONSTRAINT geode_origin_log_event_id_key UNIQUE (event_id)
      )`);
    await db.query(`
      CREATE TABLE geode_knowledge (
        origin_region text PRIMARY KEY,
        seq           bigint NOT NULL CHECK (seq >= 0),
        hash          bytea NOT NULL CHECK (octet_length(hash) = 32),
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(`
      CREATE TABLE geode_checkpoints (
        name       text PRIMARY KEY,
        tx_id      xid8 NOT NULL,
        position   bigint NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await db.query(APPEND_FUNCTION);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION geode_append_batch(text, jsonb, boolean)`);
    await db.query(`DROP FUNCTION geode_append_duplicate(text, jsonb)`);
    await db.query(
      `DROP TABLE geode_checkpoints, geode_knowledge, geode_origin_log, geode_events, geode_streams`,
    );
  }
}

/**
 * Appends a batch of requests in the caller's transaction, one round trip for
 * many concurrent appends (group commit). Each request is checked on its own
 * and answers with a status; only `ok` requests leave rows behind. With
 * p_atomic, the first failure raises GE001 (message: the results so far) so the
 * whole transaction rolls back (appendMany).
 *
 * Request: { stream, category, expected: "<n>"|"no_stream"|"exists"|"any",
 *            deps: {region:n}|null, meta: {home, residency, policy}|null,
 *            events: [{ id, type, v, data, metadata, hw, hl }] }
 * Result:  { status: ok|duplicate|duplicate-mismatch|conflict|deleted|unknown-deps,
 *            revision, positions, n (first dot counter; ok), dots/hw/hl (duplicate),
 *            actual, missing }
 *
 * The common path is two statements: a conditional UPDATE that locks, checks
 * and moves the stream row, then the insert. Idempotency costs nothing there:
 * a known event id makes the insert come up short, and only then (or when a
 * check fails) do we look for the first result.
 */
const APPEND_FUNCTION = `
CREATE FUNCTION geode_append_duplicate(p_stream text, p_events jsonb)
RETURNS jsonb LANGUAGE plpgsql STABLE AS $fn$
DECLARE
  v_count int := jsonb_array_length(p_events);
  v_found int;
  v_same  boolean;
  result  jsonb;
BEGIN
  SELECT count(*),
         coalesce(bool_and(ev.stream_id = p_stream AND ev.type = e->>'type'
             AND ev.schema_version = (e->>'v')::int AND ev.data = e->'data'
             AND ev.metadata = e->'metadata'), true)
    INTO v_found, v_same
    FROM jsonb_array_elements(p_events) e
    JOIN geode_events ev ON ev.event_id = (e->>'id')::uuid;
  IF v_found = 0 THEN
    RETURN NULL;
  END IF;
  IF v_found < v_count OR NOT v_same THEN
    RETURN jsonb_build_object('status', 'duplicate-mismatch');
  END IF;
  SELECT jsonb_build_object('status', 'duplicate',
           'revision', max(revision),
           'positions', jsonb_agg(position ORDER BY revision),
           'dots', jsonb_agg(jsonb_build_object('region', dot_region, 'n', dot_n) ORDER BY revision),
           'hw', jsonb_agg(hlc_wall ORDER BY revision),
           'hl', jsonb_agg(hlc_logical ORDER BY revision))
    INTO result
    FROM geode_events
   WHERE event_id IN (SELECT (e->>'id')::uuid FROM jsonb_array_elements(p_events) e);
  RETURN result;
END
$fn$;

CREATE FUNCTION geode_append_batch(p_region text, p_requests jsonb, p_atomic boolean)
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
                                  residency, is_local)
        SELECT (e->>'id')::uuid, v_stream, req->>'category', v_revision + ord, e->>'type',
               (e->>'v')::int, e->'data', e->'metadata', p_region, v_n + ord,
               CASE WHEN ord = 1 THEN v_deps
                    ELSE v_deps || jsonb_build_object(p_region, v_n + ord - 1) END,
               (e->>'hw')::bigint, (e->>'hl')::int, v_residency, true
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

  -- Wake log readers (delivered at commit); a batch that wrote nothing says nothing.
  IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
    PERFORM pg_notify('geode_log', pg_current_xact_id()::text);
  END IF;
  RETURN to_jsonb(results);
END
$fn$`;
