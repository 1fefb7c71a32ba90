import type { Hlc } from '@geode/clock';
import type {
  Dot,
  EventBody,
  NewEvent,
  OriginStamp,
  StoredEvent,
  VersionVector,
} from './event-envelope';

/** DI token of the geode's `EventStore`. */
export const EVENT_STORE = Symbol('EVENT_STORE');

/**
 * What the appender expects the stream to be:
 * - a number: the stream holds exactly that many events (0 = empty or absent);
 * - `no_stream`: the stream holds no event;
 * - `exists`: the stream holds at least one event;
 * - `any`: no check (never for aggregate commands; see STYLE.md).
 */
export type ExpectedRevision = number | 'no_stream' | 'exists' | 'any';

export interface AppendOptions {
  expectedRevision: ExpectedRevision;
  /**
   * The decider's causal context: the dots of this stream it had seen. Default:
   * everything the stream holds at append time. Must not name dots this geode
   * does not hold.
   */
  deps?: VersionVector;
  /** Applied when this append creates the stream. */
  streamMetadata?: StreamMetadataInput;
}

export interface AppendResult {
  streamId: string;
  /** The stream's revision after the append (= its event count). */
  nextRevision: number;
  /** Local log positions of the appended events, in order. */
  positions: number[];
  dots: Dot[];
  hlcs: Hlc[];
}

export interface StreamAppend {
  streamId: string;
  events: NewEvent[];
  options: AppendOptions;
}

export interface ReadStreamOptions {
  /** Revision to start from (inclusive); default: 1 forwards, the last backwards. */
  from?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

/** Which events a log reader wants; both lists are OR-ed, empty = everything. */
export interface LogFilter {
  categories?: string[];
  /** Type prefixes, e.g. `ledger.` */
  typePrefixes?: string[];
}

/**
 * A place in the local log that a reader has passed. Opaque to callers: store
 * it as it is (`toString`/`parse` below) and hand it back.
 */
export interface LogCheckpoint {
  /** The PostgreSQL transaction id (xid8, decimal) of the last event passed. */
  txId: string;
  /** The local position of the last event passed. */
  position: number;
}

export const LOG_START: LogCheckpoint = { txId: '0', position: 0 };

export interface ReadAllOptions {
  /** Read after this checkpoint; default: from the start. */
  after?: LogCheckpoint;
  limit?: number;
  filter?: LogFilter;
}

export interface LogEntry {
  event: StoredEvent;
  /** Checkpoint to store once this event has been handled. */
  checkpoint: LogCheckpoint;
}

export interface SubscribeOptions {
  after?: LogCheckpoint;
  filter?: LogFilter;
  /** Events fetched per read; a slow consumer is never handed more than this at once. */
  batchSize?: number;
}

/**
 * A live subscription: an async iterable over the local log, in log order,
 * catching up from `after` and then following new commits (pushed through
 * LISTEN/NOTIFY). Iteration pulls: the store reads the next batch only when the
 * consumer asks for it. `close()` ends the iteration.
 */
export interface Subscription extends AsyncIterable<LogEntry> {
  close(): Promise<void>;
}

export interface StreamMetadataInput {
  homeRegion?: string;
  residency?: string[] | null;
  mergePolicy?: string;
}

export interface StreamInfo {
  streamId: string;
  revision: number;
  vector: VersionVector;
  homeRegion: string | null;
  residency: string[] | null;
  mergePolicy: string | null;
  deletedAt: Date | null;
}

/** An event decided in another region, as it arrives from a peer (already validated). */
export interface ReplicatedEvent extends EventBody {
  origin: OriginStamp;
  /** Hex SHA-256 of the event's canonical encoding. */
  digest: string;
}

/** Stands for an event whose payload may not come to this region. */
export interface RedactedMarker {
  redacted: true;
  eventId: string;
  streamId: string;
  origin: OriginStamp;
  digest: string;
}

export interface ApplyReplicatedResult {
  applied: number;
  /** Already held: skipped. */
  duplicates: number;
  knowledge: VersionVector;
}

export interface ChainVerification {
  origin: string;
  /** Entries checked. */
  checked: number;
  /** `null` when the whole chain verifies. */
  firstBroken: null | { seq: number; reason: string };
}

/** An event to find in the local log: by id, or by its place in an origin region's log. */
export type EventLocation = { eventId: string } | { origin: string; seq: number };

/**
 * The local event store of one geode (DESIGN.md §1–§3). PostgreSQL is the
 * default adapter; every adapter passes the same contract suite.
 */
export interface EventStore {
  append(streamId: string, events: NewEvent[], options: AppendOptions): Promise<AppendResult>;
  /** All or nothing, across streams (transfers). */
  appendMany(appends: StreamAppend[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<StoredEvent[]>;
  /** The whole stream, page by page: memory stays bounded by the page size. */
  streamEvents(streamId: string, pageSize?: number): AsyncIterable<StoredEvent>;
  /** One page of the local log, in log order, gap-safe. */
  readAll(options?: ReadAllOptions): Promise<LogEntry[]>;
  subscribe(options?: SubscribeOptions): Subscription;
  streamInfo(streamId: string): Promise<StreamInfo | null>;
  setStreamMetadata(streamId: string, metadata: StreamMetadataInput): Promise<StreamInfo>;
  /** Tombstone: appends an audit event and refuses further appends. */
  deleteStream(
    streamId: string,
    options: { expectedRevision: ExpectedRevision; reason: string },
  ): Promise<AppendResult>;
  applyReplicated(entries: (ReplicatedEvent | RedactedMarker)[]): Promise<ApplyReplicatedResult>;
  /** Per origin region: the highest origin seq held contiguously. */
  knowledge(): Promise<VersionVector>;
  /**
   * `origin`'s log after `afterSeq`, as a peer in region `receiver` may have
   * it: full events, and redacted markers where residency keeps the payload
   * from the receiver (`null`: withhold nothing held). What a replication feed sends.
   */
  readOriginLog(
    origin: string,
    options: { afterSeq?: number; limit?: number; receiver: string | null },
  ): Promise<(ReplicatedEvent | RedactedMarker)[]>;
  verifyChain(origin: string, fromSeq?: number): Promise<ChainVerification>;
  /**
   * Where an event stands in the local log, for readers that wait until a
   * projection has passed it (session tokens). `null`: not held yet. For an
   * origin place (and for an id held only as a redacted marker, which counts as
   * held), the checkpoint of the latest event of that origin held here at or
   * before it ({@link LOG_START} when there is none): per origin, log order
   * follows seq order, so passing it passes everything the origin stamped before.
   */
  locate(ref: EventLocation): Promise<LogCheckpoint | null>;
}
