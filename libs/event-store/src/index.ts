export * from './canonical';
export * from './errors';
export * from './event-envelope';
export * from './event-store.module';
export * from './event-store.port';
export { MAX_EVENTS_PER_APPEND } from './validation';
export { eventStoreMigrations } from './postgres/migrations';
export {
  PostgresEventStore,
  type PostgresEventStoreOptions,
  STREAM_DELETED_TYPE,
} from './postgres/postgres-event-store';
export { Sequencer, type SequencerOptions, type StampedBatch } from './postgres/sequencer';
export { createSequencerRunner, type SequencerRunner } from './postgres/sequencer-thread';
