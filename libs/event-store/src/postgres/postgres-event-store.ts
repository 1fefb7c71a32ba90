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
  EventStore,
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
import { assertStreamId, Limits, validateAppend, validateStreamMetadata } from '../validation';
import { AppendBatcher, AppendRequest, AppendResponse, toAppendRequest } from './append-batcher';
import { applyReplicatedEntries } from './replicated-apply';
import { verifyOriginChain } from './chain-verifier';
import { readOriginLog, toReplicationEntry } from './origin-log';
import { EVENT_COLUMNS, EVENTS_WITH_ORIGIN, EventRow, toStoredEvent } from './event-rows';
import { LogNotifier, readLogPage, subscribeToLog } from './log-reader';

export interface PostgresEventStoreOptions {
  url: string;
  /** The region this geode serves: the `dot.region` of every event decided here. */
  region: string;
  clock: HybridLogicalClock;
  poolSize?: number;
  /** Bytes of JSON data + metadata per event; default 1 MiB. */
  maxEventBytes?: number;
  /** Group-commit transactions in flight at once; default 2. */
  concurrentBatches?: number;
}

/** The store's own event types; callers cannot append `$` types. */
export const STREAM_DELETED_TYPE = '$stream.deleted';

const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const MAX_PAGE = 10_000;

/** The PostgreSQL adapter of `EventStore` (ADR 0004). Needs `eventStoreMigrations`. */
export class PostgresEventStore implements EventStore {
  private readonly batcher: AppendBatcher;
  private readonly limits: Limits;

  private constructor(
    private readonly pool: Pool,
    private readonly notifier: LogNotifier,
    private readonly region: string,
    private readonly clock: HybridLogicalClock,
    options: PostgresEventStoreOptions,
  ) {
    this.limits = { maxEventBytes: options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES };
    this.batcher = new AppendBatcher(pool, region, options.concurrentBatches ?? 4);
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
    await this.notifier.close();
    await this.pool.end();
  }

  async append(
    streamId: string,
    events: NewEvent[],
    options: AppendOptions,
  ): Promise<AppendResult> {
    validateAppend(streamId, events, options, this.limits);
    const request = this.toRequest(streamId, events, options);
    const response = await this.batcher.submit(request);
    return this.toResult(streamId, options.expectedRevision, request, response);
  }

  async appendMany(appends: StreamAppend[]): Promise<AppendResult[]> {
    if (!Array.isArray(appends) || appends.length === 0) return [];
    appends.forEach(({ streamId, events, options }) =>
      validateAppend(streamId, events, options, this.limits),
    );
    const streams = appends.map((a) => a.streamId);
    if (new Set(streams).size !== streams.length) {
      throw new InvalidEvent('appendMany takes each stream once');
    }
    // Lock order = stream order, as in group commit.
    const order = appends.map((_, i) => i).sort((a, b) => (streams[a] < streams[b] ? -1 : 1));
    const requests = order.map((i) =>
      this.toRequest(appends[i].streamId, appends[i].events, appends[i].options),
    );
    let responses: AppendResponse[];
    try {
      const { rows } = await this.pool.query<{ results: AppendResponse[] }>(
        'SELECT geode_append_batch($1, $2, true) AS results',
        [this.region, JSON.stringify(requests)],
      );
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
    validateAppend(streamId, [marker], { expectedRevision: options.expectedRevision }, this.limits);
    const request = this.toRequest(streamId, [marker], {
      expectedRevision: options.expectedRevision,
    });
    request.events[0].type = STREAM_DELETED_TYPE;
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query<{ results: AppendResponse[] }>(
        'SELECT geode_append_batch($1, $2, false) AS results',
        [this.region, JSON.stringify([request])],
      );
      const response = rows[0].results[0];
      if (response.status === 'ok') {
        await client.query(
          `UPDATE geode_streams SET deleted_at = now(), updated_at = now() WHERE stream_id = $1`,
          [streamId],
        );
      }
      await client.query(response.status === 'ok' ? 'COMMIT' : 'ROLLBACK');
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
    return this.withTransaction((client) => applyReplicatedEntries(client, this.region, entries));
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

  private toRequest(streamId: string, events: NewEvent[], options: AppendOptions): AppendRequest {
    return toAppendRequest(streamId, events, options, this.clock);
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
