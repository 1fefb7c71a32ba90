import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import type { WallClock } from '@geode/clock';
import type { PostgresEventStore } from '@geode/event-store';
import {
  ChangeSignal,
  LagTracker,
  type PullerLog,
  ReplicationMetrics,
  ReplicationPuller,
} from '@geode/replication';
import { WALL_CLOCK } from '../clock/wall-clock.provider';
import type { GeodeConfig } from '../config/geode-config';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { PEER_CLIENT_AUTH, type PeerClientAuth } from '@geode/peer-auth';
import { RegionRefill } from './region-refill';
import { REPLICATION_STORE } from './replication-store';

export const REPLICATION_DATABASE_URL = Symbol('REPLICATION_DATABASE_URL');

/**
 * This process's side of every replication link: one puller per configured
 * peer (each pulls only while it holds its link's lease), and the feeds it
 * serves, which end when the app shuts down.
 */
@Injectable()
export class ReplicationLinks implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Replication');
  private readonly feeds = new Set<AbortController>();
  private pullers: ReplicationPuller[] = [];
  private closing = false;

  constructor(
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    /** Feeds' and pullers' store: a pool of their own (see `replication-store.ts`). */
    @Inject(REPLICATION_STORE) readonly store: PostgresEventStore,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
    @Inject(PEER_CLIENT_AUTH) private readonly auth: PeerClientAuth,
    @Inject(REPLICATION_DATABASE_URL) private readonly databaseUrl: string,
    readonly signal: ChangeSignal,
    readonly lag: LagTracker,
    readonly metrics: ReplicationMetrics,
    readonly refill: RegionRefill,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Before anything else: a refill must first check the database may take its own log back.
    await this.refill.begin();
    await this.signal.start();
    const log: PullerLog = {
      info: (fields, message) => this.logger.log(fields, message),
      warn: (fields, message) => this.logger.warn(fields, message),
      error: (fields, message) => this.logger.error(fields, message),
    };
    this.pullers = this.config.replication.peers.map(
      (peer) =>
        new ReplicationPuller({
          peer,
          localRegion: this.config.region,
          databaseUrl: this.databaseUrl,
          store: this.store,
          auth: this.auth,
          clock: this.clock,
          lag: this.lag,
          metrics: this.metrics,
          log,
          heartbeatMs: this.config.replication.heartbeatMs,
          backoff: { baseMs: 100, capMs: this.config.replication.retryMaxMs },
          onApplied: () => this.signal.announceReplicated(),
          acceptsOwnOrigin: () => this.refill.acceptsOwnOrigin,
        }),
    );
    for (const puller of this.pullers) puller.start();
  }

  async onModuleDestroy(): Promise<void> {
    this.closing = true;

    for (const feed of this.feeds) feed.abort();
    await Promise.all(this.pullers.map((puller) => puller.stop()));
    await this.signal.stop();
    await this.store.close();
  }

  get pullerStatuses() {
    return this.pullers.map((puller) => puller.status());
  }

  /** Registers a feed being served; abort it to end it (also done at shutdown). `undefined` once shutting down. */
  openFeed(): AbortController | undefined {
    if (this.closing) return undefined;
    const feed = new AbortController();
    this.feeds.add(feed);
    feed.signal.addEventListener('abort', () => this.feeds.delete(feed), { once: true });
    return feed;
  }

  activeFeeds(): number {
    return this.feeds.size;
  }
}
