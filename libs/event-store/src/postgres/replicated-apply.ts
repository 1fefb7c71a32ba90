import type { Pool, PoolClient } from 'pg';
import { chainHash, eventDigest } from '../canonical';
import { categoryOf } from '../event-envelope';
import { ReplicationRefused } from '../errors';
import type { ApplyReplicatedResult, RedactedMarker, ReplicatedEvent } from '../event-store.port';
import { assertRegion, assertStreamId, assertVersionVector } from '../validation';

type Entry = ReplicatedEvent | RedactedMarker;
const HEX32 = /^[0-9a-f]{64}$/;

const isMarker = (entry: Entry): entry is RedactedMarker =>
  (entry as RedactedMarker).redacted === true;

/** The SQLSTATE `geode_apply_replicated` refuses a batch with; its detail says why. */
const REFUSED = 'GR001';

/** What `geode_apply_replicated` answers. */
interface ApplyAnswer {
  applied: number;
  duplicates: number;
  knowledge: Record<string, number>;
  /** The transaction that wrote, when it wrote anything (for the commit signal). */
  tx: string | null;
}

/**
 * Stores events decided elsewhere, atomically: per origin they must continue
 * this geode's knowledge without a gap, and every entry must extend the
 * origin's hash chain (full events: their content must match their digest).
 * A duplicate (seq already held, same hash) is skipped; any broken rule
 * refuses the whole call and nothing is written.
 *
 * Everything that can be checked from the batch alone is checked here first
 * (shape, digests, residency, seq contiguity and chain links between the
 * batch's own entries); the rest, which needs this geode's state, is checked
 * by `geode_apply_replicated` in the one statement that also writes: one
 * round trip and one commit per batch. It sends no NOTIFY; the caller
 * announces the commit (`tx`) afterwards.
 */
export async function applyReplicatedEntries(
  db: Pool | PoolClient,
  localRegion: string,
  entries: Entry[],
): Promise<ApplyReplicatedResult & { tx: string | null }> {
  const byOrigin = new Map<string, Entry[]>();
  for (const entry of entries) {
    checkShape(entry);
    const list = byOrigin.get(entry.origin.region) ?? [];
    list.push(entry);
    byOrigin.set(entry.origin.region, list);
  }
  const ordered: Entry[] = [];
  for (const origin of [...byOrigin.keys()].sort()) {
    const list = byOrigin.get(origin)!.sort((a, b) => a.origin.seq - b.origin.seq);
    checkContent(origin, list, localRegion);
    ordered.push(...list);
  }
  if (!ordered.length) return { applied: 0, duplicates: 0, knowledge: {}, tx: null };

  const events = ordered.flatMap((entry, index) =>
    isMarker(entry) ? [] : [eventRecord(entry, index + 1)],
  );
  const { rows } = await db
    .query<{ answer: ApplyAnswer }>(
      `SELECT geode_apply_replicated($1::text[], $2::bigint[], $3::text[], $4::text[], $5::uuid[],
                                   $6::text[], $7::boolean[], $8::jsonb) AS answer`,
      [
        ordered.map((entry) => entry.origin.region),
        ordered.map((entry) => entry.origin.seq),
        ordered.map((entry) => entry.origin.hash),
        ordered.map((entry) => entry.digest),
        ordered.map((entry) => entry.eventId),
        ordered.map((entry) => entry.streamId),
        ordered.map((entry) => isMarker(entry)),
        JSON.stringify(events),
      ],
    )
    .catch((error: unknown) => {
      throw refusalOf(error) ?? error;
    });
  const answer = rows[0].answer;
  return {
    applied: Number(answer.applied),
    duplicates: Number(answer.duplicates),
    knowledge: Object.fromEntries(
      Object.entries(answer.knowledge).map(([origin, seq]) => [origin, Number(seq)]),
    ),
    tx: answer.tx,
  };
}

function refusalOf(error: unknown): ReplicationRefused | undefined {
  const { code, detail } = (error ?? {}) as { code?: string; detail?: string };
  if (code !== REFUSED || !detail) return undefined;
  const { origin, seq, reason } = JSON.parse(detail) as {
    origin: string;
    seq: number;
    reason: string;
  };
  return new ReplicationRefused(origin, Number(seq), reason);
}

/**
 * The rules one origin's entries (in seq order) must keep among themselves:
 * no gap and no repeated seq, each links to the one before, and full events
 * match their digest and may be held in this region.
 */
function checkContent(origin: string, list: Entry[], localRegion: string): void {
  let previous: Entry | undefined;
  for (const entry of list) {
    const seq = entry.origin.seq;
    if (previous && seq !== previous.origin.seq + 1) {
      throw new ReplicationRefused(
        origin,
        seq,
        `gap: the batch goes from ${origin}#${previous.origin.seq} to ${seq}`,
      );
    }
    if (!isMarker(entry)) {
      if (entry.residency && !entry.residency.includes(localRegion)) {
        throw new ReplicationRefused(
          origin,
          seq,
          `payload may not be held in ${localRegion} (residency)`,
        );
      }
      if (eventDigest({ ...entry, origin: { region: origin, seq } }) !== entry.digest) {
        throw new ReplicationRefused(origin, seq, 'content does not match its digest');
      }
    }
    if (previous && chainHash(previous.origin.hash, entry.digest) !== entry.origin.hash) {
      throw new ReplicationRefused(origin, seq, 'hash does not extend the chain');
    }
    previous = entry;
  }
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
  if (!isMarker(entry)) {
    // Deps are stored as sent: each key must be a region (not "__proto__",
    // which a JavaScript object would drop from the digest).
    try {
      assertVersionVector(entry.deps, 'deps');
    } catch (error) {
      throw new ReplicationRefused(origin.region, seq, (error as Error).message);
    }
  }
}

/** A full event as the function's `geode_replicated_event` row; `i` is its place in the batch (1-based). */
function eventRecord(event: ReplicatedEvent, i: number) {
  return {
    i,
    event_id: event.eventId,
    stream_id: event.streamId,
    category: categoryOf(event.streamId),
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
}
