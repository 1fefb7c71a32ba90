import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Replicated batches in one statement (ADR 0008, "Apply in one statement"):
 * `geode_apply_replicated` takes a batch the caller has already checked from
 * its content (shape, digests, residency, contiguity and chain links inside
 * the batch) and does, atomically, what needs this geode's state: per origin,
 * entries it holds must match the stored hash, and the first new entry must
 * continue its knowledge (seq and chain link); then it stores events, chain
 * entries, stream revisions and vectors, and knowledge. A refusal raises
 * SQLSTATE GR001 (detail: origin, seq, reason), so nothing stays written. It does not NOTIFY: the store
 * announces the commit afterwards (ADR 0010 §1).
 */
export class ReplicatedApplyFunction1795720800000 implements MigrationInterface {
  name = 'ReplicatedApplyFunction1795720800000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TYPE geode_replicated_entry AS (
        i bigint, o text, s bigint, h text, d text, event_id uuid, stream_id text, redacted boolean)`);
    await db.query(`
      CREATE TYPE geode_replicated_event AS (
        i bigint, event_id uuid, stream_id text, category text, type text, schema_version int,
        data jsonb, metadata jsonb, dot_region text, dot_n bigint, deps jsonb, hlc_wall bigint,
        hlc_logical int, residency text[])`);
    await db.query(APPLY_FUNCTION);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(
      `DROP FUNCTION geode_apply_replicated(text[], bigint[], text[], text[], uuid[], text[], boolean[], jsonb)`,
    );
    await db.query(`DROP TYPE geode_replicated_event, geode_replicated_entry`);
  }
}

const APPLY_FUNCTION = `
CREATE FUNCTION geode_apply_replicated(
  p_origin text[], p_seq bigint[], p_hash text[], p_digest text[],
  p_event_id uuid[], p_stream_id text[], p_redacted boolean[], p_events jsonb)
RETURNS jsonb LANGUAGE plpgsql AS $fn$
DECLARE
  v_bad record;
  v_applied bigint;
  v_total bigint := cardinality(p_origin);
  v_knowledge jsonb;
  v_fresh geode_replicated_entry[];
  v_events geode_replicated_event[];
BEGIN
  INSERT INTO geode_knowledge (origin_region, seq, hash)
  SELECT o, 0, decode(repeat('0', 64), 'hex') FROM (SELECT DISTINCT unnest(p_origin) AS o) d ORDER BY o
  ON CONFLICT (origin_region) DO NOTHING;
  -- Serialises appliers of the same origins; statements below see what the last one committed.
  PERFORM 1 FROM geode_knowledge WHERE origin_region = ANY (p_origin) ORDER BY origin_region FOR UPDATE;

  -- Held entries must be the ones this geode holds.
  SELECT e.o, e.s INTO v_bad
    FROM unnest(p_origin, p_seq, p_hash) AS e(o, s, h)
    JOIN geode_knowledge k ON k.origin_region = e.o
    LEFT JOIN geode_origin_log l ON l.origin_region = e.o AND l.origin_seq = e.s
   WHERE e.s <= k.seq AND l.hash IS DISTINCT FROM decode(e.h, 'hex')
   ORDER BY e.o, e.s LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'GR001', MESSAGE = 'replicated entry refused',
      DETAIL = jsonb_build_object('origin', v_bad.o, 'seq', v_bad.s,
                 'reason', 'differs from the entry this geode already holds')::text;
  END IF;

  -- The first new entry of each origin continues knowledge: next seq, and extends the chain.
  SELECT f.o, f.s, f.known, f.linked INTO v_bad FROM (
    SELECT DISTINCT ON (e.o) e.o, e.s, k.seq AS known,
           sha256(k.hash || decode(e.d, 'hex')) = decode(e.h, 'hex') AS linked
      FROM unnest(p_origin, p_seq, p_hash, p_digest) AS e(o, s, h, d)
      JOIN geode_knowledge k ON k.origin_region = e.o
     WHERE e.s > k.seq
     ORDER BY e.o, e.s) f
   WHERE f.s <> f.known + 1 OR NOT f.linked
   ORDER BY f.o LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION USING ERRCODE = 'GR001', MESSAGE = 'replicated entry refused',
      DETAIL = jsonb_build_object('origin', v_bad.o, 'seq', v_bad.s,
                 'reason', CASE WHEN v_bad.s <> v_bad.known + 1
                                THEN 'gap: this geode holds ' || v_bad.o || ' up to ' || v_bad.known
                                ELSE 'hash does not extend the chain' END)::text;
  END IF;

  SELECT array_agg(ROW(e.i, e.o, e.s, e.h, e.d, e.event_id, e.stream_id, e.redacted)::geode_replicated_entry
                   ORDER BY e.i)
    INTO v_fresh
    FROM unnest(p_origin, p_seq, p_hash, p_digest, p_event_id, p_stream_id, p_redacted)
           WITH ORDINALITY AS e(o, s, h, d, event_id, stream_id, redacted, i)
    JOIN geode_knowledge k ON k.origin_region = e.o
   WHERE e.s > k.seq;
  v_applied := COALESCE(cardinality(v_fresh), 0);

  IF v_applied > 0 THEN
    SELECT array_agg(x ORDER BY x.i) INTO v_events
      FROM jsonb_populate_recordset(NULL::geode_replicated_event, p_events) x
     WHERE x.i IN (SELECT f.i FROM unnest(v_fresh) f WHERE NOT f.redacted);

    IF v_events IS NOT NULL THEN
      -- A stream first seen here takes the residency of its first event in the batch.
      INSERT INTO geode_streams (stream_id, category, residency)
      SELECT DISTINCT ON (x.stream_id) x.stream_id, x.category, x.residency
        FROM unnest(v_events) x ORDER BY x.stream_id, x.i
      ON CONFLICT (stream_id) DO NOTHING;
      PERFORM 1 FROM geode_streams
        WHERE stream_id IN (SELECT x.stream_id FROM unnest(v_events) x)
        ORDER BY stream_id FOR UPDATE;
      -- The next local revisions of each stream, in batch order.
      INSERT INTO geode_events (event_id, stream_id, category, revision, type, schema_version, data,
                                metadata, dot_region, dot_n, deps, hlc_wall, hlc_logical, residency, is_local)
      SELECT x.event_id, x.stream_id, x.category,
             s.revision + row_number() OVER (PARTITION BY x.stream_id ORDER BY x.i),
             x.type, x.schema_version, x.data, x.metadata, x.dot_region, x.dot_n, x.deps,
             x.hlc_wall, x.hlc_logical, x.residency, false
        FROM unnest(v_events) x JOIN geode_streams s ON s.stream_id = x.stream_id
       ORDER BY x.i;
      UPDATE geode_streams s
         SET revision = s.revision + n.added,
             vector = s.vector || n.dots,
             updated_at = now()
        FROM (SELECT d.stream_id, sum(d.added) AS added,
                     jsonb_object_agg(d.dot_region,
                       GREATEST(d.top, COALESCE((gs.vector ->> d.dot_region)::bigint, 0))) AS dots
                FROM (SELECT x.stream_id, x.dot_region, max(x.dot_n) AS top, count(*) AS added
                        FROM unnest(v_events) x GROUP BY x.stream_id, x.dot_region) d
                JOIN geode_streams gs ON gs.stream_id = d.stream_id
               GROUP BY d.stream_id) n
       WHERE s.stream_id = n.stream_id;
    END IF;

    INSERT INTO geode_origin_log (origin_region, origin_seq, event_id, stream_id, digest, hash, redacted)
    SELECT f.o, f.s, f.event_id, f.stream_id, decode(f.d, 'hex'), decode(f.h, 'hex'), f.redacted
      FROM unnest(v_fresh) f ORDER BY f.o, f.s;
    UPDATE geode_knowledge k SET seq = m.s, hash = decode(m.h, 'hex'), updated_at = now()
      FROM (SELECT DISTINCT ON (f.o) f.o, f.s, f.h FROM unnest(v_fresh) f ORDER BY f.o, f.s DESC) m
     WHERE k.origin_region = m.o;
  END IF;

  SELECT jsonb_object_agg(origin_region, seq) INTO v_knowledge
    FROM geode_knowledge WHERE origin_region = ANY (p_origin);
  RETURN jsonb_build_object(
    'applied', v_applied,
    'duplicates', v_total - v_applied,
    'knowledge', COALESCE(v_knowledge, '{}'::jsonb),
    'tx', CASE WHEN v_applied > 0 THEN pg_current_xact_id()::text END);
END
$fn$`;
