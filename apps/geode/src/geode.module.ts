import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '@geode/database';
import { EventStoreModule } from '@geode/event-store';
import { LoggingModule, MetricsModule } from '@geode/observability';
import { Logger } from 'pino';
import { GeodeConfig } from './config/geode-config';
import { GEODE_CONFIG } from './config/geode-config.provider';
import { geodeMigrations } from './geode-migrations';
import { AccountsModule } from './accounts/accounts.module';
import { IdempotencyModule } from './http';
import { HealthController } from './health/health.controller';

export interface GeodeModuleOptions {
  config: GeodeConfig;
  /** URL of the database opened (and checked) before the app was built. */
  databaseUrl: string;
  logger: Logger;
}

/** One region's service. Configuration is validated before this module is built. */
@Module({})
export class GeodeModule {
  static forRoot({ config, databaseUrl, logger }: GeodeModuleOptions): DynamicModule {
    return {
      module: GeodeModule,
      imports: [
        // Validated once by loadGeodeConfig; ConfigService('geode') serves modules that expect @nestjs/config.
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => ({ geode: config })],
        }),
        LoggingModule.forRoot(logger),
        MetricsModule.forRoot({ region: config.region }),
        DatabaseModule.forRoot({
          url: databaseUrl,
          migrations: geodeMigrations,
          applicationName: `geode-${config.region}`,
        }),
        EventStoreModule.forRoot({ url: databaseUrl, region: config.region }),
        TerminusModule,
        AccountsModule,
        IdempotencyModule.forRoot(),
      ],
      controllers: [HealthController],
      providers: [{ provide: GEODE_CONFIG, useValue: config }],
      exports: [GEODE_CONFIG],
      global: true,
    };
  }
}
