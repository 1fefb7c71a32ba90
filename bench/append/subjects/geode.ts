import { HybridLogicalClock, systemWallClock } from '@geode/clock';
import { createSequencerRunner, PostgresEventStore, SequencerRunner } from '@geode/event-store';
import { LatencyRecorder } from '../../harness/latency-recorder';
import type { FundsDeposited } from '../ledger-events';
import type { AppendOutcome, AppendSubject, AppendTarget } from './append-subject';

const REVISION_CONFLICT = 'revision-conflict';

type LogCheckpoint = NonNullable<Parameters<PostgresEventStore['readAll']>[0]>['after'];

/** Geode's own event store (libs/event-store), as a geode's command handlers use it. */
export const geodeSubject: AppendSubject = {
  name: 'geode',

  async prepare(url) {
    const { createGeodeSchema } = await import('./geode-schema.js');
    await createGeodeSchema(url);
  },

  async open(url, { poolSize }) {
    const store = await PostgresEventStore.create({
      url,
      region: 'bench-1',
      clock: new HybridLogicalClock(systemWallClock),
      poolSize,
    });
    // Earlier cases' events are stamped already (or will be): count from here.
    const stampedBefore = (await store.knowledge())['bench-1'] ?? 0;
    return new GeodeTarget(store, url, stampedBefore);
  },
};

/**
 * A geode always runs its region's sequencer beside its appends, so the
 * benchmark does too: its cost is in geode's figures, and its stamping lag
 * (append → origin seq and chain hash) is reported with them.
 */
class GeodeTarget implements AppendTarget {
  private readonly sequencer: SequencerRunner;
  private stampLags?: LatencyRecorder;
  /** Events this target appended, and the sequencer's last stamped seq. */
  private appended = 0;
  private stamped = 0;

  constructor(
    private readonly store: PostgresEventStore,
    url: string,
    private readonly stampedBefore: number,
  ) {
    this.sequencer = createSequencerRunner({
      url,
      region: 'bench-1',
      onBatch: (batch) => {
        this.stamped = batch.lastSeq - this.stampedBefore;
        for (const lag of batch.lagsMs) this.stampLags?.record(lag);
      },
    });
    this.sequencer.start();
  }

  startBackgroundFigures(): void {
    this.stampLags = new LatencyRecorder();
  }

  async backgroundFigures(): Promise<Record<string, number>> {
    // Bounded wait until the sequencer has stamped everything appended so far.
    const deadline = Date.now() + 30_000;
    while (this.stamped < this.appended && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const summary = this.stampLags?.summary();
    this.stampLags = undefined;
    if (!summary || summary.p50Ms === null || summary.p99Ms === null) return {};
    return {
      stampLagP50Ms: Math.round(summary.p50Ms * 10) / 10,
      stampLagP99Ms: Math.round(summary.p99Ms * 10) / 10,
      unstampedAfterRun: this.appended - this.stamped,
    };
  }

  async append(
    streamId: string,
    events: readonly FundsDeposited[],
    expectedRevision: number,
  ): Promise<AppendOutcome> {
    try {
      const result = await this.store.append(streamId, [...events], {
        expectedRevision: expectedRevision === 0 ? 'no_stream' : expectedRevision,
      });
      this.appended += events.length;
      return { committed: true, revision: result.nextRevision };
    } catch (error) {
      if ((error as { code?: unknown }).code === REVISION_CONFLICT) return { committed: false };
      throw error;
    }
  }

  async revision(streamId: string): Promise<number> {
    return (await this.store.streamInfo(streamId))?.revision ?? 0;
  }

  async *readAll(pageSize: number): AsyncGenerator<readonly string[]> {
    let after: LogCheckpoint | undefined;
    for (;;) {
      const page = await this.store.readAll({ after, limit: pageSize });
      if (page.length === 0) return;
      after = page[page.length - 1].checkpoint;
      yield page.map((entry) => entry.event.eventId);
    }
  }

  /** The store's public API has no count; a stream's revision is its event count. */
  async storedCounts(streamIds: readonly string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const streamId of streamIds) {
      const info = await this.store.streamInfo(streamId);
      if (info) counts.set(streamId, info.revision);
    }
    return counts;
  }

  async close(): Promise<void> {
    await this.sequencer.stop();
    await this.store.close();
  }
}
