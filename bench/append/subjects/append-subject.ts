import type { FundsDeposited } from '../ledger-events';

/** The outcome of one append call: committed, or refused on the expected revision. */
export type AppendOutcome = { committed: true; revision: number } | { committed: false };

/**
 * One event store as the append benchmark drives it. Runs inside the
 * subject's own worker process, against the subject's own database.
 */
export interface AppendSubject {
  readonly name: string;
  /** Creates the subject's tables in its new, empty database. */
  prepare(url: string): Promise<void>;
  open(url: string, options: { poolSize: number }): Promise<AppendTarget>;
}

export interface AppendTarget {
  /**
   * Appends `events` to `streamId` if the stream holds exactly
   * `expectedRevision` events (0: the stream does not exist yet); resolves to
   * the stream's revision after the append, or to a conflict.
   */
  append(
    streamId: string,
    events: readonly FundsDeposited[],
    expectedRevision: number,
  ): Promise<AppendOutcome>;
  /** The stream's current revision (event count); 0 when it does not exist. */
  revision(streamId: string): Promise<number>;
  /**
   * The whole log from its start, the way the store's own readers page
   * through it; yields the event ids of each page and ends after an empty page.
   */
  readAll(pageSize: number): AsyncGenerator<readonly string[]>;
  /** Events stored per stream, counted by the store (not by the writers). */
  storedCounts(streamIds: readonly string[]): Promise<Map<string, number>>;
  /**
   * A store with background work of its own (geode's sequencer) starts
   * measuring it here, before the measured run ...
   */
  startBackgroundFigures?(): void;
  /** ... and reports it here, once that work has caught up with the run. */
  backgroundFigures?(): Promise<Record<string, number>>;
  close(): Promise<void>;
}
