import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';

/**
 * `GET /health`: 200 when this geode can serve (its database answers), 503
 * otherwise. The router reads it; `region` says which geode answered.
 */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
  ) {}

  @Get()
  @HealthCheck()
  async check() {
    const result = await this.health.check([
      () => this.database.pingCheck('database').withTimeout(1_500),
    ]);
    return { ...result, region: this.config.region };
  }
}
