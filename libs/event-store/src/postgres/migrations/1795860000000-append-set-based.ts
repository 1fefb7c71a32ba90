import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Group-commit batches on the common path in one statement (ADR 0010 §5).
 *
 * `geode_append_batch` ran its per-request plpgsql loop for every append of
 * a batch: a handful of statements each. The function that did so is kept,
 * unchanged, as `geode_append_each` (renamed, not rewritten), and the new
 * `geode_append_batch` sends a batch of several requests through one
 * set-based statement: every request without caller deps, on an existing
 * live stream, with the expected revision, and whose stream occurs once in
 * the batch, moves its stream row and inserts its events there. Whatever that
 * statement does not take (a new stream, a refusal, caller deps, a stream
 * twice in the batch, a known event id: its rows are undone first) goes
 * through `geode_append_each`, in batch order, which answers exactly as
 * before. Single requests and appendMany (atomic) go there directly.
 *
 * Request and answer formats are unchanged (see EventStore1764150000000).
 */
export class AppendSetBased1795860000000 implements MigrationInterface {
  name = 'AppendSetBased1795860000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(
      `ALTER FUNCTION geode_append_batch(text, jsonb, boolean) RENAME TO geode_append_each`,
    );
    await db.query(APPEND_BATCH_FUNCTION);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP FUNCTION geode_append_batch(text, jsonb, boolean)`);
    await db.query(
      `ALTER FUNCTION geode_append_each(text, jsonb, boolean) RENAME TO geode_append_batch`,
    );
  }
}

const APPEND_BATCH_FUNCTION = `
CREATE FUNCTION geode_append_batch(p_region text, p_requests jsonb, p_atomic boolean)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  v_total   int := jsonb_array_length(p_requests);
  v_results jsonb[] := array_fill(NULL::jsonb, ARRAY[jsonb_array_length(p_requests)]);
  v_rest    jsonb := '[]';
  v_places  int[] := '{}';
  v_answers jsonb;
  v_done    boolean[] := array_fill(false, ARRAY[jsonb_array_length(p_requests)]);
  m         record;
BEGIN
  -- One request: two statements on the per-request path already.
  -- appendMany (atomic): answers in request order up to the first refusal.
  IF p_atomic OR v_total <= 1 THEN
    RETURN geode_append_each(p_region, p_requests, p_atomic);
  END IF;
  -- The batch's lock order (stream id, bytewise, as the batcher sorts them)
  -- for every row it will touch: the UPDATE below would lock in whatever
  -- order its plan joins, and two batches could then deadlock.
  PERFORM 1 FROM geode_streams
   WHERE stream_id IN (SELECT r->>'stream' FROM jsonb_array_elements(p_requests) r)
   ORDER BY stream_id COLLATE "C"
     FOR UPDATE;

  -- The common path for the whole batch in one statement: requests without
  -- caller deps, on an existing, live stream, with the expected revision,
  -- each stream once in the batch.
  FOR m IN
    WITH req AS (
      SELECT t.ord::int AS ord, t.r->>'stream' AS stream, t.r->>'category' AS category,
             t.r->>'expected' AS expected, jsonb_array_length(t.r->'events') AS cnt,
             t.r->'events' AS events, coalesce(jsonb_typeof(t.r->'deps') = 'object', false) AS with_deps
        FROM jsonb_array_elements(p_requests) WITH ORDINALITY AS t(r, ord)
    ), lone AS (
      -- Requests on one stream keep their batch order: all go one by one.
      SELECT req.* FROM req
       WHERE NOT req.with_deps
         AND (SELECT count(*) FROM req other WHERE other.stream = req.stream) = 1
    ), moved AS (
      UPDATE geode_streams s
         SET revision = s.revision + l.cnt,
             vector = s.vector || jsonb_build_object(p_region, coalesce((s.vector->>p_region)::bigint, 0) + l.cnt),
             updated_at = now()
        FROM lone l
       WHERE s.stream_id = l.stream AND s.deleted_at IS NULL
         AND (l.expected = 'any'
              OR (l.expected = 'exists' AND s.revision > 0)
              OR (l.expected = 'no_stream' AND s.revision = 0)
              OR (l.expected ~ '^[0-9]+$' AND s.revision = l.expected::bigint))
      RETURNING l.ord, l.stream, l.category, l.cnt, l.events, s.revision - l.cnt AS base,
                (s.vector->>p_region)::bigint - l.cnt AS n0, s.vector AS vector_after, s.residency
    ), before AS (
      -- The vector before the append: the default deps.
      SELECT moved.*, CASE WHEN n0 = 0 THEN vector_after - p_region
                           ELSE vector_after || jsonb_build_object(p_region, n0) END AS deps
        FROM moved
    ), inserted AS (
      INSERT INTO geode_events (event_id, stream_id, category, revision, type, schema_version,
                                data, metadata, dot_region, dot_n, deps, hlc_wall, hlc_logical,
                                residency, is_local, body_digest)
      SELECT (e->>'id')::uuid, b.stream, b.category, b.base + k, e->>'type',
             (e->>'v')::int, e->'data', e->'metadata', p_region, b.n0 + k,
             CASE WHEN k = 1 THEN b.deps ELSE b.deps || jsonb_build_object(p_region, b.n0 + k - 1) END,
             (e->>'hw')::bigint, (e->>'hl')::int, b.residency, true, decode(e->>'bd', 'hex')
        FROM before b, jsonb_array_elements(b.events) WITH ORDINALITY AS x(e, k)
       ORDER BY b.ord, k
      ON CONFLICT (event_id) DO NOTHING
      RETURNING stream_id, revision, position
    ), written AS (
      SELECT stream_id, count(*)::int AS n, array_agg(position ORDER BY revision) AS positions
        FROM inserted GROUP BY stream_id
    )
    SELECT b.ord, b.stream, b.cnt, b.base, b.n0, b.deps, coalesce(w.n, 0) AS n, w.positions
      FROM before b LEFT JOIN written w ON w.stream_id = b.stream
  LOOP
    IF m.n = m.cnt THEN
      v_results[m.ord] := jsonb_build_object('status', 'ok', 'revision', m.base + m.cnt,
                                             'positions', m.positions, 'n', m.n0 + 1);
      v_done[m.ord] := true;
    ELSE
      -- A known event id: undo, and let the per-request path answer.
      DELETE FROM geode_events WHERE stream_id = m.stream AND revision > m.base;
      UPDATE geode_streams SET revision = m.base, vector = m.deps WHERE stream_id = m.stream;
    END IF;
  END LOOP;

  -- Everything else, one by one, in batch order.
  FOR i IN 1 .. v_total LOOP
    IF NOT v_done[i] THEN
      v_rest := v_rest || jsonb_build_array(p_requests->(i - 1));
      v_places := v_places || i;
    END IF;
  END LOOP;
  IF cardinality(v_places) > 0 THEN
    v_answers := geode_append_each(p_region, v_rest, false);
    FOR i IN 1 .. cardinality(v_places) LOOP
      v_results[v_places[i]] := v_answers->(i - 1);
    END LOOP;
  END IF;
  RETURN to_jsonb(v_results);
END
$fn$`;
