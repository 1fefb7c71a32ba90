/** The cases BENCH.md fixes for `projections`, and their sizes. */
export const PROJECTION_CASES = ['rebuild-1m', 'live-1000eps'] as const;
export const PROJECTION_SUBJECTS = ['geode', 'ceiling'] as const;

export interface ProjectionSizes {
  rebuildEvents: number;
  liveRatePerSec: number;
  liveWarmupMs: number;
  liveMeasureMs: number;
}

export const FULL_SIZES: ProjectionSizes = {
  rebuildEvents: 1_000_000,
  liveRatePerSec: 1_000,
  liveWarmupMs: 5_000,
  liveMeasureMs: 30_000,
};

/** Same shape, smaller: the rebuild case still says `rebuild-1m`, with `events` telling the size. */
export const QUICK_SIZES: ProjectionSizes = {
  rebuildEvents: 100_000,
  liveRatePerSec: 1_000,
  liveWarmupMs: 2_000,
  liveMeasureMs: 8_000,
};

/** The targets (#5). */
export const TARGETS = {
  rebuildEventsPerSec: 20_000,
  rebuildOverCeiling: 0.5,
  rebuildPeakRssMb: 300,
  liveP99Ms: 50,
};
