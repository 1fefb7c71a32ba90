import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import {
  DuplicateEventId,
  EVENT_STORE,
  RevisionConflict,
  UnknownDependency,
  type EventStore,
  type StoredEvent,
} from '@geode/event-store';
import {
  HOME_MOVE_EVENT_TYPE,
  pendingMoves,
  planMerge,
  type Fork,
  type MergeAuthority,
  type MergeableEvent,
  type PlannedMerge,
} from '@geode/merge';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { CONFLICTS_SCHEMA } from './fork-detector.projection';
import { authorityOf } from './home-authority';
import { MergeFence } from './merge-fence';
import { MergeMetrics } from './merge-metrics';
import { MERGE_POLICIES, policyForStream, type MergePolicies } from './merge-policies';

/** How often the merger looks for pending forks of streams homed here. */
export const MERGER_INTERVAL_MS = 200;

/**
 * `not-home`: another region is the fork's authority (ADR 0012: its home as
 * folded from the fork's events); `fenced`: this region is, but waits until its
 * view of the stream cannot be stale (`MergeFence`).
 */
export type MergeAttempt =
  'merged' | 'no-fork' | 'incomplete' | 'manual' | 'raced' | 'not-home' | 'fenced';

/**
 * Closes forks of the streams whose home region is this geode (ADR 0012; the
 * home is the stream's first home, or the last move in canonical order):
 * reads the stream, lets its policy plan the merge, appends the merge event.
 * Runs beside the projections, never inside one (replay must have no side
 * effects). Several processes of a region may run it: the merge event's id is
 * derived from its inputs and the append checks the revision, so a fork is
 * merged once.
 */
@Injectable()
export class Merger implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Merger.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERGE_POLICIES) private readonly policies: MergePolicies,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly metrics?: MergeMetrics,
    /** Absent (a bare merger in a test): no fencing. */
    @Optional() private readonly fence?: MergeFence,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  /** One pass over the pending forks homed here; returns what happened per stream. */
  async mergePending(): Promise<Map<string, MergeAttempt>> {
    const rows = await this.dataSource
      .query<{ stream_id: string }[]>(
        `SELECT DISTINCT c.stream_id FROM "${CONFLICTS_SCHEMA}"."conflicts" c
           JOIN geode_streams s ON s.stream_id = c.stream_id
          WHERE c.status = 'pending'
            -- homed here first, or moved at least once (the fork's events decide who merges)
            AND (s.home_region = $1 OR EXISTS (SELECT 1 FROM geode_events e
                                                WHERE e.stream_id = c.stream_id AND e.type = $2))
          ORDER BY c.stream_id LIMIT 100`,
        [this.config.region, HOME_MOVE_EVENT_TYPE],
      )
      .catch((error: { code?: string }) => {
        if (error.code === '42P01') return []; // the detector has not created its tables yet
        throw error;
      });
    const attempts = new Map<string, MergeAttempt>();
    for (const { stream_id } of rows) {
      const result = await this.mergeStream(stream_id);
      attempts.set(stream_id, result);
      this.metrics?.attempts.inc({ result });
    }
    return attempts;
  }

  async mergeStream(streamId: string): Promise<MergeAttempt> {
    const policy = policyForStream(this.policies, streamId);
    if (!policy) return 'no-fork';
    const events = await this.readWhole(streamId);
    const plan = planMerge(policy, streamId, events, this.config.region);
    if (plan.kind !== 'merge') return plan.kind;
    // The fork is complete: the events held are exactly what its heads had seen, in every region.
    const authority = await authorityOf(this.store, policy, streamId, events);
    if (authority?.region !== this.config.region) return 'not-home';
    if ((await this.holdBack(streamId, plan.fork, authority)) !== null) return 'fenced';
    return this.appendMerge(streamId, plan.merge, events.length);
  }

  /**
   * `null` when this region, the fork's authority, may write its merge now;
   * otherwise why it waits (`MergeFence`). Operator resolutions ask it too.
   */
  async holdBack(
    streamId: string,
    fork: Fork<MergeableEvent>,
    authority: MergeAuthority<StoredEvent>,
  ): Promise<string | null> {
    if (!this.fence) return null;
    const { move } = authority;
    const handOver = move && pendingMoves(streamId, fork).includes(move) ? move : null;
    return this.fence.holdBack(handOver);
  }

  /** Appends a planned merge at the revision read; a concurrent append means: look again later. */
  async appendMerge(
    streamId: string,
    merge: PlannedMerge,
    revision: number,
  ): Promise<'merged' | 'raced'> {
    try {
      await this.store.append(
        streamId,
        [
          {
            eventId: merge.eventId,
            type: merge.type,
            schemaVersion: merge.schemaVersion,
            data: merge.data as never,
            metadata: { mergedBy: this.config.region },
          },
        ],
        { expectedRevision: revision, deps: merge.deps },
      );
      return 'merged';
    } catch (error) {
      if (error instanceof RevisionConflict || error instanceof UnknownDependency) return 'raced';
      throw error;
    }
  }

  private async readWhole(streamId: string): Promise<StoredEvent[]> {
    const events: StoredEvent[] = [];
    for await (const event of this.store.streamEvents(streamId)) events.push(event);
    return events;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.mergePending()
        .then(() => undefined)
        .catch((error: unknown) => {
          if (error instanceof DuplicateEventId) return;
          this.logger.error({ err: error, msg: 'merge pass failed; retrying' });
        })
        .finally(() => {
          this.running = null;
          this.schedule();
        });
    }, MERGER_INTERVAL_MS);
    this.timer.unref();
  }
}
