import { Inject, Injectable } from '@nestjs/common';
import type { WallClock } from '@geode/clock';
import type { ProjectionPlatform } from '@geode/projections';
import { WALL_CLOCK } from '../clock/wall-clock.provider';
import { PROJECTION_PLATFORM } from '../projections/projection-platform.token';
import { projectionLagMs } from './lag-signals';

/** How long one reading serves: the router polls every geode often, the figures cost several queries. */
const READING_TTL_MS = 1_000;

/**
 * Projection lag for `/health`, read at most once per second (concurrent
 * checks share one reading), so health polling cannot load the database.
 */
@Injectable()
export class ProjectionLagProbe {
  private reading: { at: number; value: Promise<number> } | undefined;

  constructor(
    @Inject(PROJECTION_PLATFORM) private readonly platform: ProjectionPlatform,
    @Inject(WALL_CLOCK) private readonly clock: WallClock,
  ) {}

  lagMs(): Promise<number> {
    const now = this.clock.nowMs();
    if (!this.reading || now - this.reading.at >= READING_TTL_MS) {
      const value = this.platform.list().then(projectionLagMs);
      // A failed reading is not kept: the next check tries again.
      value.catch(() => {
        if (this.reading?.value === value) this.reading = undefined;
      });
      this.reading = { at: now, value };
    }
    return this.reading.value;
  }
}
