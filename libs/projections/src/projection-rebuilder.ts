import { randomUUID } from 'node:crypto';
import type { DataSource, QueryRunner } from 'typeorm';
import type { WallClock } from '@geode/clock';
import type { EventStore, LogCheckpoint, LogEntry } from '@geode/event-store';
import { applyBatch, CheckpointMove, OnApplyError } from './batch-applier';
import { compareCheckpoints } from './log-order';
import type { Projection } from './projection';
import { ProjectionError } from './projection-errors';
import type { ProjectionLog } from './projection-log';
import type { ProjectionMetrics } from './projection-metrics';
import {
  pendingEvents,
  readProjection,
  readRebuild,
  schemaExists,
  type Sql,
} from './projection-repository';
import { ACTIVE_REBUILD_PHASES, RebuildRow } from './projection-rows';
import { movedMessage, PROGRESS_CHANNEL, rebuildRequestedMessage } from './progress-tracker';
import type { ProgressTracker } from './progress-tracker';
import { qualified, quoteSchema, retiredSchemaOf, shadowSchemaOf } from './schema-names';

/** The rebuild this process was running was taken over or replaced: it stops quietly. */
export class RebuildSuperseded extends Error {
  override readonly name = 'RebuildSuperseded';
}

export interface RebuildDependencies {
  dataSource: DataSource;
  store: EventStore;
  projection: Projection;
  batchSize: number;
  onError: OnApplyError;
  log: ProjectionLog;
  metrics: ProjectionMetrics;
  progress: ProgressTracker;
  clock: WallClock;
  /** False once this process lost the projection's lease. */
  isLeading(): boolean;
}

const RECOUNT_MS = 5_000;
const SWAP_LOCK_TIMEOUT = '30s';
const DROP_LOCK_TIMEOUT = '5s';

/**
 * Records a rebuild request (any process may take it); the projection's leader runs it.
 * Refused while another rebuild of the projection is active.
 */
export async function requestRebuild(sql: Sql, projection: Projection): Promise<RebuildRow> {
  const id = randomUUID();
  const shadow = shadowSchemaOf(projection.schema);
  const claimed = (await sql.query(
    `INSERT INTO geode_projection_rebuilds AS r (projection, id, version, phase, shadow_schema)
     VALUES ($1, $2, $3, 'requested', $4)
     ON CONFLICT (projection) DO UPDATE SET
       id = EXCLUDED.id, version = EXCLUDED.version, phase = 'requested',
       shadow_schema = EXCLUDED.shadow_schema, tx_id = '0', position = 0, done = 0, total = 0,
       error = NULL, requested_at = now(), started_at = NULL, finished_at = NULL
     WHERE r.phase <> ALL ($5::text[])
     RETURNING r.id`,
    [projection.name, id, projection.version, shadow, ACTIVE_REBUILD_PHASES],
  )) as unknown[];
  if (claimed.length === 0)
    throw new ProjectionError(
      'rebuild-running',
      `a rebuild of projection "${projection.name}" is already running`,
    );
  await sql.query('SELECT pg_notify($1, $2)', [
    PROGRESS_CHANNEL,
    rebuildRequestedMessage(projection.name),
  ]);
  const row = await readRebuild(sql, projection.name);
  if (!row) throw new Error(`rebuild of ${projection.name} vanished after its request`);
  return row;
}

/**
 * Rebuilds a projection beside its live tables: replays the log from the start into a
 * shadow schema (mode `rebuild`, big batches, its own checkpoint moved with the shadow
 * tables, so a new leader resumes where this one stopped), then swaps in one transaction
 * that holds the projection's row: the live runner waits at its checkpoint claim while the
 * tail is applied and the schemas are renamed, then finds its checkpoint moved and follows
 * on from the new one. Readers never wait: renaming a schema takes no lock on its tables.
 */
export class ProjectionRebuilder {
  constructor(private readonly deps: RebuildDependencies) {}

  async run(request: RebuildRow): Promise<void> {
    const { dataSource, projection, log } = this.deps;
    const runner = dataSource.createQueryRunner('master');
    await runner.connect();
    try {
      let rebuild = request;
      if (rebuild.phase === 'requested') rebuild = await this.prepare(runner, rebuild);
      log.info(
        { projection: projection.name, rebuild: rebuild.id, from: rebuild.checkpoint },
        'projection rebuild replaying',
      );
      const caughtUp = await this.replay(runner, rebuild);
      const swappedAt = await this.swap(runner, rebuild, caughtUp);
      log.info(
        { projection: projection.name, rebuild: rebuild.id, checkpoint: swappedAt },
        'projection rebuild swapped in',
      );
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /** Marks the rebuild failed (it stays visible, a new one may be requested) and drops its shadow. */
  async fail(id: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? error.message : String(error);
    const failed = await this.deps.dataSource.query<[{ shadow_schema: string }[], number]>(
      `UPDATE geode_projection_rebuilds SET phase = 'failed', error = $3, finished_at = now()
        WHERE projection = $1 AND id = $2 AND phase <> ALL ($4::text[])
        RETURNING shadow_schema`,
      [this.deps.projection.name, id, message.slice(0, 4_000), ['done', 'failed']],
    );
    const shadow = failed[0]?.[0]?.shadow_schema;
    if (!shadow) return;
    const runner = this.deps.dataSource.createQueryRunner('master');
    try {
      await runner.connect();
      await dropRetiredSchema(runner, shadow, this.deps.log);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  private get shadowContext() {
    return (runner: QueryRunner, schema: string) => ({
      manager: runner.manager,
      schema,
      table: (name: string) => qualified(schema, name),
    });
  }

  private async prepare(runner: QueryRunner, rebuild: RebuildRow): Promise<RebuildRow> {
    const { projection } = this.deps;
    const shadow = rebuild.shadowSchema;
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL lock_timeout = '${SWAP_LOCK_TIMEOUT}'`);
      await runner.query(`DROP SCHEMA IF EXISTS ${quoteSchema(shadow)} CASCADE`);
      await runner.query(`CREATE SCHEMA ${quoteSchema(shadow)}`);
      await projection.createTables(this.shadowContext(runner, shadow));
      const { events: total } = await pendingEvents(runner, projection, {
        txId: '0',
        position: 0,
      });
      const moved = await runner.query(
        `UPDATE geode_projection_rebuilds
            SET phase = 'replaying', tx_id = '0', position = 0, done = 0, total = $3,
                started_at = now(), error = NULL
          WHERE projection = $1 AND id = $2 AND phase = 'requested'`,
        [projection.name, rebuild.id, total],
        true,
      );
      if (!moved.affected) throw new RebuildSuperseded('rebuild request replaced');
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    const prepared = await readRebuild(runner, projection.name);
    if (!prepared || prepared.id !== rebuild.id) throw new RebuildSuperseded('rebuild replaced');
    return prepared;
  }

  /** Replays into the shadow schema until a page comes back short: caught up. */
  private async replay(runner: QueryRunner, rebuild: RebuildRow): Promise<LogCheckpoint> {
    const { dataSource, store, projection, batchSize, clock, metrics } = this.deps;
    let checkpoint = rebuild.checkpoint;
    let total = rebuild.total;
    let done = rebuild.done;
    let lastCount = clock.nowMs();
    let counting = false;
    // The total is only for progress: counted on the pool beside the replay, never waited
    // for (a count over a big log takes a good share of a batch's time); a failed count
    // leaves the last one standing until the next.
    const recount = (base: number, after: LogCheckpoint) => {
      counting = true;
      void pendingEvents(dataSource, projection, after)
        .then(({ events }) => (total = base + events))
        .catch(() => undefined)
        .finally(() => (counting = false));
    };
    const read = (after: LogCheckpoint) => {
      const page = store.readAll({ after, limit: batchSize, filter: projection.filter });
      page.catch(() => undefined); // awaited below; never left unhandled while a batch runs
      return page;
    };
    let next = read(checkpoint);
    for (;;) {
      if (!this.deps.isLeading()) throw new RebuildSuperseded('lease lost');
      const page = await next;
      if (page.length === 0) return checkpoint;
      const full = page.length === batchSize;
      const pageEnd = page[page.length - 1].checkpoint;
      if (full) next = read(pageEnd);
      if (!counting && clock.nowMs() - lastCount >= RECOUNT_MS) {
        lastCount = clock.nowMs();
        recount(done + page.length, pageEnd);
      }
      const started = performance.now();
      await this.applyShadowBatch(runner, rebuild, page, checkpoint, total);
      metrics.batchDuration.observe(
        { projection: projection.name, mode: 'rebuild' },
        (performance.now() - started) / 1000,
      );
      metrics.events.inc({ projection: projection.name, mode: 'rebuild' }, page.length);
      checkpoint = pageEnd;
      done += page.length;
      if (!full) return checkpoint;
    }
  }

  private async applyShadowBatch(
    runner: QueryRunner,
    rebuild: RebuildRow,
    page: readonly LogEntry[],
    expected: LogCheckpoint,
    total: number,
  ): Promise<void> {
    const { projection, onError, metrics, log } = this.deps;
    const outcome = await applyBatch(runner, page, {
      projection,
      schema: rebuild.shadowSchema,
      mode: 'rebuild',
      onError,
      move: this.shadowCheckpoint(rebuild.id, expected, total),
    });
    if (outcome.kind === 'lost') throw new RebuildSuperseded('shadow checkpoint moved elsewhere');
    if (outcome.kind === 'stopped') {
      throw new Error(
        `rebuild stopped on event ${outcome.failed.entry.event.eventId}: ${outcome.failed.error}`,
      );
    }
    for (const failed of outcome.deadLettered) {
      metrics.deadLetters.inc({ projection: projection.name });
      log.error(
        {
          projection: projection.name,
          eventId: failed.entry.event.eventId,
          type: failed.entry.event.type,
          mode: 'rebuild',
          error: failed.error,
        },
        'projection dead-lettered an event',
      );
    }
  }

  private shadowCheckpoint(id: string, expected: LogCheckpoint, total: number): CheckpointMove {
    const name = this.deps.projection.name;
    return {
      claim: async (runner, to, events) => {
        const moved = await runner.query(
          `UPDATE geode_projection_rebuilds
              SET tx_id = $3::xid8, position = $4, done = done + $5, total = GREATEST($6, done + $5)
            WHERE projection = $1 AND id = $2 AND tx_id = $7::xid8 AND position = $8
              AND phase IN ('replaying', 'swapping')`,
          [name, id, to.txId, to.position, events, total, expected.txId, expected.position],
          true,
        );
        return (moved.affected ?? 0) > 0;
      },
      // The rebuild fails right after; its checkpoint stays before the failing event.
      stopBefore: async (runner, to) => {
        const back = to ?? expected;
        await runner.query(
          `UPDATE geode_projection_rebuilds SET tx_id = $3::xid8, position = $4
            WHERE projection = $1 AND id = $2`,
          [name, id, back.txId, back.position],
        );
      },
    };
  }

  /**
   * One transaction: hold the projection's row (the live runner waits at its claim), apply
   * what is left of the log, rename live → retired and shadow → live, move the live
   * checkpoint to the shadow's and record the version built. The retired tables are
   * dropped afterwards, once the queries still reading them have finished.
   */
  private async swap(
    runner: QueryRunner,
    rebuild: RebuildRow,
    caughtUp: LogCheckpoint,
  ): Promise<LogCheckpoint> {
    const { projection, store, batchSize, progress } = this.deps;
    await runner.query(
      `UPDATE geode_projection_rebuilds SET phase = 'swapping' WHERE projection = $1 AND id = $2`,
      [projection.name, rebuild.id],
    );
    let checkpoint = caughtUp;
    let retired: string | undefined;
    await runner.startTransaction();
    try {
      await runner.query(`SET LOCAL lock_timeout = '${SWAP_LOCK_TIMEOUT}'`);
      const live = await readProjection(runner, projection.name, true);
      const current = await readRebuild(runner, projection.name, true);
      if (!live || !current || current.id !== rebuild.id) throw new RebuildSuperseded('replaced');
      if (compareCheckpoints(current.checkpoint, checkpoint) !== 0)
        throw new RebuildSuperseded('shadow checkpoint moved elsewhere');
      // The tail: everything below the horizon, which our own transaction now bounds.
      for (;;) {
        const page = await store.readAll({
          after: checkpoint,
          limit: batchSize,
          filter: projection.filter,
        });
        if (page.length === 0) break;
        await this.applyShadowBatch(runner, rebuild, page, checkpoint, current.total);
        checkpoint = page[page.length - 1].checkpoint;
      }
      if (compareCheckpoints(checkpoint, live.checkpoint) < 0)
        throw new Error(
          `shadow of ${projection.name} ended behind the live checkpoint; swap refused`,
        );
      const generation = live.generation + 1;
      if (await schemaExists(runner, live.schema)) {
        retired = retiredSchemaOf(live.schema, generation);
        await runner.query(
          `ALTER SCHEMA ${quoteSchema(live.schema)} RENAME TO ${quoteSchema(retired)}`,
        );
      }
      await runner.query(
        `ALTER SCHEMA ${quoteSchema(rebuild.shadowSchema)} RENAME TO ${quoteSchema(live.schema)}`,
      );
      await runner.query(
        `UPDATE geode_projections
            SET version = $2, tx_id = $3::xid8, position = $4, status = 'running',
                last_error = NULL, generation = $5, updated_at = now()
          WHERE name = $1`,
        [projection.name, rebuild.version, checkpoint.txId, checkpoint.position, generation],
      );
      await runner.query(
        `UPDATE geode_projection_rebuilds SET phase = 'done', finished_at = now()
          WHERE projection = $1 AND id = $2`,
        [projection.name, rebuild.id],
      );
      await runner.query('SELECT pg_notify($1, $2)', [
        PROGRESS_CHANNEL,
        movedMessage(projection.name, checkpoint),
      ]);
      await runner.commitTransaction();
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    progress.moved(projection.name, checkpoint);
    if (retired) await dropRetiredSchema(runner, retired, this.deps.log);
    return checkpoint;
  }
}

/**
 * Drops replaced tables once nobody reads them: a short lock timeout, so the drop never
 * queues for long in front of anything; a failed drop is retried at the next lease.
 */
export async function dropRetiredSchema(
  runner: QueryRunner,
  schema: string,
  log: ProjectionLog,
): Promise<boolean> {
  await runner.startTransaction();
  try {
    await runner.query(`SET LOCAL lock_timeout = '${DROP_LOCK_TIMEOUT}'`);
    await runner.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`);
    await runner.commitTransaction();
    return true;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    log.warn(
      { schema, error: (error as Error).message },
      'could not drop retired projection tables yet',
    );
    return false;
  }
}
