import type { WriteCase } from './append-cases';

/** What the append benchmark asks of a subject's worker process. */
export type AppendWorkerRequest =
  | { kind: 'prepare'; url: string }
  | { kind: 'open'; url: string; poolSize: number }
  | { kind: 'write'; case: WriteCase; warmupMs: number; measureMs: number }
  | {
      kind: 'readAll';
      pageSize: number;
      warmupPages: number;
      budgetMs: number;
      /** Events the writers committed (if known): a complete read that delivers another number is examined. */
      expectedEvents?: number;
    };

export interface MeasuredFigures {
  wallMs: number;
  events: number;
  /** Append calls (write) or page reads (readall). */
  operations: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  peakRssMb: number;
}

export interface WriteReport {
  measured: MeasuredFigures & {
    /** `hot`: appends refused on the expected revision, then retried. */
    retries: number;
    /** `hot`: appends given up after too many conflicts (not committed). */
    abandoned: number;
    /** The store's own background work during the run (geode: stamping lag). */
    background?: Record<string, number>;
  };
  /** Events the writers saw committed, per stream, warm-up included. */
  committed: Map<string, number>;
  /** Events the store holds for the same streams, counted after the run. */
  stored: Map<string, number>;
}

export interface ReadAllReport {
  measured: MeasuredFigures;
  /** False when the time budget ran out before the end of the log. */
  complete: boolean;
  /**
   * Set when a complete read delivered other than `expectedEvents`: a second,
   * untimed read counts the distinct event ids it delivers.
   */
  delivery?: { delivered: number; distinct: number };
}

export type AppendWorkerResponse = null | WriteReport | ReadAllReport;
