import type { JsonObject, VersionVector } from '../event-envelope';
import type { RedactedMarker, ReplicatedEvent } from '../event-store.port';
import { Sequencer } from '../postgres/sequencer';
import { eventually } from './eventually';
import { sql } from './sql';

type FeedEntry = ReplicatedEvent | RedactedMarker;

interface FeedRow {
  origin_seq: string;
  event_id: string;
  stream_id: string;
  digest: string;
  hash: string;
  redacted: boolean;
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

/**
 * Stamps every local event of `region` in the database at `url`: runs a
 * sequencer until the region's origin log holds `count` entries, then stops it.
 */
export async function stampAll(url: string, region: string, count: number): Promise<void> {
  const sequencer = new Sequencer({ url, region, leaseRetryMs: 50 });
  sequencer.start();
  try {
    await eventually(`${count} events of ${region} stamped`, async () => {
      const rows = await sql<{ seq: string }>(
        url,
        'SELECT seq FROM geode_knowledge WHERE origin_region = $1',
        [region],
      );
      return Number(rows[0]?.seq ?? 0) >= count ? true : undefined;
    });
  } finally {
    await sequencer.stop();
  }
}

/**
 * What a peer's feed would send a `receiver` for `origin`'s log after
 * `afterSeq`, read from the peer's database: full events, and redacted
 * markers where the receiver may not hold the payload (DESIGN.md §3).
 * `receiver: null` sends every payload, residency or not.
 */
export async function readOriginFeed(
  url: string,
  origin: string,
  receiver: string | null,
  afterSeq = 0,
): Promise<FeedEntry[]> {
  const rows = await sql<FeedRow>(
    url,
    `SELECT o.origin_seq, o.event_id, o.stream_id, encode(o.digest, 'hex') AS digest,
            encode(o.hash, 'hex') AS hash, o.redacted, e.type, e.schema_version, e.data,
            e.metadata, e.dot_region, e.dot_n, e.deps, e.hlc_wall, e.hlc_logical, e.residency
       FROM geode_origin_log o LEFT JOIN geode_events e ON e.event_id = o.event_id
      WHERE o.origin_region = $1 AND o.origin_seq > $2
      ORDER BY o.origin_seq`,
    [origin, afterSeq],
  );
  return rows.map((row): FeedEntry => {
    const stamp = { region: origin, seq: Number(row.origin_seq), hash: row.hash };
    const withheld =
      row.redacted ||
      row.type === null ||
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
      streamId: row.stream_id,
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
  });
}
