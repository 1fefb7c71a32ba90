import type { Pool } from 'pg';
import type { JsonObject, VersionVector } from '../event-envelope';
import type { RedactedMarker, ReplicatedEvent } from '../event-store.port';

/** One entry of an origin log, with the event's payload where this geode holds it. */
export interface OriginLogRow {
  origin_seq: string;
  event_id: string;
  stream_id: string;
  digest: string;
  hash: string;
  redacted: boolean;
  /** The event row exists (false for markers, and for a deleted event). */
  held: boolean;
  e_stream_id: string | null;
  type: string | null;
  schema_version: number | null;
  data: JsonObject | null;
  metadata: JsonObject | null;
  dot_region: string | null;
  dot_n: string | null;
  deps: VersionVector | null;
  hlc_wall: string | null;
  hlc_logical: number | null;
  residency: string[] | null;
}

/** Entries of `origin`'s log after `afterSeq`, in seq order. */
export async function readOriginLog(
  pool: Pool,
  origin: string,
  afterSeq: number,
  limit: number,
): Promise<OriginLogRow[]> {
  const { rows } = await pool.query<OriginLogRow>(
    `SELECT o.origin_seq, o.event_id, o.stream_id, encode(o.digest, 'hex') AS digest,
            encode(o.hash, 'hex') AS hash, o.redacted, e.event_id IS NOT NULL AS held,
            e.stream_id AS e_stream_id, e.type, e.schema_version, e.data, e.metadata,
            e.dot_region, e.dot_n, e.deps, e.hlc_wall, e.hlc_logical, e.residency
       FROM geode_origin_log o LEFT JOIN geode_events e ON e.event_id = o.event_id
      WHERE o.origin_region = $1 AND o.origin_seq > $2
      ORDER BY o.origin_seq LIMIT $3`,
    [origin, afterSeq, limit],
  );
  return rows;
}

/**
 * An entry as a peer in region `receiver` may have it (DESIGN.md §3): the full
 * event, or a redacted marker where its residency excludes the receiver (or
 * this geode holds only a marker itself). `receiver: null` withholds nothing
 * that is held.
 */
export function toReplicationEntry(
  row: OriginLogRow,
  origin: string,
  receiver: string | null,
): ReplicatedEvent | RedactedMarker {
  const stamp = { region: origin, seq: Number(row.origin_seq), hash: row.hash };
  const withheld =
    row.redacted ||
    !row.held ||
    (receiver !== null && row.residency !== null && !row.residency.includes(receiver));
  if (withheld) {
    return {
      redacted: true,
      eventId: row.event_id,
      streamId: row.stream_id,
      origin: stamp,
      digest: row.digest,
    };
  }
  return {
    eventId: row.event_id,
    // The stream the stored event names (what its digest covers).
    streamId: row.e_stream_id!,
    type: row.type!,
    schemaVersion: row.schema_version!,
    data: row.data!,
    metadata: row.metadata!,
    dot: { region: row.dot_region!, n: Number(row.dot_n) },
    deps: row.deps!,
    hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical! },
    residency: row.residency,
    origin: stamp,
    digest: row.digest,
  };
}
