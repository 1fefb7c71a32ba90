import type { JsonObject, StoredEvent, VersionVector } from '../event-envelope';
import type { LogCheckpoint, LogEntry } from '../event-store.port';

/** Columns every event read selects (`e` = geode_events, `o` = geode_origin_log). */
export const EVENT_COLUMNS = `
  e.position, e.tx_id::text AS tx_id, e.event_id, e.stream_id, e.revision, e.type,
  e.schema_version, e.data, e.metadata, e.dot_region, e.dot_n, e.deps, e.hlc_wall,
  e.hlc_logical, e.residency, e.recorded_at, o.origin_seq, encode(o.hash, 'hex') AS hash`;

export const EVENTS_WITH_ORIGIN = `geode_events e LEFT JOIN geode_origin_log o ON o.event_id = e.event_id`;

export interface EventRow {
  position: string;
  tx_id: string;
  event_id: string;
  stream_id: string;
  revision: string;
  type: string;
  schema_version: number;
  data: JsonObject;
  metadata: JsonObject;
  dot_region: string;
  dot_n: string;
  deps: VersionVector;
  hlc_wall: string;
  hlc_logical: number;
  residency: string[] | null;
  recorded_at: Date;
  origin_seq: string | null;
  hash: string | null;
}

export function toStoredEvent(row: EventRow): StoredEvent {
  return {
    eventId: row.event_id,
    streamId: row.stream_id,
    revision: Number(row.revision),
    position: Number(row.position),
    type: row.type,
    schemaVersion: row.schema_version,
    data: row.data,
    metadata: row.metadata,
    dot: { region: row.dot_region, n: Number(row.dot_n) },
    deps: row.deps,
    hlc: { wallMs: Number(row.hlc_wall), logical: row.hlc_logical },
    residency: row.residency,
    origin:
      row.origin_seq === null || row.hash === null
        ? null
        : { region: row.dot_region, seq: Number(row.origin_seq), hash: row.hash },
    recordedAt: row.recorded_at,
  };
}

export function toLogEntry(row: EventRow): LogEntry {
  return { event: toStoredEvent(row), checkpoint: checkpointOf(row) };
}

export function checkpointOf(row: { tx_id: string; position: string }): LogCheckpoint {
  return { txId: row.tx_id, position: Number(row.position) };
}
