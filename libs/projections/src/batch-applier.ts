import type { QueryRunner } from 'typeorm';
import type { LogCheckpoint, LogEntry } from '@geode/event-store';
import type { Projection, ProjectionContext } from './projection';
import { qualified } from './schema-names';

/** What a runner does when `apply` throws on an event. */
export type OnApplyError = 'dead-letter' | 'stop';

/** How one kind of batch (live or rebuild) moves its checkpoint, in the batch's transaction. */
export interface CheckpointMove {
  /**
   * Compare-and-set from the checkpoint the runner last committed to `to`. Runs first in the
   * transaction, so it also locks the checkpoint row: a second runner waits here and then
   * finds the checkpoint moved. False when another writer moved it. With `announce`, the
   * same statement also tells waiters (a notification delivered at commit).
   */
  claim(
    runner: QueryRunner,
    to: LogCheckpoint,
    events: number,
    announce: boolean,
  ): Promise<boolean>;
  /** Tells waiters how far a batch with failures got (its claim did not announce). */
  announce?(runner: QueryRunner, reached: LogCheckpoint): Promise<void>;
  /**
   * Stop mode, after a claim: the checkpoint goes back to just before the failing event
   * (`to`; `null` when that is where the batch started).
   */
  stopBefore(
    runner: QueryRunner,
    to: LogCheckpoint | null,
    applied: number,
    error: string,
  ): Promise<void>;
}

export interface FailedEvent {
  entry: LogEntry;
  error: string;
  stack: string | null;
}

export type BatchOutcome =
  | { kind: 'applied'; applied: number; deadLettered: FailedEvent[] }
  /** Another writer moved the checkpoint: nothing was written. */
  | { kind: 'lost' }
  /** Stop mode: the events before `failed` were applied; the checkpoint stands before it. */
  | { kind: 'stopped'; applied: number; failed: FailedEvent };

export interface BatchApplyOptions {
  projection: Projection;
  schema: string;
  mode: 'live' | 'rebuild';
  onError: OnApplyError;
  move: CheckpointMove;
}

/**
 * SQLSTATE classes that say "the database, not this event": connection loss (08),
 * deadlock and serialization (40), resources (53), operator action (57), system (58).
 * Those are retried from the checkpoint, never dead-lettered.
 */
const TRANSIENT_CLASSES = new Set(['08', '40', '53', '57', '58']);

export function isTransientDatabaseError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && TRANSIENT_CLASSES.has(code.slice(0, 2));
}

export function projectionContext(
  runner: QueryRunner,
  schema: string,
  mode: 'live' | 'rebuild',
): ProjectionContext {
  return { manager: runner.manager, schema, mode, table: (name) => qualified(schema, name) };
}

/**
 * One transaction per batch: claim the checkpoint (and announce it), apply the events,
 * commit: three round trips besides the projection's own. When `apply` throws, that
 * transaction is rolled back and the batch runs again in a new one, one event at a time
 * (each under a savepoint) to find the failing events, which are parked as dead letters in
 * the same transaction (or, in stop mode, the batch ends before the first).
 */
export async function applyBatch(
  runner: QueryRunner,
  entries: readonly LogEntry[],
  options: BatchApplyOptions,
): Promise<BatchOutcome> {
  const ctx = projectionContext(runner, options.schema, options.mode);
  const last = entries[entries.length - 1].checkpoint;
  await runner.startTransaction();
  try {
    if (!(await options.move.claim(runner, last, entries.length, true))) {
      await runner.rollbackTransaction();
      return { kind: 'lost' };
    }
    await options.projection.apply(
      entries.map((entry) => entry.event),
      ctx,
    );
    await runner.commitTransaction();
    return { kind: 'applied', applied: entries.length, deadLettered: [] };
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    if (isTransientDatabaseError(error) || runner.isReleased) throw error;
  }
  // `apply` threw on something in this batch: find what, event by event.
  await runner.startTransaction();
  try {
    if (!(await options.move.claim(runner, last, entries.length, false))) {
      await runner.rollbackTransaction();
      return { kind: 'lost' };
    }
    const outcome = await applyOneByOne(runner, entries, options, ctx);
    const reached = reachedBy(outcome, entries);
    if (reached) await options.move.announce?.(runner, reached);
    await runner.commitTransaction();
    return outcome;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  }
}

/** Where the checkpoint stands after a batch: its end, or before the event it stopped on. */
function reachedBy(outcome: BatchOutcome, entries: readonly LogEntry[]): LogCheckpoint | null {
  if (outcome.kind !== 'stopped') return entries[entries.length - 1].checkpoint;
  const index = entries.indexOf(outcome.failed.entry);
  return index > 0 ? entries[index - 1].checkpoint : null;
}

async function applyOneByOne(
  runner: QueryRunner,
  entries: readonly LogEntry[],
  options: BatchApplyOptions,
  ctx: ProjectionContext,
): Promise<BatchOutcome> {
  const deadLettered: FailedEvent[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    await runner.query('SAVEPOINT geode_event');
    try {
      await options.projection.apply([entry.event], ctx);
      await runner.query('RELEASE SAVEPOINT geode_event');
      continue;
    } catch (error) {
      if (isTransientDatabaseError(error)) throw error;
      await runner.query('ROLLBACK TO SAVEPOINT geode_event');
      const failed = describeFailure(entry, error);
      if (options.onError === 'stop') {
        const before = i === 0 ? null : entries[i - 1].checkpoint;
        await options.move.stopBefore(runner, before, i - deadLettered.length, failed.error);
        return { kind: 'stopped', applied: i - deadLettered.length, failed };
      }
      await parkDeadLetter(runner, options, failed);
      deadLettered.push(failed);
    }
  }
  return { kind: 'applied', applied: entries.length - deadLettered.length, deadLettered };
}

function describeFailure(entry: LogEntry, error: unknown): FailedEvent {
  const message = error instanceof Error ? error.message : String(error);
  const stack = error instanceof Error ? (error.stack ?? null) : null;
  return { entry, error: message.slice(0, 4_000) || 'error without a message', stack };
}

async function parkDeadLetter(
  runner: QueryRunner,
  options: BatchApplyOptions,
  failed: FailedEvent,
): Promise<void> {
  const { event, checkpoint } = failed.entry;
  await runner.query(
    `INSERT INTO geode_projection_dead_letters
       (projection, event_id, tx_id, position, stream_id, event_type, mode, error, stack)
     VALUES ($1, $2, $3::xid8, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (projection, event_id) DO UPDATE SET
       tx_id = EXCLUDED.tx_id, position = EXCLUDED.position, mode = EXCLUDED.mode,
       error = EXCLUDED.error, stack = EXCLUDED.stack, at = now()`,
    [
      options.projection.name,
      event.eventId,
      checkpoint.txId,
      checkpoint.position,
      event.streamId,
      event.type,
      options.mode,
      failed.error,
      failed.stack?.slice(0, 16_000) ?? null,
    ],
  );
}
