/** Messages between the projections benchmark and its worker processes. */
export type ProjectionsWorkerRequest =
  | { kind: 'load'; url: string; events: number }
  | { kind: 'rebuild'; url: string; subject: 'geode' | 'ceiling' }
  | { kind: 'live'; url: string; ratePerSec: number; warmupMs: number; measureMs: number };

export interface LoadReport {
  events: number;
  seconds: number;
}

export interface RebuildReport {
  events: number;
  seconds: number;
  peakRssMb: number;
  /** Rows in the rebuilt tables, to compare subjects: they must have built the same. */
  tables: Record<string, number>;
}

export interface LiveReport {
  appended: number;
  measured: number;
  ratePerSec: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Commit → handed to the projection (the log reader's share of the lag). */
  deliveryP50Ms: number | null;
  deliveryP99Ms: number | null;
  peakRssMb: number;
  /** Appends whose event was never seen applied before the end. */
  unseen: number;
}

export type ProjectionsWorkerResponse = LoadReport | RebuildReport | LiveReport;
