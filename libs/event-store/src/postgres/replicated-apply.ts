import { PoolClient } from 'pg';
import { chainHash, eventDigest, GENESIS_HASH } from '../canonical';
import { categoryOf, VersionVector } from '../event-envelope';
import { ReplicationRefused } from '../errors';
import type { ApplyReplicatedResult, RedactedMarker, ReplicatedEvent } from '../event-store.port';
import { assertRegion, assertStreamId } from '../validation';

type Entry = ReplicatedEvent | RedactedMarker;
const HEX32 = /^[0-9a-f]{64}$/;

const isMarker = (entry: Entry): entry is RedactedMarker =>
  (entry as RedactedMarker).redacted === true;

/**
 * Stores events decided elsewhere, in the caller's transaction: per origin
 * they must continue this geode's knowledge without a gap, and every entry must
 * extend the origin's hash chain (full events: their content must match their
 * digest). A duplicate (seq already held, same hash) is skipped; any broken
 * rule refuses the whole call. Knowledge moves in the same transaction.
 */
export async function applyReplicatedEntries(
  client: PoolClient,
  localRegion: string,
  entries: Entry[],
): Promise<ApplyReplicatedResult> {
  const byOrigin = new Map<string, Entry[]>();
  for (const entry of entries) {
    checkShape(entry);
    const list = byOrigin.get(entry.origin.region) ?? [];
    list.push(entry);
    byOrigin.set(entry.origin.region, list);
  }
  const origins = [...byOrigin.keys()].sort();
  await client.query(
    `INSERT INTO geode_knowledge (origin_region, seq, hash)
     SELECT unnest($1::text[]), 0, decode($2, 'hex') ON CONFLICT (origin_region) DO NOTHING`,
    [origins, GENESIS_HASH],
  );
  const { rows: known } = await client.query<{ origin_region: string; seq: string; hash: string }>(
    `SELECT origin_region, seq, encode(hash, 'hex') AS hash FROM geode_knowledge
      WHERE origin_region = ANY ($1::text[]) ORDER BY origin_region FOR UPDATE`,
    [origins],
  );
  const knowledge = new Map(
    known.map((row) => [row.origin_region, { seq: Number(row.seq), hash: row.hash }]),
  );

  const fresh: Entry[] = [];
  let duplicates = 0;
  for (const origin of origins) {
    const list = byOrigin.get(origin)!.sort((a, b) => a.origin.seq - b.origin.seq);
    let { seq, hash } = knowledge.get(origin)!;
    const held = list.filter((entry) => entry.origin.seq <= seq);
    await checkDuplicatesMatch(client, origin, held);
    duplicates += held.length;
    for (const entry of list.filter((e) => e.origin.seq > seq)) {
      if (entry.origin.seq !== seq + 1) {
        throw new ReplicationRefused(
          origin,
          entry.origin.seq,
          `gap: this geode holds ${origin} up to ${seq}`,
        );
      }
      if (!isMarker(entry)) {
        if (entry.residency && !entry.residency.includes(localRegion)) {
          throw new ReplicationRefused(
            origin,
            entry.origin.seq,
            `payload may not be held in ${localRegion} (residency)`,
          );
        }
        if (
          eventDigest({ ...entry, origin: { region: origin, seq: entry.origin.seq } }) !==
          entry.digest
        ) {
          throw new ReplicationRefused(
            origin,
            entry.origin.seq,
            'content does not match its digest',
          );
        }
      }
      if (chainHash(hash, entry.digest) !== entry.origin.hash) {
        throw new ReplicationRefused(origin, entry.origin.seq, 'hash does not extend the chain');
      }
      seq = entry.origin.seq;
      hash = entry.origin.hash;
      fresh.push(entry);
    }
    knowledge.set(origin, { seq, hash });
  }

  const events = fresh.filter((entry): entry is ReplicatedEvent => !isMarker(entry));
  if (events.length) await insertEvents(client, events);
  if (fresh.length) {
    await client.query(
      `INSERT INTO geode_origin_log (origin_region, origin_seq, event_id, stream_id, digest, hash, redacted)
       SELECT x.origin_region, x.origin_seq, x.event_id, x.stream_id, decode(x.digest, 'hex'), decode(x.hash, 'hex'), x.redacted
         FROM jsonb_to_recordset($1::jsonb)
           AS x(origin_region text, origin_seq bigint, event_id uuid, stream_id text, digest text, hash text, redacted boolean)`,
      [
        JSON.stringify(
          fresh.map((entry) => ({
            origin_region: entry.origin.region,
            origin_seq: entry.origin.seq,
            event_id: entry.eventId,
            stream_id: entry.streamId,
            digest: entry.digest,
            hash: entry.origin.hash,
            redacted: isMarker(entry),
          })),
        ),
      ],
    );
    await client.query(
      `UPDATE geode_knowledge k SET seq = x.seq, hash = decode(x.hash, 'hex'), updated_at = now()
         FROM jsonb_to_recordset($1::jsonb) AS x(origin_region text, seq bigint, hash text)
        WHERE k.origin_region = x.origin_region`,
      [
        JSON.stringify(
          origins.map((origin) => ({ origin_region: origin, ...knowledge.get(origin)! })),
        ),
      ],
    );
    await client.query(`SELECT pg_notify('geode_log', pg_current_xact_id()::text)`);
  }
  return {
    applied: fresh.length,
    duplicates,
    knowledge: Object.fromEntries([...knowledge].map(([origin, { seq }]) => [origin, seq])),
  };
}

function checkShape(entry: Entry): void {
  const origin = entry?.origin;
  if (!origin || typeof origin !== 'object')
    throw new ReplicationRefused('?', 0, 'entry without origin');
  assertRegion(origin.region, 'origin.region');
  const seq = origin.seq;
  if (!Number.isSafeInteger(seq) || seq < 1)
    throw new ReplicationRefused(origin.region, Number(seq), 'bad seq');
  if (!HEX32.test(String(origin.hash)) || !HEX32.test(String(entry.digest))) {
    throw new ReplicationRefused(
      origin.region,
      seq,
      'digest and hash must be 64 lowercase hex characters',
    );
  }
  assertStreamId(entry.streamId);
  if (!isMarker(entry) && entry.dot?.region !== origin.region) {
    throw new ReplicationRefused(origin.region, seq, 'dot region differs from origin region');
  }
}

async function checkDuplicatesMatch(
  client: PoolClient,
  origin: string,
  held: Entry[],
): Promise<void> {
  if (!held.length) return;
  const { rows } = await client.query<{ origin_seq: string; hash: string }>(
    `SELECT origin_seq, encode(hash, 'hex') AS hash FROM geode_origin_log
      WHERE origin_region = $1 AND origin_seq = ANY ($2::bigint[])`,
    [origin, held.map((entry) => entry.origin.seq)],
  );
  const stored = new Map(rows.map((row) => [Number(row.origin_seq), row.hash]));
  for (const entry of held) {
    if (stored.get(entry.origin.seq) !== entry.origin.hash) {
      throw new ReplicationRefused(
        origin,
        entry.origin.seq,
        'differs from the entry this geode already holds',
      );
    }
  }
}

/** Appends replicated events to their streams here, at the next local revisions. */
async function insertEvents(client: PoolClient, events: ReplicatedEvent[]): Promise<void> {
  const streams = [...new Set(events.map((event) => event.streamId))].sort();
  await client.query(
    `INSERT INTO geode_streams (stream_id, category, residency)
     SELECT x.stream_id, x.category, x.residency
       FROM jsonb_to_recordset($1::jsonb) AS x(stream_id text, category text, residency text[])
     ON CONFLICT (stream_id) DO NOTHING`,
    [
      JSON.stringify(
        streams.map((streamId) => ({
          stream_id: streamId,
          category: categoryOf(streamId),
          residency: events.find((event) => event.streamId === streamId)!.residency,
        })),
      ),
    ],
  );
  const { rows } = await client.query<{
    stream_id: string;
    revision: string;
    vector: VersionVector;
  }>(
    `SELECT stream_id, revision, vector FROM geode_streams
      WHERE stream_id = ANY ($1::text[]) ORDER BY stream_id FOR UPDATE`,
    [streams],
  );
  const state = new Map(
    rows.map((row) => [
      row.stream_id,
      { revision: Number(row.revision), vector: { ...row.vector } },
    ]),
  );
  const records = events.map((event) => {
    const stream = state.get(event.streamId)!;
    stream.revision += 1;
    stream.vector[event.dot.region] = Math.max(stream.vector[event.dot.region] ?? 0, event.dot.n);
    return {
      event_id: event.eventId,
      stream_id: event.streamId,
      category: categoryOf(event.streamId),
      revision: stream.revision,
      type: event.type,
      schema_version: event.schemaVersion,
      data: event.data,
      metadata: event.metadata,
      dot_region: event.dot.region,
      dot_n: event.dot.n,
      deps: event.deps,
      hlc_wall: event.hlc.wallMs,
      hlc_logical: event.hlc.logical,
      residency: event.residency,
    };
  });
  await client.query(
    `INSERT INTO geode_events (event_id, stream_id, category, revision, type, schema_version, data, metadata,
                               dot_region, dot_n, deps, hlc_wall, hlc_logical, residency, is_local)
     SELECT x.event_id, x.stream_id, x.category, x.revision, x.type, x.schema_version, x.data, x.metadata,
            x.dot_region, x.dot_n, x.deps, x.hlc_wall, x.hlc_logical, x.residency, false
       FROM jsonb_to_recordset($1::jsonb) AS x(event_id uuid, stream_id text, category text, revision bigint,
            type text, schema_version int, data jsonb, metadata jsonb, dot_region text, dot_n bigint, deps jsonb,
            hlc_wall bigint, hlc_logical int, residency text[])`,
    [JSON.stringify(records)],
  );
  await client.query(
    `UPDATE geode_streams s SET revision = x.revision, vector = x.vector, updated_at = now()
       FROM jsonb_to_recordset($1::jsonb) AS x(stream_id text, revision bigint, vector jsonb)
      WHERE s.stream_id = x.stream_id`,
    [
      JSON.stringify(
        [...state].map(([stream_id, { revision, vector }]) => ({ stream_id, revision, vector })),
      ),
    ],
  );
}
