import { appendBenchmark } from './append/append.benchmark';
import { projectionsBenchmark } from './projections/projections.benchmark';
import type { Benchmark } from './harness/benchmark';
import { replicationBenchmark } from './replication/replication.benchmark';
import { routerBenchmark } from './router/router.benchmark';

/** Every benchmark `run.js` knows, by name (BENCH.md fixes the names). */
export const benchmarks: readonly Benchmark[] = [
  appendBenchmark,
  routerBenchmark,
  projectionsBenchmark,
  replicationBenchmark,
];
