import { Controller, Get, Inject, Optional } from '@nestjs/common';
import {
  HealthCheck,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { LagTracker } from '@geode/replication';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { replicationLagMs } from './lag-signals';
import { ProjectionLagProbe } from './projection-lag.probe';

/** A lag reading slower than this is reported as unknown rather than holding the answer up. */
const LAG_READ_TIMEOUT_MS = 1_000;

/**
 * `GET /health`: 200 when this geode can serve (its database answers), 503
 * otherwise. The router reads it; `region` says which geode answered.
 *
 * Two more indicators carry the router's ranking signals (ADR 0011):
 * `details.replication.lagMs` (how long this geode has been behind the
 * best-informed peer, worst origin) and `details.projections.lagMs` (age of
 * the oldest event a projection has not applied). Both are always `up`: lag
 * ranks a geode lower, it never takes it out. `lagMs: null` = unknown.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly projectionLag: ProjectionLagProbe,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Optional() private readonly lagTracker?: LagTracker,
  ) {}

  @Get()
  @HealthCheck()
  async check() {
    const result = await this.health.check([
      () => this.database.pingCheck('database').withTimeout(1_500),
      () => this.replicationIndicator(),
      () => this.projectionsIndicator(),
    ]);
    return { ...result, region: this.config.region };
  }

  private replicationIndicator() {
    const indicator = this.indicators.check('replication');
    if (!this.lagTracker) return indicator.up({ lagMs: null, error: 'replication is not running' });
    const lag = this.lagTracker.lag();
    return indicator.up({
      lagMs: replicationLagMs(lag, this.config.region),
      behindOn: Object.keys(lag).filter(
        (origin) => origin !== this.config.region && lag[origin].events > 0,
      ),
    });
  }

  private async projectionsIndicator() {
    const indicator = this.indicators.check('projections');
    try {
      return indicator.up({
        lagMs: await withTimeout(this.projectionLag.lagMs(), LAG_READ_TIMEOUT_MS),
      });
    } catch (error) {
      return indicator.up({ lagMs: null, error: (error as Error).message });
    }
  }
}

function withTimeout<T>(value: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no reading within ${ms} ms`)), ms);
  });
  return Promise.race([value, timeout]).finally(() => clearTimeout(timer));
}
