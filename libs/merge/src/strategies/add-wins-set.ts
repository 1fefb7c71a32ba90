import type { Dot, VersionVector } from '../causality';

/**
 * An add-wins observed-remove set, op-based over a stream's events: an add is
 * tagged with its event's dot; a remove cancels only the adds its deps had
 * seen, so an add concurrent with a remove survives. Both parts only grow, so
 * any order and any duplication of the same operations give the same set.
 */
export interface AddWinsSet {
  /** element → dots of its adds (`region:n`). */
  readonly adds: ReadonlyMap<string, ReadonlySet<string>>;
  /** element → per region, the highest add counter a remove had seen. */
  readonly removed: ReadonlyMap<string, Readonly<Record<string, number>>>;
}

export const emptyAddWinsSet = (): AddWinsSet => ({ adds: new Map(), removed: new Map() });

export function addElement(set: AddWinsSet, element: string, dot: Dot): AddWinsSet {
  const dots = new Set(set.adds.get(element) ?? []).add(`${dot.region}:${dot.n}`);
  return { ...set, adds: new Map(set.adds).set(element, dots) };
}

export function removeElement(set: AddWinsSet, element: string, seen: VersionVector): AddWinsSet {
  const held = { ...(set.removed.get(element) ?? {}) };
  for (const [region, n] of Object.entries(seen)) if (n > (held[region] ?? 0)) held[region] = n;
  return { ...set, removed: new Map(set.removed).set(element, held) };
}

/** Present elements, ascending (code-unit order). */
export function elementsOf(set: AddWinsSet): string[] {
  const present: string[] = [];
  for (const [element, dots] of set.adds) {
    const removed = set.removed.get(element) ?? {};
    const alive = [...dots].some((dot) => {
      const split = dot.lastIndexOf(':');
      return Number(dot.slice(split + 1)) > (removed[dot.slice(0, split)] ?? 0);
    });
    if (alive) present.push(element);
  }
  return present.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
