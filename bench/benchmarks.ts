import { appendBenchmark } from './append/append.benchmark';
import type { Benchmark } from './harness/benchmark';

/** Every benchmark `run.js` knows, by name (BENCH.md fixes the names). */
export const benchmarks: readonly Benchmark[] = [appendBenchmark];
