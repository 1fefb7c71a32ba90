import type { VersionVector } from '@geode/event-store';

/**
 * Where a refill stands: `waiting-for-peers` until every source has said what
 * it holds, `pulling` until this geode holds all of it, `verifying` every
 * origin's chain, `projections` until they are current, then `done`.
 * `failed` (a chain that does not verify) needs an operator.
 */
export type RefillPhase =
  'waiting-for-peers' | 'pulling' | 'verifying' | 'projections' | 'done' | 'failed';

export interface RefillProgress {
  phase: RefillPhase;
  /** The peers named by `--refill-from`: each must be heard from. */
  sources: string[];
  /** What each peer held when first heard from; the refill holds at least the merge of these. */
  targets: Record<string, VersionVector>;
  held: VersionVector;
  /** Entries still to pull to reach the targets, over every origin. */
  remaining: number;
  error: string | null;
}

/** Per origin, the highest seq any target holds. */
export function mergedTarget(targets: Record<string, VersionVector>): VersionVector {
  const merged: VersionVector = {};
  for (const vector of Object.values(targets)) {
    for (const [origin, seq] of Object.entries(vector)) {
      merged[origin] = Math.max(merged[origin] ?? 0, seq);
    }
  }
  return merged;
}

/** Entries of `target` that `held` lacks, over every origin. */
export function remainingEntries(target: VersionVector, held: VersionVector): number {
  let remaining = 0;
  for (const [origin, seq] of Object.entries(target)) {
    remaining += Math.max(0, seq - (held[origin] ?? 0));
  }
  return remaining;
}

/**
 * The pull is complete when every source has been heard from and this geode
 * holds, per origin, at least what any peer heard from held at that moment —
 * its own origin included, so its sequencer continues the chain where it stopped.
 */
export function pullComplete(
  sources: readonly string[],
  targets: Record<string, VersionVector>,
  held: VersionVector,
): boolean {
  return (
    sources.every((source) => targets[source] !== undefined) &&
    remainingEntries(mergedTarget(targets), held) === 0
  );
}
