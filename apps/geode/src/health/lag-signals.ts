import type { OriginLag } from '@geode/replication';

/** The projection figures the lag signal needs (a subset of `ProjectionInfo`). */
export interface ProjectionLagFigures {
  name: string;
  lag: { events: number; seconds: number };
}

/**
 * Projection lag in ms: the age of the oldest event some projection has not
 * applied yet, over every projection (0 when all are current).
 */
export function projectionLagMs(projections: readonly ProjectionLagFigures[]): number {
  let worst = 0;
  for (const { lag } of projections) {
    if (lag.events > 0) worst = Math.max(worst, Math.round(lag.seconds * 1000));
  }
  return worst;
}

/**
 * Replication lag in ms: over every other region's origin, how long this geode
 * has been behind the best-informed peer (0 when it holds what its peers say
 * they hold). Its own origin never counts: a geode holds all it wrote, though
 * the tracker may not have seen its latest writes when a peer reports them.
 */
export function replicationLagMs(
  lag: Readonly<Record<string, OriginLag>>,
  ownRegion: string,
): number {
  let worst = 0;
  for (const [origin, figures] of Object.entries(lag))
    if (origin !== ownRegion && figures.events > 0) worst = Math.max(worst, figures.ms);
  return worst;
}
