import type { DataSource, QueryRunner } from 'typeorm';
import type { WallClock } from '@geode/clock';
import type { EventStore, LogEntry } from '@geode/event-store';
import { applyBatch, BatchOutcome, isTransientDatabaseError, OnApplyError } from './batch-applier';
import { BatchFeed } from './batch-feed';
import { liveCheckpointMove } from './live-checkpoint';
import { compareCheckpoints } from './log-order';
import type { Projection } from './projection';
import type { ProjectionLog } from './projection-log';
import type { ProjectionMetrics } from './projection-metrics';
import { releaseLease, tryTakeLease } from './projection-lease';
import {
  dropRetiredSchema,
  ProjectionRebuilder,
  RebuildSuperseded,
  requestRebuild,
} from './projection-rebuilder';
import { readProjection, readRebuild, registerProjection } from './projection-repository';
import { ACTIVE_REBUILD_PHASES, ProjectionRow } from './projection-rows';
import type { ProgressTracker } from './progress-tracker';
import { qualified, quoteSchema } from './schema-names';

export interface RunnerOptions {
  /** Most events per live batch (adaptive: what has arrived, up to this); default 500. */
  batchSize: number;
  /** Events per rebuild batch; default `DEFAULT_REBUILD_BATCH_SIZE`. */
  rebuildBatchSize: number;
  onError: OnApplyError;
  /** How often a standby tries the lease, and the idle heartbeat; default 1 s. */
  leaseRetryMs: number;
}

export interface RunnerDependencies {
  dataSource: DataSource;
  store: EventStore;
  projection: Projection;
  options: RunnerOptions;
  log: ProjectionLog;
  metrics: ProjectionMetrics;
  progress: ProgressTracker;
  clock: WallClock;
}

type FollowEnd = 'moved' | 'stopped' | 'closed';

/**
 * Runs one projection in this process: waits for its lease (one active runner per
 * projection per database), then follows the log from the checkpoint, a transaction
 * per batch that claims the checkpoint compare-and-set, and runs the projection's
 * rebuilds beside the live tables.
 */
export class ProjectionRunner {
  private stopped = false;
  private running?: Promise<void>;
  private leading = false;
  private readonly waiters = new Set<() => void>();
  private rebuildKick?: () => void;

  constructor(private readonly deps: RunnerDependencies) {}

  get name(): string {
    return this.deps.projection.name;
  }

  /** True while this process holds the projection's lease. */
  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.running ??= this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeAll();
    await this.running;
  }

  /** A rebuild was requested: the leader looks now instead of at its next heartbeat. */
  rebuildRequested(): void {
    this.rebuildKick?.();
  }

  private get log(): ProjectionLog {
    return this.deps.log;
  }

  private async run(): Promise<void> {
    const { dataSource, projection, options } = this.deps;
    while (!this.stopped) {
      let lease: QueryRunner | undefined;
      let leaseId = 0;
      try {
        leaseId = (await registerProjection(dataSource, projection)).leaseId;
        lease = await tryTakeLease(dataSource, leaseId);
        if (lease) {
          this.setLeader(true);
          this.log.info({ projection: projection.name }, 'projection lease taken');
          await this.lead(lease);
        }
      } catch (error) {
        if (!this.stopped)
          this.log.warn(
            { projection: projection.name, error: (error as Error).message },
            'projection runner lost its footing; retrying',
          );
      } finally {
        this.setLeader(false);
        if (lease) await releaseLease(lease, leaseId);
      }
      if (!this.stopped) await this.pause(options.leaseRetryMs);
    }
  }

  private setLeader(leading: boolean): void {
    this.leading = leading;
    this.deps.metrics.leader.set({ projection: this.name }, leading ? 1 : 0);
    if (!leading) this.wakeAll();
  }

  private async lead(lease: QueryRunner): Promise<void> {
    await this.prepareLiveSchema(lease);
    const rebuilds = this.superviseRebuilds();
    try {
      await this.followWhileLeading(lease);
    } finally {
      this.setLeader(false);
      await rebuilds;
    }
  }

  /** Creates the live tables the first time (or after someone dropped them). */
  private async prepareLiveSchema(lease: QueryRunner): Promise<void> {
    const { projection } = this.deps;
    await lease.startTransaction();
    try {
      const row = await readProjection(lease, projection.name, true);
      if (!row) throw new Error(`projection ${projection.name} is not registered`);
      const [{ found }] = (await lease.query(
        `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS found`,
        [row.schema],
      )) as { found: boolean }[];
      if (!found) {
        if (row.checkpoint.position !== 0 || row.checkpoint.txId !== '0')
          this.log.warn(
            { projection: projection.name, schema: row.schema },
            'live schema missing: recreating it and replaying from the start',
          );
        await lease.query(`CREATE SCHEMA ${quoteSchema(row.schema)}`);
        await projection.createTables({
          manager: lease.manager,
          schema: row.schema,
          table: (name) => qualified(row.schema, name),
        });
        await lease.query(
          `UPDATE geode_projections SET version = $2, tx_id = '0', position = 0, status = 'running',
                  last_error = NULL, updated_at = now() WHERE name = $1`,
          [projection.name, projection.version],
        );
      }
      await lease.commitTransaction();
    } catch (error) {
      if (lease.isTransactionActive) await lease.rollbackTransaction().catch(() => undefined);
      throw error;
    }
    // Replaced tables a crash (or a busy reader) left behind.
    const leftovers = (await lease.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE $1`, [
      `${projection.schema.replace(/_/g, '\\_')}\\_\\_retired\\_%`,
    ])) as { nspname: string }[];
    for (const { nspname } of leftovers) await dropRetiredSchema(lease, nspname, this.log);
  }

  private async followWhileLeading(lease: QueryRunner): Promise<void> {
    const { projection } = this.deps;
    let outdatedNoted = false;
    let failedAt: string | undefined;
    while (!this.stopped && this.leading) {
      const row = await readProjection(lease, projection.name);
      if (!row) throw new Error(`projection ${projection.name} is not registered`);
      if (row.version !== projection.version) {
        // Tables built by other code: serve them as they are until a rebuild swaps.
        if (!outdatedNoted) await this.requestVersionRebuild(lease, row);
        outdatedNoted = true;
        await this.pause(this.deps.options.leaseRetryMs);
        continue;
      }
      const rowKey = `${row.status}|${row.checkpoint.txId}|${row.checkpoint.position}`;
      if (row.status === 'failed' && failedAt === rowKey) {
        // Stopped on an event in this lease: wait for an operator's reset (or a restart).
        await this.pause(this.deps.options.leaseRetryMs);
        continue;
      }
      const end = await this.follow(lease, row);
      if (end === 'stopped') {
        const after = await readProjection(lease, projection.name);
        failedAt = after && `${after.status}|${after.checkpoint.txId}|${after.checkpoint.position}`;
      }
    }
  }

  private async requestVersionRebuild(lease: QueryRunner, row: ProjectionRow): Promise<void> {
    const { projection } = this.deps;
    this.log.warn(
      { projection: projection.name, built: row.version, code: projection.version },
      'projection tables were built by another version: serving them while a rebuild runs',
    );
    const rebuild = await readRebuild(lease, projection.name);
    if (rebuild && ACTIVE_REBUILD_PHASES.includes(rebuild.phase)) return;
    await requestRebuild(lease, projection).catch((error: unknown) => {
      this.log.warn(
        { projection: projection.name, error: (error as Error).message },
        'rebuild request refused',
      );
    });
    this.rebuildKick?.();
  }

  /** Follows the log from the row's checkpoint until it moves under us, stops or we stop. */
  private async follow(lease: QueryRunner, row: ProjectionRow): Promise<FollowEnd> {
    const { store, projection, options, metrics, progress } = this.deps;
    const feed = new BatchFeed(
      store.subscribe({
        after: row.checkpoint,
        filter: projection.filter,
        batchSize: options.batchSize,
      }),
      options.batchSize,
    );
    let expected = row.checkpoint;
    let pending: Promise<LogEntry[] | undefined> | undefined;
    let tick: Promise<'woken'> | undefined;
    try {
      while (!this.stopped && this.leading) {
        if (!pending) {
          pending = feed.next();
          pending.catch(() => undefined); // awaited below; handled if we leave first
        }
        tick ??= this.pause(options.leaseRetryMs).then((woken) => {
          tick = undefined;
          return woken;
        });
        const batch = await Promise.race([pending, tick]);
        if (batch === 'woken') {
          // Idle heartbeat on the lease connection; also notices resets and swaps.
          const now = await readProjection(lease, projection.name);
          if (
            !now ||
            now.version !== projection.version ||
            compareCheckpoints(now.checkpoint, expected) !== 0
          )
            return 'moved';
          continue;
        }
        pending = undefined;
        if (batch === undefined) return 'closed';
        const started = performance.now();
        const outcome = await applyBatch(lease, batch, {
          projection,
          schema: row.schema,
          mode: 'live',
          onError: options.onError,
          move: liveCheckpointMove(projection, expected),
        });
        metrics.batchDuration.observe(
          { projection: projection.name, mode: 'live' },
          (performance.now() - started) / 1000,
        );
        if (outcome.kind === 'lost') {
          this.log.info(
            { projection: projection.name },
            'checkpoint moved by another writer (reset, swap or another runner): reading it again',
          );
          return 'moved';
        }
        this.reportFailures(outcome);
        if (outcome.kind === 'stopped') {
          metrics.events.inc({ projection: projection.name, mode: 'live' }, outcome.applied);
          return 'stopped';
        }
        metrics.events.inc({ projection: projection.name, mode: 'live' }, outcome.applied);
        expected = batch[batch.length - 1].checkpoint;
        progress.applied(projection.name, expected);
      }
      return 'closed';
    } finally {
      await feed.close();
    }
  }

  private reportFailures(outcome: BatchOutcome): void {
    const { projection, metrics } = this.deps;
    if (outcome.kind === 'applied') {
      for (const failed of outcome.deadLettered) {
        metrics.deadLetters.inc({ projection: projection.name });
        this.log.error(
          {
            projection: projection.name,
            eventId: failed.entry.event.eventId,
            type: failed.entry.event.type,
            checkpoint: failed.entry.checkpoint,
            error: failed.error,
          },
          'projection dead-lettered an event',
        );
      }
    } else if (outcome.kind === 'stopped') {
      this.log.error(
        {
          projection: projection.name,
          eventId: outcome.failed.entry.event.eventId,
          type: outcome.failed.entry.event.type,
          checkpoint: outcome.failed.entry.checkpoint,
          error: outcome.failed.error,
        },
        'projection stopped on an event it cannot apply (onError: stop)',
      );
    }
  }

  /** While leading: runs requested rebuilds, and resumes one whose leader died. */
  private async superviseRebuilds(): Promise<void> {
    const { dataSource, projection } = this.deps;
    const rebuilder = new ProjectionRebuilder({
      ...this.deps,
      batchSize: this.deps.options.rebuildBatchSize,
      onError: this.deps.options.onError,
      isLeading: () => this.leading && !this.stopped,
    });
    while (this.leading && !this.stopped) {
      let current;
      try {
        current = await readRebuild(dataSource, projection.name);
        if (current && ACTIVE_REBUILD_PHASES.includes(current.phase)) {
          await rebuilder.run(current);
          continue;
        }
      } catch (error) {
        if (error instanceof RebuildSuperseded || !this.leading || this.stopped) {
          this.log.info(
            { projection: projection.name, reason: (error as Error).message },
            'projection rebuild handed over',
          );
        } else if (isTransientDatabaseError(error)) {
          this.log.warn(
            { projection: projection.name, error: (error as Error).message },
            'projection rebuild interrupted; resuming',
          );
        } else {
          this.log.error(
            { projection: projection.name, error: (error as Error).message },
            'projection rebuild failed',
          );
          if (current) await rebuilder.fail(current.id, error).catch(() => undefined);
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.deps.options.leaseRetryMs);
        const waiters = this.waiters;
        function done() {
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        }
        this.waiters.add(done);
        this.rebuildKick = done;
      });
    }
  }

  /** Sleeps `ms`, or less when stopped or the lease is lost; resolves to 'woken'. */
  private pause(ms: number): Promise<'woken'> {
    return new Promise((resolve) => {
      const waiters = this.waiters;
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        waiters.delete(done);
        resolve('woken');
      }
      this.waiters.add(done);
    });
  }

  private wakeAll(): void {
    for (const wake of [...this.waiters]) wake();
  }
}
