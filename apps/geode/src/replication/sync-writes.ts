import { Inject, Injectable } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { WallClock } from '@geode/clock';
import { ProblemException } from '@geode/problem-details';
import { acknowledgingRegions, ChangeSignal, requiredAcknowledgements } from '@geode/replication';
import { WALL_CLOCK } from '../clock/wall-clock.provider';
import type { GeodeConfig } from '../config/geode-config';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { PeerAcknowledgements } from './peer-acknowledgements';

/** Where the log stood before a request ran: its own events come after. */
export interface LogMark {
  txId: string;
}

interface SyncEvent {
  event_id: string;
  category: string;
  residency: string[] | null;
  origin_seq: string | null;
}

/** Between looks when no notification comes (a lost LISTEN connection must not stall a write). */
const FALLBACK_LOOK_MS = 250;

/**
 * Sync mode (DESIGN.md §3): a write to a stream whose category asks for it
 * answers only once enough of the regions allowed to hold the stream hold the
 * event — first its origin stamps it (it needs a seq to be acknowledged),
 * then peers acknowledge a vector that covers that seq. Past the bound it
 * fails with 503 `replication-timeout`; the event stays committed here and
 * replicates later. Waits wake on stamp notifications and on acknowledgements.
 */
@Injectable()
export class SyncWrites {
  constructor(
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(getDataSourceToken()) private readonly dataSource: DataSource,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
    private readonly acks: PeerAcknowledgements,
    private readonly signal: ChangeSignal,
  ) {}

  get enabled(): boolean {
    return Object.keys(this.config.replication.sync.categories).length > 0;
  }

  /** Taken before a write runs; any transaction that starts later has a higher id. */
  async mark(): Promise<LogMark> {
    const [row] = await this.dataSource.query<{ tx: string }[]>(
      'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS tx',
    );
    return { txId: row.tx };
  }

  /**
   * Waits until every event of a synchronous category decided here since `mark`
   * with this correlation id is held by enough regions; throws 503
   * `replication-timeout` when the bound passes first.
   */
  async awaitAcknowledgements(mark: LogMark, correlationId: string): Promise<void> {
    const categories = Object.keys(this.config.replication.sync.categories);
    const deadline = this.clock.nowMs() + this.config.replication.sync.timeoutMs;
    const region = this.config.region;
    const allRegions = [region, ...this.config.replication.peers.map((peer) => peer.region)];
    let wake: (() => void) | undefined;
    const stopListening = this.acks.onChange(() => wake?.());
    try {
      let shortOf = '';
      let events: SyncEvent[] | undefined;
      for (;;) {
        const seen = this.signal.version;
        const seenAcks = this.acks.version;
        // Once every event is stamped only acknowledgements move: those are in memory.
        if (!events || events.some((event) => event.origin_seq === null))
          events = await this.eventsSince(mark, correlationId, categories);
        if (!events.length) return;
        shortOf = '';
        for (const event of events) {
          const allowed = event.residency ?? allRegions;
          const level = this.config.replication.sync.categories[event.category];
          const required = requiredAcknowledgements(level, allowed.length);
          if (event.origin_seq === null) {
            shortOf = `event ${event.event_id} is not stamped yet (needs ${required} of ${allowed.length} regions)`;
            break;
          }
          const holding = acknowledgingRegions(region, Number(event.origin_seq), allowed, (r) =>
            r === region ? undefined : this.acks.of(r)?.vector,
          );
          if (holding.length < required) {
            shortOf = `event ${event.event_id} is held by ${holding.length} of the ${required} regions required (${level} of ${allowed.join(', ')}): ${holding.join(', ')}`;
            break;
          }
        }
        if (!shortOf) return;
        const left = deadline - this.clock.nowMs();
        if (left <= 0) {
          throw new ProblemException(
            503,
            'replication-timeout',
            `the write is committed locally and will replicate later, but was not acknowledged within ${this.config.replication.sync.timeoutMs} ms: ${shortOf}`,
            { committed: true, eventIds: events.map((event) => event.event_id) },
          );
        }
        // A stamp (notification) or an acknowledgement ends the wait early; one that came
        // while this look ran is not lost (both counters were read before it).
        const acked = new Promise<void>((resolve) => (wake = resolve));
        if (this.acks.version !== seenAcks) wake?.();
        await Promise.race([this.signal.wait(seen, Math.min(left, FALLBACK_LOOK_MS)), acked]);
        wake = undefined;
      }
    } finally {
      stopListening();
    }
  }

  private async eventsSince(
    mark: LogMark,
    correlationId: string,
    categories: string[],
  ): Promise<SyncEvent[]> {
    return this.dataSource.query<SyncEvent[]>(
      `SELECT e.event_id, e.category, e.residency, o.origin_seq::text AS origin_seq
         FROM geode_events e
         LEFT JOIN geode_origin_log o ON o.event_id = e.event_id AND o.origin_region = $4
        WHERE e.tx_id >= $1::xid8 AND e.is_local AND e.category = ANY ($2::text[])
          AND e.metadata->>'correlationId' = $3
        ORDER BY e.tx_id, e.position`,
      [mark.txId, categories, correlationId, this.config.region],
    );
  }
}
