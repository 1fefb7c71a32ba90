import type { BenchPostgres } from './bench-postgres';
import type { BenchRow } from './bench-report';
import type { Progress } from './progress';

export interface BenchmarkContext {
  quick: boolean;
  postgres: BenchPostgres;
  progress: Progress;
  /** Aborted on Ctrl-C: stop, let the caller clean up. */
  signal: AbortSignal;
}

export interface BenchmarkResult {
  rows: BenchRow[];
  /** Top-level JSON fields besides the common ones (e.g. `ratios`). */
  extra: Record<string, unknown>;
  /** Tables for people, printed to stdout in order. */
  tables: string[];
  /** What went wrong (lost writes, a subject that crashed): any makes the run fail. */
  failures: string[];
}

export interface Benchmark {
  name: string;
  summary: string;
  cases: readonly string[];
  subjects: readonly string[];
  run(context: BenchmarkContext): Promise<BenchmarkResult>;
}
