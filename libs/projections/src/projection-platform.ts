import type { DataSource, QueryRunner } from 'typeorm';
import type { Registry } from 'prom-client';
import { systemWallClock, type WallClock } from '@geode/clock';
import type { EventStore, LogCheckpoint } from '@geode/event-store';
import { LOG_START } from '@geode/event-store';
import type { OnApplyError } from './batch-applier';
import type { Projection, ProjectionProgress } from './projection';
import { ProjectionError } from './projection-errors';
import { PROJECTION_LEASE_CLASS } from './projection-lease';
import { silentProjectionLog, type ProjectionLog } from './projection-log';
import { ProjectionMetrics } from './projection-metrics';
import { requestRebuild } from './projection-rebuilder';
import {
  pendingEvents,
  PendingEvents,
  readProjection,
  readRebuild,
  registerProjection,
} from './projection-repository';
import {
  ACTIVE_REBUILD_PHASES,
  DeadLetter,
  ProjectionStatus,
  RebuildPhase,
  RebuildRow,
} from './projection-rows';
import { ProjectionRunner } from './projection-runner';
import { movedMessage, PROGRESS_CHANNEL, ProgressTracker } from './progress-tracker';
import { assertProjectionShape, qualified, quoteSchema } from './schema-names';

/**
 * Events per rebuild page (and batch). The page being applied and the one read ahead are
 * what a rebuild keeps alive (about 1 KiB per ledger event): pages of 500 to 2,000 peaked
 * alike in a geode; its peak RSS is V8's heap sizing, not the page (ADR 0006).
 */
export const DEFAULT_REBUILD_BATCH_SIZE = 5_000;

export interface ProjectionPlatformOptions {
  dataSource: DataSource;
  /** The same database's URL, for the LISTEN connection that carries progress. */
  url: string;
  store: EventStore;
  projections: readonly Projection[];
  /** Run the projections in this process (take leases); default true. */
  run?: boolean;
  batchSize?: number;
  rebuildBatchSize?: number;
  onError?: OnApplyError;
  leaseRetryMs?: number;
  registry?: Registry;
  log?: ProjectionLog;
  clock?: WallClock;
}

export interface RebuildProgress {
  id: string;
  phase: RebuildPhase;
  /** The version the rebuild builds. */
  version: number;
  shadowSchema: string;
  checkpoint: LogCheckpoint;
  done: number;
  total: number;
  ratePerSecond: number | null;
  etaSeconds: number | null;
  error: string | null;
  requestedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface ProjectionInfo {
  name: string;
  /** The version the live tables were built with. */
  version: number;
  /** The version this process's code declares. */
  codeVersion: number;
  schema: string;
  status: ProjectionStatus;
  lastError: string | null;
  /** Some process of this region holds the projection's lease. */
  active: boolean;
  checkpoint: LogCheckpoint;
  lag: PendingEvents;
  deadLetters: number;
  rebuild: RebuildProgress | null;
}

export type ResetTarget = 'start' | LogCheckpoint;

/**
 * The projection platform of one process: its runners (one active per projection and
 * region, through leases), progress for session waits, and the operations the admin
 * API offers (list, rebuild, reset, dead letters). Every operation works from any
 * process: state lives in the database, and the leader acts on it.
 */
export class ProjectionPlatform implements ProjectionProgress {
  private readonly byName: Map<string, Projection>;
  private readonly runners = new Map<string, ProjectionRunner>();
  private readonly tracker: ProgressTracker;
  private readonly clock: WallClock;
  readonly metrics: ProjectionMetrics;

  private constructor(private readonly options: ProjectionPlatformOptions) {
    this.byName = new Map(options.projections.map((p) => [p.name, p]));
    if (this.byName.size !== options.projections.length)
      throw new ProjectionError('invalid-projection', 'two projections share a name');
    const schemas = new Set(options.projections.map((p) => p.schema));
    if (schemas.size !== options.projections.length)
      throw new ProjectionError('invalid-projection', 'two projections share a schema');
    for (const p of options.projections) assertProjectionShape(p.name, p.schema, p.version);
    this.clock = options.clock ?? systemWallClock;
    this.metrics = new ProjectionMetrics(options.registry, () => this.lagOfAll());
    this.tracker = new ProgressTracker(options.url, options.dataSource, this.byName, (name) =>
      this.runners.get(name)?.rebuildRequested(),
    );
  }

  /** Registers the projections and starts listening for progress; runners start later. */
  static async open(options: ProjectionPlatformOptions): Promise<ProjectionPlatform> {
    const platform = new ProjectionPlatform(options);
    for (const projection of options.projections)
      await registerProjection(options.dataSource, projection);
    await platform.tracker.start();
    return platform;
  }

  /** `open`, then the runners (unless `run: false`). */
  static async start(options: ProjectionPlatformOptions): Promise<ProjectionPlatform> {
    const platform = await ProjectionPlatform.open(options);
    if (options.run !== false) platform.startRunners();
    return platform;
  }

  /** Starts a runner per projection: each waits for its lease, then runs. */
  startRunners(): void {
    const { options } = this;
    for (const projection of options.projections) {
      if (this.runners.has(projection.name)) continue;
      const runner = new ProjectionRunner({
        dataSource: options.dataSource,
        store: options.store,
        projection,
        options: {
          batchSize: options.batchSize ?? 500,
          rebuildBatchSize: options.rebuildBatchSize ?? DEFAULT_REBUILD_BATCH_SIZE,
          onError: options.onError ?? 'dead-letter',
          leaseRetryMs: options.leaseRetryMs ?? 1_000,
        },
        log: options.log ?? silentProjectionLog,
        metrics: this.metrics,
        progress: this.tracker,
        clock: this.clock,
      });
      this.runners.set(projection.name, runner);
      runner.start();
    }
  }

  /** The projections this platform knows. */
  get projections(): readonly Projection[] {
    return this.options.projections;
  }

  async stop(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    await this.tracker.close();
  }

  /** True while this process runs `name` (holds its lease). */
  isLeader(name: string): boolean {
    return this.runners.get(name)?.isLeader ?? false;
  }

  waitUntilApplied(name: string, target: LogCheckpoint, timeoutMs: number): Promise<boolean> {
    return this.tracker.waitUntilApplied(name, target, timeoutMs);
  }

  checkpoint(name: string): Promise<LogCheckpoint> {
    return this.tracker.checkpoint(name);
  }

  async list(): Promise<ProjectionInfo[]> {
    const infos: ProjectionInfo[] = [];
    for (const name of this.byName.keys()) infos.push(await this.get(name));
    return infos;
  }

  async get(name: string): Promise<ProjectionInfo> {
    const projection = this.projectionNamed(name);
    const sql = this.options.dataSource;
    const row = await readProjection(sql, name);
    if (!row) throw new ProjectionError('unknown-projection', `no projection named "${name}"`);
    const [{ active, dead }] = await sql.query<{ active: boolean; dead: string }[]>(
      `SELECT EXISTS (SELECT 1 FROM pg_locks
                       WHERE locktype = 'advisory' AND granted
                         AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
                         AND classid = $1::oid AND objid = $2::oid AND objsubid = 2) AS active,
              (SELECT count(*) FROM geode_projection_dead_letters WHERE projection = $3) AS dead`,
      [PROJECTION_LEASE_CLASS, row.leaseId, name],
    );
    const rebuild = await readRebuild(sql, name);
    return {
      name,
      version: row.version,
      codeVersion: projection.version,
      schema: row.schema,
      status: row.status,
      lastError: row.lastError,
      active,
      checkpoint: row.checkpoint,
      lag: await pendingEvents(sql, projection, row.checkpoint),
      deadLetters: Number(dead),
      rebuild: rebuild ? this.progressOf(rebuild) : null,
    };
  }

  /** Asks for a rebuild; the projection's leader runs it. Refused while one is active. */
  async rebuild(name: string): Promise<RebuildProgress> {
    const projection = this.projectionNamed(name);
    const row = await requestRebuild(this.options.dataSource, projection);
    this.runners.get(name)?.rebuildRequested();
    return this.progressOf(row);
  }

  /**
   * Clears the live tables and replays from `to` (the start, or a checkpoint): one
   * transaction that holds the projection's row, so the live runner finds its checkpoint
   * moved and follows from the new one. Unlike a rebuild, readers see the cleared tables
   * until the replay catches up.
   */
  async reset(name: string, to: ResetTarget): Promise<ProjectionInfo> {
    const projection = this.projectionNamed(name);
    const target = to === 'start' ? LOG_START : to;
    const runner = this.options.dataSource.createQueryRunner('master');
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query(`SET LOCAL lock_timeout = '30s'`);
      const row = await readProjection(runner, name, true);
      if (!row) throw new ProjectionError('unknown-projection', `no projection named "${name}"`);
      const rebuild = await readRebuild(runner, name, true);
      if (rebuild && ACTIVE_REBUILD_PHASES.includes(rebuild.phase))
        throw new ProjectionError(
          'rebuild-running',
          `projection "${name}" is being rebuilt; reset it after the rebuild`,
        );
      await this.recreateTables(runner, projection, row.schema);
      await runner.query(
        `UPDATE geode_projections
            SET version = $2, tx_id = $3::xid8, position = $4, status = 'running',
                last_error = NULL, generation = generation + 1, updated_at = now()
          WHERE name = $1`,
        [name, projection.version, target.txId, target.position],
      );
      await runner.query('SELECT pg_notify($1, $2)', [
        PROGRESS_CHANNEL,
        movedMessage(name, target),
      ]);
      await runner.commitTransaction();
      this.tracker.moved(name, target);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      await runner.release();
    }
    return this.get(name);
  }

  /** The projection's dead letters, in log order, after `after` (for paging). */
  async deadLetters(
    name: string,
    options: { limit?: number; after?: LogCheckpoint } = {},
  ): Promise<DeadLetter[]> {
    this.projectionNamed(name);
    const after = options.after ?? LOG_START;
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 1_000);
    const rows = await this.options.dataSource.query<
      {
        event_id: string;
        tx_id: string;
        position: string;
        stream_id: string;
        event_type: string;
        mode: 'live' | 'rebuild';
        error: string;
        stack: string | null;
        at: Date;
      }[]
    >(
      `SELECT event_id, tx_id::text AS tx_id, position, stream_id, event_type, mode, error, stack, at
         FROM geode_projection_dead_letters
        WHERE projection = $1 AND (tx_id, position) > ($2::xid8, $3::bigint)
        ORDER BY tx_id, position LIMIT $4`,
      [name, after.txId, after.position, limit],
    );
    return rows.map((row) => ({
      eventId: row.event_id,
      checkpoint: { txId: row.tx_id, position: Number(row.position) },
      streamId: row.stream_id,
      type: row.event_type,
      mode: row.mode,
      error: row.error,
      stack: row.stack,
      at: row.at,
    }));
  }

  private async recreateTables(
    runner: QueryRunner,
    projection: Projection,
    schema: string,
  ): Promise<void> {
    await runner.query(`DROP SCHEMA IF EXISTS ${quoteSchema(schema)} CASCADE`);
    await runner.query(`CREATE SCHEMA ${quoteSchema(schema)}`);
    await projection.createTables({
      manager: runner.manager,
      schema,
      table: (table) => qualified(schema, table),
    });
  }

  private progressOf(row: RebuildRow): RebuildProgress {
    const elapsedS =
      row.startedAt && (row.finishedAt?.getTime() ?? this.clock.nowMs()) - row.startedAt.getTime();
    const rate = elapsedS && elapsedS > 0 && row.done > 0 ? row.done / (elapsedS / 1000) : null;
    const active = ACTIVE_REBUILD_PHASES.includes(row.phase);
    return {
      id: row.id,
      phase: row.phase,
      version: row.version,
      shadowSchema: row.shadowSchema,
      checkpoint: row.checkpoint,
      done: row.done,
      total: Math.max(row.total, row.done),
      ratePerSecond: rate === null ? null : Math.round(rate),
      etaSeconds:
        active && rate ? Math.max(0, Math.round((row.total - row.done) / rate)) : active ? null : 0,
      error: row.error,
      requestedAt: row.requestedAt.toISOString(),
      startedAt: row.startedAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
    };
  }

  private projectionNamed(name: string): Projection {
    const projection = this.byName.get(name);
    if (!projection)
      throw new ProjectionError('unknown-projection', `no projection named "${name}"`);
    return projection;
  }

  private async lagOfAll(): Promise<Map<string, PendingEvents>> {
    const lag = new Map<string, PendingEvents>();
    for (const projection of this.byName.values()) {
      const row = await readProjection(this.options.dataSource, projection.name);
      if (row)
        lag.set(
          projection.name,
          await pendingEvents(this.options.dataSource, projection, row.checkpoint),
        );
    }
    return lag;
  }
}
