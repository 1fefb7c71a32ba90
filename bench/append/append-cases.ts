/** A case that appends: `writers` at once, `eventsPerAppend` events per append call. */
export interface WriteCase {
  name: string;
  kind: 'distinct' | 'hot';
  writers: number;
  eventsPerAppend: number;
  /** `hot` only: the streams the writers share (writer i → stream i mod streams). */
  streams?: number;
  /**
   * Appends per second over all writers (paced: an append waits for its slot,
   * and the wait is not in its latency); unset: as fast as they can.
   */
  ratePerSec?: number;
  /** The subjects that run the case (unset: all). */
  subjects?: readonly string[];
}

/** Reads the whole log that the write cases left, from the start, page by page. */
export interface ReadAllCase {
  name: string;
  kind: 'readall';
  pageSize: number;
}

export type AppendCase = WriteCase | ReadAllCase;

/**
 * The fixed cases of BENCH.md, in the order they run. `distinct`: every
 * writer appends to a stream of its own (one per writer and case, created by
 * its first append), with the revision it last saw.
 */
export const APPEND_CASES: readonly AppendCase[] = [
  { name: 'single-1w', kind: 'distinct', writers: 1, eventsPerAppend: 1 },
  { name: 'single-8w', kind: 'distinct', writers: 8, eventsPerAppend: 1 },
  { name: 'single-32w', kind: 'distinct', writers: 32, eventsPerAppend: 1 },
  { name: 'batch100-1w', kind: 'distinct', writers: 1, eventsPerAppend: 100 },
  { name: 'batch100-8w', kind: 'distinct', writers: 8, eventsPerAppend: 100 },
  { name: 'batch100-32w', kind: 'distinct', writers: 32, eventsPerAppend: 100 },
  { name: 'hot-32w', kind: 'hot', writers: 32, eventsPerAppend: 1, streams: 4 },
  // Stamping lag at a steady, low rate, which replication lag is made of:
  // throughput is the pace, so only geode runs it.
  {
    name: 'paced-1k',
    kind: 'distinct',
    writers: 8,
    eventsPerAppend: 1,
    ratePerSec: 1_000,
    subjects: ['geode'],
  },
  { name: 'readall', kind: 'readall', pageSize: 1000 },
];

export interface AppendSizes {
  /** Untimed run of the same case on other streams, before each measured one. */
  warmupMs: number;
  measureMs: number;
  /** readall: pages read untimed first. */
  readAllWarmupPages: number;
  /**
   * readall: stop after this long even if the log is not read to its end (a
   * store without an index on its log order reads it in quadratic time); the
   * row then says `complete: false`.
   */
  readAllBudgetMs: number;
}

export const FULL_SIZES: AppendSizes = {
  warmupMs: 1_000,
  measureMs: 5_000,
  readAllWarmupPages: 5,
  readAllBudgetMs: 60_000,
};

export const QUICK_SIZES: AppendSizes = {
  warmupMs: 250,
  measureMs: 1_000,
  readAllWarmupPages: 2,
  readAllBudgetMs: 8_000,
};

/** Connections per subject: the same pool for everyone. */
export const POOL_SIZE = 20;
