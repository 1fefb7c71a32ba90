/**
 * Keeps every sample so that percentiles are exact (nearest rank over the
 * sorted samples), not estimated from buckets: runs are short enough that a
 * few hundred thousand doubles are cheap.
 */
export class LatencyRecorder {
  private samples = new Float64Array(1024);
  private size = 0;

  record(ms: number): void {
    if (this.size === this.samples.length) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.size++] = ms;
  }

  /** Runs `operation` and records how long it took, also when it throws. */
  async time<T>(operation: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await operation();
    } finally {
      this.record(performance.now() - started);
    }
  }

  get count(): number {
    return this.size;
  }

  summary(): LatencySummary {
    if (this.size === 0) return { count: 0, p50Ms: null, p99Ms: null, maxMs: null, meanMs: null };
    const sorted = this.samples.slice(0, this.size).sort();
    let total = 0;
    for (const sample of sorted) total += sample;
    return {
      count: this.size,
      p50Ms: nearestRank(sorted, 50),
      p99Ms: nearestRank(sorted, 99),
      maxMs: sorted[sorted.length - 1],
      meanMs: total / sorted.length,
    };
  }
}

export interface LatencySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  meanMs: number | null;
}

/** The smallest sample with at least `percent` % of the samples at or below it. */
export function nearestRank(sorted: Float64Array, percent: number): number {
  const rank = Math.max(1, Math.ceil((percent / 100) * sorted.length));
  return sorted[rank - 1];
}
