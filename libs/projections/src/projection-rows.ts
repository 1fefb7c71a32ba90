import type { LogCheckpoint } from '@geode/event-store';

export type ProjectionStatus = 'running' | 'failed';
export type RebuildPhase = 'requested' | 'replaying' | 'swapping' | 'done' | 'failed';
export const ACTIVE_REBUILD_PHASES: readonly RebuildPhase[] = [
  'requested',
  'replaying',
  'swapping',
];

/** A row of `geode_projections`. */
export interface ProjectionRow {
  name: string;
  leaseId: number;
  version: number;
  schema: string;
  checkpoint: LogCheckpoint;
  status: ProjectionStatus;
  lastError: string | null;
  generation: number;
  updatedAt: Date;
}

/** A row of `geode_projection_rebuilds`. */
export interface RebuildRow {
  projection: string;
  id: string;
  version: number;
  phase: RebuildPhase;
  shadowSchema: string;
  checkpoint: LogCheckpoint;
  done: number;
  total: number;
  error: string | null;
  requestedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface DeadLetter {
  eventId: string;
  checkpoint: LogCheckpoint;
  streamId: string;
  type: string;
  mode: 'live' | 'rebuild';
  error: string;
  stack: string | null;
  at: Date;
}

export const PROJECTION_COLUMNS = `name, lease_id, version, schema_name, tx_id::text AS tx_id, position,
  status, last_error, generation, updated_at`;

export interface RawProjectionRow {
  name: string;
  lease_id: number;
  version: number;
  schema_name: string;
  tx_id: string;
  position: string;
  status: ProjectionStatus;
  last_error: string | null;
  generation: number;
  updated_at: Date;
}

export function toProjectionRow(raw: RawProjectionRow): ProjectionRow {
  return {
    name: raw.name,
    leaseId: raw.lease_id,
    version: raw.version,
    schema: raw.schema_name,
    checkpoint: { txId: raw.tx_id, position: Number(raw.position) },
    status: raw.status,
    lastError: raw.last_error,
    generation: raw.generation,
    updatedAt: raw.updated_at,
  };
}

export const REBUILD_COLUMNS = `projection, id, version, phase, shadow_schema, tx_id::text AS tx_id,
  position, done, total, error, requested_at, started_at, finished_at`;

export interface RawRebuildRow {
  projection: string;
  id: string;
  version: number;
  phase: RebuildPhase;
  shadow_schema: string;
  tx_id: string;
  position: string;
  done: string;
  total: string;
  error: string | null;
  requested_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
}

export function toRebuildRow(raw: RawRebuildRow): RebuildRow {
  return {
    projection: raw.projection,
    id: raw.id,
    version: raw.version,
    phase: raw.phase,
    shadowSchema: raw.shadow_schema,
    checkpoint: { txId: raw.tx_id, position: Number(raw.position) },
    done: Number(raw.done),
    total: Number(raw.total),
    error: raw.error,
    requestedAt: raw.requested_at,
    startedAt: raw.started_at,
    finishedAt: raw.finished_at,
  };
}
