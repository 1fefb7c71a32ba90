import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  ModuleMetadata,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { METRICS_REGISTRY } from '@geode/observability';
import {
  PROJECTION_PROGRESS,
  PROJECTIONS,
  ProjectionLog,
  ProjectionPlatform,
  type OnApplyError,
  type Projection,
} from '@geode/projections';
import { PROJECTION_PLATFORM } from './projection-platform.token';
import { ProjectionsAdminController } from './projections-admin.controller';

export interface ProjectionsModuleOptions {
  /** The geode's database URL (the platform listens for progress on it). */
  url: string;
  /** Modules that provide `PROJECTIONS` when it is not provided globally. */
  imports?: ModuleMetadata['imports'];
  onError?: OnApplyError;
  batchSize?: number;
}

/** Starts the runners once the app is up; stops them before the store and pool close. */
@Injectable()
class ProjectionsLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(@Inject(PROJECTION_PLATFORM) private readonly platform: ProjectionPlatform) {}

  onApplicationBootstrap(): void {
    this.platform.startRunners();
  }

  async onModuleDestroy(): Promise<void> {
    await this.platform.stop();
  }
}

function nestLog(): ProjectionLog {
  const logger = new Logger('Projections');
  return {
    info: (fields, message) => logger.log({ ...fields, msg: message }),
    warn: (fields, message) => logger.warn({ ...fields, msg: message }),
    error: (fields, message) => logger.error({ ...fields, msg: message }),
  };
}

/**
 * The projection platform in a geode: runs the projections provided under `PROJECTIONS`
 * (an array; none is fine), offers `PROJECTION_PROGRESS` for session waits, and the admin
 * API under `/admin/v1/projections`.
 */
@Module({})
export class ProjectionsModule {
  static forRoot(options: ProjectionsModuleOptions): DynamicModule {
    return {
      module: ProjectionsModule,
      global: true,
      imports: options.imports ?? [],
      controllers: [ProjectionsAdminController],
      providers: [
        {
          provide: PROJECTION_PLATFORM,
          inject: [
            getDataSourceToken(),
            EVENT_STORE,
            { token: PROJECTIONS, optional: true },
            { token: METRICS_REGISTRY, optional: true },
          ],
          useFactory: (
            dataSource: DataSource,
            store: EventStore,
            projections: readonly Projection[] | undefined,
            registry: Registry | undefined,
          ) =>
            ProjectionPlatform.open({
              dataSource,
              url: options.url,
              store,
              projections: projections ?? [],
              registry,
              log: nestLog(),
              onError: options.onError,
              batchSize: options.batchSize,
            }),
        },
        { provide: PROJECTION_PROGRESS, useExisting: PROJECTION_PLATFORM },
        ProjectionsLifecycle,
      ],
      exports: [PROJECTION_PLATFORM, PROJECTION_PROGRESS],
    };
  }
}
