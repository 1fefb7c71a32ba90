import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { EVENT_STORE, type EventStore, type VersionVector } from '@geode/event-store';
import type { ProjectionPlatform } from '@geode/projections';
import {
  LagTracker,
  mergedTarget,
  pullComplete,
  remainingEntries,
  type RefillProgress,
} from '@geode/replication';
import type { GeodeConfig } from '../config/geode-config';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { PROJECTION_PLATFORM } from '../projections/projection-platform.token';

/** How often the refill looks at its progress (it runs once, at start: no need for signals). */
const LOOK_EVERY_MS = 100;

/**
 * Rebuilds this region from its peers (disaster recovery, `--refill-from`).
 * Until it is done the region decides nothing: its pullers accept its own
 * origin log back from peers, writes are refused (503 `refilling`) and
 * `/health` answers 503, so the router sends traffic elsewhere. Done means:
 * every source has said what it holds, this geode holds all of it (its own
 * origin too, so its sequencer continues the chain where it stopped and never
 * reuses a seq), every origin's chain verifies, and every projection is current.
 *
 * Not refilling (no `--refill-from`): complete from the start.
 */
@Injectable()
export class RegionRefill implements OnModuleDestroy {
  private readonly logger = new Logger('Refill');
  private readonly sources: string[];
  private readonly targets: Record<string, VersionVector> = {};
  private progress: RefillProgress;
  private stopped = false;
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private wake?: () => void;

  constructor(
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_PLATFORM) private readonly projections: ProjectionPlatform,
    @Inject(getDataSourceToken()) private readonly dataSource: DataSource,
    private readonly lag: LagTracker,
  ) {
    this.sources = config.replication.refillFrom;
    this.progress = {
      phase: this.sources.length ? 'waiting-for-peers' : 'done',
      sources: this.sources,
      targets: this.targets,
      held: {},
      remaining: 0,
      error: null,
    };
  }

  /** Local writes may be served (and the region's own log grows only through its sequencer). */
  get complete(): boolean {
    return this.progress.phase === 'done';
  }

  /** While refilling, this region's own origin log comes back from its peers. */
  get acceptsOwnOrigin(): boolean {
    return !this.complete;
  }

  status(): RefillProgress {
    return {
      ...this.progress,
      targets: { ...this.targets },
      held: { ...this.progress.held },
    };
  }

  /**
   * Starts the refill (before the pullers start). A database where this region
   * has decided events was refilled already, or never lost: its own log grows
   * through its sequencer and must not be taken from peers, so the flag has
   * nothing to do. That keeps a restart with the flag still set (a supervisor,
   * an unchanged deployment) an ordinary start.
   */
  async begin(): Promise<void> {
    if (this.complete) return;
    const [{ decided }] = await this.dataSource.query<{ decided: boolean }[]>(
      'SELECT EXISTS (SELECT 1 FROM geode_events WHERE is_local) AS decided',
    );
    if (decided) {
      this.progress.phase = 'done';
      this.logger.warn(
        `--refill-from ignored: ${this.config.region} has decided events on this database (refilled already, or never lost)`,
      );
      return;
    }
    this.logger.log({ sources: this.sources }, 'refilling this region from its peers');
    this.running = this.run();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.running;
  }

  private async run(): Promise<void> {
    while (!this.stopped && !this.complete && this.progress.phase !== 'failed') {
      try {
        await this.step();
      } catch (error) {
        // A database hiccup: look again; the refill's state is all in the database.
        this.logger.warn({ detail: (error as Error).message }, 'refill step failed; retrying');
      }
      if (!this.complete) await this.pause(LOOK_EVERY_MS);
    }
  }

  private async step(): Promise<void> {
    const held = await this.store.knowledge();
    this.lag.observeLocal(held);
    this.progress.held = held;
    // Every peer heard from counts (not only the sources): any of them may hold more of our own log.
    for (const peer of this.config.replication.peers) {
      const vector = this.lag.peerVector(peer.region);
      if (vector && !this.targets[peer.region]) this.targets[peer.region] = vector;
    }
    this.progress.remaining = remainingEntries(mergedTarget(this.targets), held);
    switch (this.progress.phase) {
      case 'waiting-for-peers':
      case 'pulling':
        if (pullComplete(this.sources, this.targets, held)) {
          this.progress.phase = 'verifying';
        } else {
          this.progress.phase = this.sources.every((source) => this.targets[source])
            ? 'pulling'
            : 'waiting-for-peers';
        }
        return;
      case 'verifying':
        return this.verify(held);
      case 'projections': {
        const projections = await this.projections.list();
        if (projections.every((projection) => projection.lag.events === 0)) {
          this.progress.phase = 'done';
          this.logger.log({ held }, 'refill complete: this region serves writes again');
        }
        return;
      }
      default:
        return;
    }
  }

  /** Every origin's chain, from its genesis: a refilled region trusts nothing it was sent. */
  private async verify(held: VersionVector): Promise<void> {
    for (const origin of Object.keys(held).sort()) {
      const result = await this.store.verifyChain(origin);
      if (result.firstBroken) {
        this.progress.phase = 'failed';
        this.progress.error = `${origin} chain broken at seq ${result.firstBroken.seq}: ${result.firstBroken.reason}`;
        this.logger.error(
          { origin, ...result.firstBroken },
          'refill failed: a chain does not verify',
        );
        return;
      }
    }
    this.progress.phase = 'projections';
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.wake = () => {
        clearTimeout(this.timer);
        resolve();
      };
      this.timer = setTimeout(this.wake, ms);
    });
  }
}
