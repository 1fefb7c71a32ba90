import type { VersionVector } from '@geode/event-store';

export type SyncLevel = 'quorum' | 'all';

/** Regions (this one included) that must hold an event before a synchronous write answers. */
export function requiredAcknowledgements(level: SyncLevel, allowedRegions: number): number {
  return level === 'all' ? allowedRegions : Math.floor(allowedRegions / 2) + 1;
}

/**
 * The regions among `allowed` that hold `origin`'s log up to `seq`: the origin
 * itself (it stamped it), and every peer whose last acknowledged vector covers it.
 */
export function acknowledgingRegions(
  origin: string,
  seq: number,
  allowed: readonly string[],
  acknowledged: (region: string) => VersionVector | undefined,
): string[] {
  return allowed.filter(
    (region) => region === origin || (acknowledged(region)?.[origin] ?? 0) >= seq,
  );
}
