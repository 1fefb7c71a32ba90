export * from './projection';
export { compareCheckpoints, isLogCheckpoint } from './log-order';
export { ProjectionError, type ProjectionErrorCode } from './projection-errors';
export { type ProjectionLog, silentProjectionLog } from './projection-log';
export type { DeadLetter, ProjectionStatus, RebuildPhase } from './projection-rows';
export type { OnApplyError } from './batch-applier';
export type { PendingEvents } from './projection-repository';
export {
  DEFAULT_REBUILD_BATCH_SIZE,
  ProjectionPlatform,
  type ProjectionInfo,
  type ProjectionPlatformOptions,
  type RebuildProgress,
  type ResetTarget,
} from './projection-platform';
export { projectionMigrations } from './migrations';
