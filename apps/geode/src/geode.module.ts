import { DynamicModule, Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { DatabaseModule } from '@geode/database';
import { EventStoreModule } from '@geode/event-store';
import { LoggingModule, MetricsModule } from '@geode/observability';
import { PeerAuthModule } from '@geode/peer-auth';
import { OperatorAuthModule } from '@geode/operator-auth';
import { Logger } from 'pino';
import { GeodeConfig } from './config/geode-config';
import { GEODE_CONFIG } from './config/geode-config.provider';
import { geodeMigrations } from './geode-migrations';
import { AccountsModule } from './accounts/accounts.module';
import { AuditModule } from './audit/audit.module';
import { IdempotencyModule } from './http';
import { HealthController } from './health/health.controller';
import { ProjectionLagProbe } from './health/projection-lag.probe';
import { wallClockProvider } from './clock/wall-clock.provider';
import { ProjectionsModule } from './projections/projections.module';
import { ReplicationModule } from './replication/replication.module';
import { ReadModelsModule } from './read-models/read-models.module';

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
        ProjectionsModule.forRoot({ url: databaseUrl }),
        TerminusModule,
        AccountsModule,
        IdempotencyModule.forRoot(),
        PeerAuthModule.forRoot({ region: config.region, config: config.peerAuth }),
        OperatorAuthModule.forRoot(config.operatorAuth),
        ReplicationModule.forRoot({ config, databaseUrl }),
        ReadModelsModule.forRoot({ sessionWait: { timeoutMs: config.sessionWaitMs } }),
        AuditModule,
      ],
      controllers: [HealthController],
      providers: [
        { provide: GEODE_CONFIG, useValue: config },
        wallClockProvider,
        ProjectionLagProbe,
      ],
      exports: [GEODE_CONFIG],
      global: true,
    };
  }
}
