import type { EntityManager } from 'typeorm';
import type { LogCheckpoint, LogFilter, StoredEvent } from '@geode/event-store';

/** A read model fed from the local log. One projection owns one PostgreSQL schema. */
export interface Projection {
  /** Stable name, e.g. 'ledger'; keys its checkpoint row, lease and metrics. */
  readonly name: string;
  /** Bumped when tables or logic change; a rebuild records the version it built. */
  readonly version: number;
  /** The events it handles (event store filter: categories / type prefixes). */
  readonly filter: LogFilter;
  /** The live schema the projection owns exclusively, e.g. 'ledger_read'. */
  readonly schema: string;
  /**
   * Creates its tables (and indexes) in ctx.schema. Called for the live schema when it
   * does not exist yet and for every rebuild's shadow schema.
   */
  createTables(ctx: ProjectionSchemaContext): Promise<void>;
  /**
   * Applies a batch, in log order, inside the runner's transaction. Must be idempotent per
   * event id only as far as the runner guarantees (it never applies an event twice).
   */
  apply(events: readonly StoredEvent[], ctx: ProjectionContext): Promise<void>;
}

export interface ProjectionSchemaContext {
  /** Inside a transaction. */
  manager: EntityManager;
  /** Target schema (live or shadow). */
  schema: string;
  /** Quoted, schema-qualified identifier: "ledger_read"."accounts". */
  table(name: string): string;
}

export interface ProjectionContext extends ProjectionSchemaContext {
  /** Replay triggers no side effects beyond the read model. */
  mode: 'live' | 'rebuild';
}

/** DI token: the projections this geode runs (an array, provided once). */
export const PROJECTIONS = Symbol('PROJECTIONS');

/** Reading progress, for session-token waits and health. */
export interface ProjectionProgress {
  /**
   * Resolves true once `name` has applied everything up to and including `target`
   * (compared in log order: txId, then position), false after `timeoutMs`. Pushed, not
   * polled: waiters wake when a batch commits.
   */
  waitUntilApplied(name: string, target: LogCheckpoint, timeoutMs: number): Promise<boolean>;
  checkpoint(name: string): Promise<LogCheckpoint>;
}

export const PROJECTION_PROGRESS = Symbol('PROJECTION_PROGRESS');
