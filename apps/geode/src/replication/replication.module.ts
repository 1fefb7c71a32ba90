import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { systemWallClock } from '@geode/clock';
import { METRICS_REGISTRY } from '@geode/observability';
import { ChangeSignal, LagTracker, ReplicationMetrics } from '@geode/replication';
import type { Registry } from 'prom-client';
import { WALL_CLOCK, wallClockProvider } from '../clock/wall-clock.provider';
import type { GeodeConfig } from '../config/geode-config';
import { PeerAcknowledgements } from './peer-acknowledgements';
import { REPLICATION_DATABASE_URL, ReplicationLinks } from './replication-links';
import { ReplicationController } from './replication.controller';
import { RefillGuard } from './refill.guard';
import { RegionRefill } from './region-refill';
import { replicationStoreProvider } from './replication-store';
import { SyncWriteInterceptor } from './sync-write.interceptor';
import { SyncWrites } from './sync-writes';

export interface ReplicationModuleOptions {
  config: GeodeConfig;
  databaseUrl: string;
}

/**
 * Replication between geodes: the feed this geode serves, and one puller per
 * peer. Needs `PeerAuthModule` (its guard protects the feed; its
 * `PEER_CLIENT_AUTH` signs the pullers' requests).
 */
@Module({})
export class ReplicationModule {
  static forRoot({ config, databaseUrl }: ReplicationModuleOptions): DynamicModule {
    return {
      module: ReplicationModule,
      controllers: [ReplicationController],
      providers: [
        wallClockProvider,
        { provide: REPLICATION_DATABASE_URL, useValue: databaseUrl },
        replicationStoreProvider(config, databaseUrl),
        {
          provide: LagTracker,
          inject: [WALL_CLOCK],
          useFactory: (clock: typeof systemWallClock) => new LagTracker(clock),
        },
        {
          provide: ReplicationMetrics,
          inject: [{ token: METRICS_REGISTRY, optional: true }, LagTracker],
          useFactory: (registry: Registry | undefined, lag: LagTracker) =>
            new ReplicationMetrics(registry, lag),
        },
        {
          provide: ChangeSignal,
          useFactory: () => {
            const logger = new Logger('Replication');
            return new ChangeSignal(databaseUrl, { warn: (message) => logger.warn(message) });
          },
        },
        PeerAcknowledgements,
        RegionRefill,
        RefillGuard,
        { provide: APP_GUARD, useExisting: RefillGuard },
        SyncWrites,
        SyncWriteInterceptor,
        { provide: APP_INTERCEPTOR, useExisting: SyncWriteInterceptor },
        ReplicationLinks,
      ],
      // Read by health (lag signals for the router) and the merge fence (peers' acknowledgements).
      exports: [LagTracker, PeerAcknowledgements],
      global: true,
    };
  }
}
