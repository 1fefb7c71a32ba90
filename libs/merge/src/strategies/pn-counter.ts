/**
 * A PN-counter: per region, the total it added and the total it took away.
 * Merging takes the pointwise max, so replicas that saw the same updates agree
 * whatever order or how often they merged. Amounts are bigint minor units.
 */
export interface PnCounter {
  readonly increments: Readonly<Record<string, bigint>>;
  readonly decrements: Readonly<Record<string, bigint>>;
}

export const emptyCounter = (): PnCounter => ({ increments: {}, decrements: {} });

/** A region's own update (its totals only grow). */
export function updateCounter(counter: PnCounter, region: string, delta: bigint): PnCounter {
  const side = delta >= 0n ? 'increments' : 'decrements';
  const magnitude = delta >= 0n ? delta : -delta;
  return {
    ...counter,
    [side]: { ...counter[side], [region]: (counter[side][region] ?? 0n) + magnitude },
  };
}

export function mergeCounters(a: PnCounter, b: PnCounter): PnCounter {
  return {
    increments: pointwiseMax(a.increments, b.increments),
    decrements: pointwiseMax(a.decrements, b.decrements),
  };
}

export function counterValue(counter: PnCounter): bigint {
  const sum = (side: Readonly<Record<string, bigint>>) =>
    Object.values(side).reduce((total, n) => total + n, 0n);
  return sum(counter.increments) - sum(counter.decrements);
}

function pointwiseMax(
  a: Readonly<Record<string, bigint>>,
  b: Readonly<Record<string, bigint>>,
): Record<string, bigint> {
  const merged: Record<string, bigint> = { ...a };
  for (const [region, n] of Object.entries(b)) if (n > (merged[region] ?? 0n)) merged[region] = n;
  return merged;
}
