import {
  DynamicModule,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import { CLOCK, HybridLogicalClock, systemWallClock } from '@geode/clock';
import { METRICS_REGISTRY } from '@geode/observability';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EVENT_STORE } from './event-store.port';
import { PostgresEventStore } from './postgres/postgres-event-store';
import { createSequencerRunner, SequencerRunner } from './postgres/sequencer-thread';

export interface EventStoreModuleOptions {
  url: string;
  region: string;
  /** Largest event (JSON data + metadata), bytes; default 1 MiB. */
  maxEventBytes?: number;
  /** Run this region's sequencer in this process (it takes the lease when free); default true. */
  sequencer?: boolean;
}

const OPTIONS = Symbol('EVENT_STORE_OPTIONS');
const SEQUENCER = Symbol('SEQUENCER');

/** Starts the sequencer once the app is up and stops store and sequencer on shutdown. */
@Injectable()
class EventStoreLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(EVENT_STORE) private readonly store: PostgresEventStore,
    @Inject(SEQUENCER) private readonly sequencer: SequencerRunner | null,
  ) {}

  onApplicationBootstrap(): void {
    this.sequencer?.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.sequencer?.stop();
    await this.store.close();
  }
}

/** The geode's event store (PostgreSQL), its hybrid logical clock and its sequencer. */
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    return {
      module: EventStoreModule,
      global: true,
      providers: [
        { provide: OPTIONS, useValue: options },
        { provide: CLOCK, useFactory: () => new HybridLogicalClock(systemWallClock) },
        {
          provide: EVENT_STORE,
          inject: [CLOCK],
          useFactory: (clock: HybridLogicalClock) =>
            PostgresEventStore.create({
              url: options.url,
              region: options.region,
              clock,
              maxEventBytes: options.maxEventBytes,
            }),
        },
        {
          provide: SEQUENCER,
          inject: [{ token: METRICS_REGISTRY, optional: true }],
          useFactory: (registry?: Registry) =>
            options.sequencer === false ? null : createSequencer(options, registry),
        },
        EventStoreLifecycle,
      ],
      exports: [EVENT_STORE, CLOCK],
    };
  }
}

function createSequencer(options: EventStoreModuleOptions, registry?: Registry): SequencerRunner {
  const logger = new Logger('Sequencer');
  const registers = registry ? [registry] : [];
  const lag = new Histogram({
    name: 'geode_sequencer_stamp_lag_seconds',
    help: 'From an append to its origin stamp (seq and chain hash)',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    registers,
  });
  const stamped = new Counter({
    name: 'geode_sequencer_stamped_total',
    help: 'Events stamped by this process',
    registers,
  });
  const leader = new Gauge({
    name: 'geode_sequencer_leader',
    help: '1 while this process holds the sequencer lease',
    registers,
  });
  return createSequencerRunner({
    url: options.url,
    region: options.region,
    log: { info: (m) => logger.log(m), warn: (m) => logger.warn(m) },
    onBatch: (batch) => {
      stamped.inc(batch.stamped);
      for (const ms of batch.lagsMs) lag.observe(ms / 1000);
    },
    onLeadership: (isLeader) => leader.set(isLeader ? 1 : 0),
  });
}
