import { z } from 'zod';
import { STREAM_ID_PATTERN } from '@geode/event-store';
import type { RedactedMarker, ReplicatedEvent, VersionVector } from '@geode/event-store';

/**
 * The replication feed's wire format (ADR 0008): the response to
 * `POST /replication/v1/feed` is NDJSON, one frame per line, gzip-compressed
 * and flushed after every frame. Frames come from an untrusted peer, so every
 * one is parsed against these schemas before anything else looks at it.
 */
export const FEED_PATH = '/replication/v1/feed';
export const ACK_PATH = '/replication/v1/ack';
export const STATUS_PATH = '/replication/v1/status';
export const FEED_CONTENT_TYPE = 'application/x-ndjson';

/** Longest frame (one line) a puller reads: a full page of events of up to 1 MiB each, bounded by the server's frame budget. */
export const MAX_FRAME_BYTES = 16 * 1024 * 1024;
/** The feed closes a batch frame once it holds this many bytes of JSON. */
export const FRAME_BUDGET_BYTES = 1024 * 1024;
export const MAX_ENTRIES_PER_FRAME = 10_000;
const MAX_REGIONS = 64;

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const HEX64 = /^[0-9a-f]{64}$/;
/** `ledger.FundsDeposited`, or the store's own `$stream.deleted`. */
const EVENT_TYPE = /^\$?[a-z][a-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)+$/;

export const regionId = z.string().max(63).regex(REGION, 'not a region id');
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const positive = z.number().int().min(1).max(Number.MAX_SAFE_INTEGER);
const hex64 = z.string().regex(HEX64, 'not 64 lowercase hex characters');

export const versionVectorSchema = z
  .record(regionId, count)
  .refine((vector) => Object.keys(vector).length <= MAX_REGIONS, 'too many regions');

const jsonObject = z.record(z.string(), z.unknown());
const originStamp = z.strictObject({ region: regionId, seq: positive, hash: hex64 });
const eventId = z.string().regex(UUID, 'not a UUID');
const streamId = z.string().max(256).regex(STREAM_ID_PATTERN, 'not a stream id');

const redactedMarkerSchema = z.strictObject({
  redacted: z.literal(true),
  eventId,
  streamId,
  origin: originStamp,
  digest: hex64,
});

const replicatedEventSchema = z.strictObject({
  eventId,
  streamId,
  type: z.string().max(200).regex(EVENT_TYPE, 'not an event type'),
  schemaVersion: z.number().int().min(1).max(1_000_000),
  data: jsonObject,
  metadata: jsonObject,
  dot: z.strictObject({ region: regionId, n: positive }),
  deps: versionVectorSchema,
  hlc: z.strictObject({
    wallMs: count,
    logical: z
      .number()
      .int()
      .min(0)
      .max(2 ** 31 - 1),
  }),
  residency: z.array(regionId).min(1).max(MAX_REGIONS).nullable(),
  origin: originStamp,
  digest: hex64,
});

// Events first: a union tries its options in order, and a full event checked against the marker
// schema first cost about twice the work (markers are rare: residency only).
export const replicationEntrySchema = z.union([replicatedEventSchema, redactedMarkerSchema]);

/** The server's first frame: who it is and what it holds. */
const helloFrame = z.strictObject({
  type: z.literal('hello'),
  region: regionId,
  vector: versionVectorSchema,
  heartbeatMs: z.number().int().min(10).max(600_000),
});

/** Entries of one or more origins, each origin's in seq order. */
const batchFrame = z.strictObject({
  type: z.literal('batch'),
  entries: z.array(replicationEntrySchema).min(1).max(MAX_ENTRIES_PER_FRAME),
});

/** Sent when the link is idle: the server's vector, so the puller sees how far behind it is. */
const heartbeatFrame = z.strictObject({
  type: z.literal('heartbeat'),
  vector: versionVectorSchema,
});

export const feedFrameSchema = z.discriminatedUnion('type', [
  helloFrame,
  batchFrame,
  heartbeatFrame,
]);

export type ReplicationEntry = ReplicatedEvent | RedactedMarker;
export type HelloFrame = {
  type: 'hello';
  region: string;
  vector: VersionVector;
  heartbeatMs: number;
};
export type BatchFrame = { type: 'batch'; entries: ReplicationEntry[] };
export type HeartbeatFrame = { type: 'heartbeat'; vector: VersionVector };
export type FeedFrame = HelloFrame | BatchFrame | HeartbeatFrame;

/** Body of a feed request and of an acknowledgement: the caller's knowledge vector. */
export const feedRequestSchema = z.strictObject({ vector: versionVectorSchema });
export type FeedRequest = z.infer<typeof feedRequestSchema>;

/** A frame the peer sent that breaks the wire format; nothing of it is applied. */
export class MalformedFrame extends Error {
  readonly code = 'malformed-frame';
}

/** Parses one line of the feed; throws `MalformedFrame` naming the first problem. */
export function parseFeedFrame(line: string): FeedFrame {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    throw new MalformedFrame('frame is not JSON', { cause: error });
  }
  const parsed = feedFrameSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new MalformedFrame(`frame ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data as FeedFrame;
}

export const isMarker = (entry: ReplicationEntry): entry is RedactedMarker =>
  (entry as RedactedMarker).redacted === true;
