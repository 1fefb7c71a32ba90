import { randomUUID } from 'node:crypto';
import { Pool, PoolClient } from 'pg';
import { ClockDriftError, type HybridLogicalClock } from '@geode/clock';
import { categoryOf, NewEvent, StoredEvent, VersionVector } from '../event-envelope';
import {
  DuplicateEventId,
  InvalidEvent,
  ReplicationRefused,
  RevisionConflict,
  StreamDeleted,
  UnknownDependency,
} from '../errors';
import type {
  AppendOptions,
  AppendResult,
  ApplyReplicatedResult,
  ChainVerification,
  EventLocation,
  EventStore,
  LogCheckpoint,
  LogEntry,
  ReadAllOptions,
  ReadStreamOptions,
  RedactedMarker,
  ReplicatedEvent,
  StreamAppend,
  StreamInfo,
  StreamMetadataInput,
  Subscription,
  SubscribeOptions,
  ExpectedRevision,
} from '../event-store.port';
import { LOG_START } from '../event-store.port';
import {
  assertStreamId,
  CanonicalPayload,
  Limits,
  validateAppend,
  validateStreamMetadata,
} from '../validation';
import {
  APPEND_BATCH_SQL,
  AppendBatchRow,
  AppendBatcher,
  AppendRequest,
  AppendResponse,
  encodeAppendRequests,
  toAppendRequest,
} from './append-batcher';
import { CommitSignal } from './commit-signal';
import { applyReplicatedEntries } from './replicated-apply';
import { verifyOriginChain } from './chain-verifier';
import { readOriginLog, toReplicationEntry } from './origin-log';
import {
  checkpointOf,
  EVENT_COLUMNS,
  EVENTS_WITH_ORIGIN,
  EventRow,
  toStoredEvent,
} from './event-rows';
import { LogNotifier, readLogPage, subscribeToLog } from './log-reader';

export interface PostgresEventStoreOptions {
  url: string;
  /** The region this geode serves: the `dot.region` of every event decided here. */
  region: string;
  clock: HybridLogicalClock;
  poolSize?: number;
  /** Bytes of JSON data + metadata per event; default 1 MiB. */
  maxEventBytes?: number;
  /** Group-commit transactions in flight at once; default 4. */
  concurrentBatches?: number;
  /**
   * Commits within this many ms of a notification to log readers are folded
   * into the next one (ADR 0010); default 3.
   */
  notifyIntervalMs?: number;
}

/** The store's own event types; callers cannot append `$` types. */
export const STREAM_DELETED_TYPE = '$stream.deleted';

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const DEFAULT_NOTIFY_INTERVAL_MS = 3;
const EVENT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_PAGE = 10_000;

/** The PostgreSQL adapter of `EventStore` (ADR 0004). Needs `eventStoreMigrations`. */
export class PostgresEventStore implements EventStore {
  private readonly batcher: AppendBatcher;
  private readonly commits: CommitSignal;
  private readonly limits: Limits;

  private constructor(
    private readonly pool: Pool,
    private readonly notifier: LogNotifier,
    private readonly region: string,
    private readonly clock: HybridLogicalClock,
    options: PostgresEventStoreOptions,
  ) {
    this.limits = { maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES };
    this.commits = new CommitSignal(pool, options.notifyIntervalMs ?? DEFAULT_NOTIFY_INTERVAL_MS);
    this.batcher = new AppendBatcher(pool, region, options.concurrentBatches ?? 4, this.commits);
  }

  static async create(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const pool = new Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      application_name: `geode-${options.region}-event-store`,
    });
    pool.on('error', () => undefined); // an idle client's error surfaces on its next use
    const notifier = new LogNotifier(options.url);
    try {
      await notifier.start();
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PostgresEventStore(pool, notifier, options.region, options.clock, options);
  }

  async close(): Promise<void> {
    await this.commits.flush();
    await this.notifier.close();
    await this.pool.end();
  }

  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    const payloads = validateAppend(streamId, events, options, this.limits);
    const request = this.toRequest(streamId, events, payloads, options);
    const response = await this.batcher.submit(request);
    return this.toResult(streamId, options.expectedRevision, request, response);
  }

  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    if (!Array.isArray(appends) || appends.length === 0) return [];
    const payloads = appends.map(({ streamId, events, options }) =>
      validateAppend(streamId, events, options, this.limits),
    );
    const streams = appends.map((a) => a.streamId);
    if (new Set(streams).size !== streams.length) {
      throw new InvalidEvent('appendMany takes each stream once');
    }
    // Lock order = stream order, as in group commit.
    const order = appends.map((_, i) => i).sort((a, b) => (streams[a] < streams[b] ? -1 : 1));
    const requests = order.map((i) =>
      this.toRequest(appends[i].streamId, appends[i].events, payloads[i], appends[i].options),
    );
    let responses: AppendResponse[];
    try {
      const { rows } = await this.pool.query<AppendBatchRow>(APPEND_BATCH_SQL, [
        this.region,
        encodeAppendRequests(requests),
        true,
      ]);
      this.commits.committed(rows[0].tx);
      responses = rows[0].results;
    } catch (error) {
      if ((error as { code?: string }).code !== 'GE001') throw error;
      // The transaction rolled back; the message holds the answers up to the failure.
      responses = JSON.parse((error as Error).message) as AppendResponse[];
      const failed = responses.length - 1;
      const i = order[failed];
      this.toResult(
        appends[i].streamId,
        appends[i].options.expectedRevision,
        requests[failed],
        responses[failed],
      );
      throw new Error(`appendMany: unexpected status ${responses[failed].status}`, {
        cause: error,
      });
    }
    const results: AppendResult[] = new Array<AppendResult>(appends.length);
    order.forEach((i, k) => {
      results[i] = this.toResult(
        appends[i].streamId,
        appends[i].options.expectedRevision,
        requests[k],
        responses[k],
      );
    });
    return results;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<StoredEvent[]> {
    assertStreamId(streamId);
    const backwards = options.direction === 'backwards';
    const limit = clampLimit(options.limit ?? MAX_PAGE);
    const from = options.from ?? (backwards ? Number.MAX_SAFE_INTEGER : 1);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ${EVENTS_WITH_ORIGIN}
        WHERE e.stream_id = $1 AND e.revision ${backwards ? '<=' : '>='} $2
        ORDER BY e.revision ${backwards ? 'DESC' : 'ASC'} LIMIT $3`,
      [streamId, from, limit],
    );
    return rows.map(toStoredEvent);
  }

  /** The whole stream, page by page: memory stays bounded by the page size. */
  async *streamEvents(streamId: string, pageSize = 1_000): AsyncGenerator<StoredEvent> {
    let from = 1;
    for (;;) {
      const page = await this.readStream(streamId, { from, limit: pageSize });
      yield* page;
      if (page.length < pageSize) return;
      from = page[page.length - 1].revision + 1;
    }
  }

  async readAll(options: ReadAllOptions = {}): Promise<LogEntry[]> {
    // This store's own NOTIFY, in flight, would hide its latest commits (read-your-writes).
    await this.commits.settled();
    return readLogPage(
      this.pool,
      options.after ?? LOG_START,
      clampLimit(options.limit ?? 1_000),
      options.filter,
    );
  }

  subscribe(options: SubscribeOptions = {}): Subscription {
    return subscribeToLog(this.pool, this.notifier, options);
  }

  async streamInfo(streamId: string): Promise<StreamInfo | null> {
    assertStreamId(streamId);
    const { rows } = await this.pool.query<StreamRow>(
      `SELECT * FROM geode_streams WHERE stream_id = $1`,
      [streamId],
    );
    return rows.length ? toStreamInfo(rows[0]) : null;
  }

  async setStreamMetadata(streamId: string, metadata: StreamMetadataInput): Promise<StreamInfo> {
    assertStreamId(streamId);
    validateStreamMetadata(metadata);
    const { rows } = await this.pool.query<StreamRow>(
      `INSERT INTO geode_streams AS s (stream_id, category, home_region, residency, merge_policy)
       VALUES ($1, $2, coalesce($3, $6), $4, $5)
       ON CONFLICT (stream_id) DO UPDATE SET
         home_region  = CASE WHEN $3::text IS NULL THEN s.home_region ELSE $3 END,
         residency    = CASE WHEN $7 THEN $4::text[] ELSE s.residency END,
         merge_policy = CASE WHEN $5::text IS NULL THEN s.merge_policy ELSE $5 END,
         updated_at   = now()
       RETURNING *`,
      [
        streamId,
        categoryOf(streamId),
        metadata.homeRegion ?? null,
        metadata.residency ?? null,
        metadata.mergePolicy ?? null,
        this.region,
        metadata.residency !== undefined,
      ],
    );
    return toStreamInfo(rows[0]);
  }

  async deleteStream(
    streamId: string,
    options: { expectedRevision: ExpectedRevision; reason: string },
  ): Promise<AppendResult> {
    const marker: NewEvent = {
      eventId: randomUUID(),
      type: 'store.StreamDeleted', // validated like any event, stored under the reserved name below
      schemaVersion: 1,
      data: { reason: String(options.reason ?? '') },
    };
    const payloads = validateAppend(
      streamId,
      [marker],
      { expectedRevision: options.expectedRevision },
      this.limits,
    );
    // Validated like any event, stored (and digested) under the reserved name.
    const request = this.toRequest(streamId, [{ ...marker, type: STREAM_DELETED_TYPE }], payloads, {
      expectedRevision: options.expectedRevision,
    });
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<AppendBatchRow>(APPEND_BATCH_SQL, [
        this.region,
        encodeAppendRequests([request]),
        false,
      ]);
      const response = rows[0].results[0];
      if (response.status === 'ok') {
        await client.query(
          `UPDATE geode_streams SET deleted_at = now(), updated_at = now() WHERE stream_id = $1`,
          [streamId],
        );
      }
      await client.query(response.status === 'ok' ? 'COMMIT' : 'ROLLBACK');
      if (response.status === 'ok') this.commits.committed(rows[0].tx);
      return this.toResult(streamId, options.expectedRevision, request, response);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async knowledge(): Promise<VersionVector> {
    const { rows } = await this.pool.query<{ origin_region: string; seq: string }>(
      `SELECT origin_region, seq FROM geode_knowledge ORDER BY origin_region`,
    );
    return Object.fromEntries(rows.map((row) => [row.origin_region, Number(row.seq)]));
  }

  async applyReplicated(
    entries: (ReplicatedEvent | RedactedMarker)[],
  ): Promise<ApplyReplicatedResult> {
    if (!Array.isArray(entries))
      throw new ReplicationRefused('?', 0, 'a batch must be a list of entries');
    // Peers' clocks move ours forward (causality), but never by more than the bound.
    for (const entry of entries) {
      if ((entry as RedactedMarker)?.redacted !== true)
        this.observeRemoteClock(entry as ReplicatedEvent);
    }
    // One statement, its own transaction; readers are told after its commit (ADR 0010 §1).
    const { tx, ...result } = await applyReplicatedEntries(this.pool, this.region, entries);
    this.commits.committed(tx);
    return result;
  }

  private observeRemoteClock(event: ReplicatedEvent): void {
    try {
      this.clock.observe(event.hlc);
    } catch (error) {
      const reason = error instanceof ClockDriftError ? error.message : 'malformed hlc';
      throw new ReplicationRefused(
        String(event?.origin?.region ?? '?'),
        Number(event?.origin?.seq ?? 0),
        reason,
      );
    }
  }

  async readOriginLog(
    origin: string,
    options: { afterSeq?: number; limit?: number; receiver: string | null },
  ): Promise<(ReplicatedEvent | RedactedMarker)[]> {
    const rows = await readOriginLog(
      this.pool,
      origin,
      options.afterSeq ?? 0,
      clampLimit(options.limit ?? 1_000),
    );
    return rows.map((row) => toReplicationEntry(row, origin, options.receiver));
  }

  verifyChain(origin: string, fromSeq = 1): Promise<ChainVerification> {
    return verifyOriginChain(this.pool, origin, fromSeq);
  }

  async locate(ref: EventLocation): Promise<LogCheckpoint | null> {
    if (ref !== null && typeof ref === 'object' && 'eventId' in ref) {
      if (typeof ref.eventId !== 'string' || !EVENT_ID.test(ref.eventId))
        throw new InvalidEvent('locate: eventId must be a UUID');
      const { rows } = await this.pool.query<{ tx_id: string; position: string }>(
        `SELECT tx_id::text AS tx_id, position FROM geode_events WHERE event_id = $1`,
        [ref.eventId],
      );
      if (rows.length) return checkpointOf(rows[0]);
      // Held only as an origin log entry: a redacted marker (or a deleted event).
      const stamped = await this.pool.query<{ origin_region: string; origin_seq: string }>(
        `SELECT origin_region, origin_seq FROM geode_origin_log WHERE event_id = $1`,
        [ref.eventId],
      );
      if (!stamped.rows.length) return null;
      const { origin_region, origin_seq } = stamped.rows[0];
      return this.locateInOrigin(origin_region, Number(origin_seq));
    }
    const { origin, seq } = (ref ?? {}) as { origin?: unknown; seq?: unknown };
    if (typeof origin !== 'string' || !Number.isSafeInteger(seq) || (seq as number) < 1)
      throw new InvalidEvent('locate: give { eventId } or { origin, seq } with seq ≥ 1');
    return this.locateInOrigin(origin, seq as number);
  }

  private async locateInOrigin(origin: string, seq: number): Promise<LogCheckpoint | null> {
    const { rows } = await this.pool.query<{
      held: boolean;
      tx_id: string | null;
      position: string | null;
    }>(
      `SELECT coalesce((SELECT k.seq >= $2 FROM geode_knowledge k WHERE k.origin_region = $1), false) AS held,
              latest.tx_id, latest.position
         FROM (SELECT 1) AS one
         LEFT JOIN LATERAL (
           SELECT e.tx_id::text AS tx_id, e.position
             FROM geode_origin_log o JOIN geode_events e ON e.event_id = o.event_id
            WHERE o.origin_region = $1 AND o.origin_seq <= $2
            ORDER BY o.origin_seq DESC LIMIT 1) AS latest ON true`,
      [origin, seq],
    );
    const row = rows[0];
    if (!row.held) return null;
    return row.tx_id === null || row.position === null
      ? LOG_START
      : checkpointOf({ tx_id: row.tx_id, position: row.position });
  }

  private async withTransaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private toRequest(
    streamId: string,
    events: NewEvent[],
    payloads: CanonicalPayload[],
    options: AppendOptions,
  ): AppendRequest {
    return toAppendRequest(streamId, events, payloads, options, this.clock);
  }

  private toResult(
    streamId: string,
    expected: ExpectedRevision,
    request: AppendRequest,
    response: AppendResponse,
  ): AppendResult {
    switch (response.status) {
      case 'ok':
        return {
          streamId,
          nextRevision: response.revision!,
          positions: response.positions!.map(Number),
          dots: request.events.map((_, i) => ({ region: this.region, n: response.n! + i })),
          hlcs: request.events.map((e) => ({ wallMs: e.hw, logical: e.hl })),
        };
      case 'duplicate':
        return {
          streamId,
          nextRevision: Number(response.revision),
          positions: response.positions!.map(Number),
          dots: response.dots!.map((dot) => ({ region: dot.region, n: Number(dot.n) })),
          hlcs: response.hw!.map((wallMs, i) => ({
            wallMs: Number(wallMs),
            logical: response.hl![i],
          })),
        };
      case 'duplicate-mismatch':
        throw new DuplicateEventId(request.events.map((e) => e.id));
      case 'conflict':
        throw new RevisionConflict(streamId, expected, Number(response.actual));
      case 'deleted':
        throw new StreamDeleted(streamId);
      case 'unknown-deps':
        throw new UnknownDependency(streamId, response.missing ?? {});
      default:
        throw new Error(
          `unexpected append status ${String((response as { status: unknown }).status)}`,
        );
    }
  }
}

interface StreamRow {
  stream_id: string;
  revision: string;
  vector: VersionVector;
  home_region: string | null;
  residency: string[] | null;
  merge_policy: string | null;
  deleted_at: Date | null;
}

function toStreamInfo(row: StreamRow): StreamInfo {
  return {
    streamId: row.stream_id,
    revision: Number(row.revision),
    vector: row.vector,
    homeRegion: row.home_region,
    residency: row.residency,
    mergePolicy: row.merge_policy,
    deletedAt: row.deleted_at,
  };
}

function clampLimit(limit: number): number {
  return Math.max(1, Math.min(MAX_PAGE, Math.floor(limit)));
}
