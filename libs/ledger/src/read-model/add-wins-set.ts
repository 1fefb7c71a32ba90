/**
 * An add-wins observed-remove set (DESIGN.md §4). Each add is identified by its
 * event's dot; a remove cancels only the adds its causal context (deps) had
 * seen, so an add concurrent with a remove survives. The state is the adds
 * still alive and, per (element, region), the highest dot counter any remove
 * has covered: both only grow or shrink monotonically, so applying the same
 * events in any order, any number of times, ends in the same state.
 */
export interface ElementAdd {
  readonly element: string;
  readonly region: string;
  readonly n: number;
}

/** Per (element, region): adds with a dot counter up to `upTo` are removed. */
export interface ElementTombstone {
  readonly element: string;
  readonly region: string;
  readonly upTo: number;
}

/** The tombstones one remove leaves: its deps, for the element it removes. */
export function tombstonesOfRemove(
  element: string,
  deps: Readonly<Record<string, number>>,
): ElementTombstone[] {
  return Object.entries(deps)
    .filter(([, upTo]) => upTo > 0)
    .map(([region, upTo]) => ({ element, region, upTo }));
}

export function isRemovedBy(add: ElementAdd, tombstones: readonly ElementTombstone[]): boolean {
  return tombstones.some(
    (stone) => stone.element === add.element && stone.region === add.region && stone.upTo >= add.n,
  );
}

/** The elements present: those with an add no remove has covered; distinct, ascending. */
export function presentElements(
  adds: readonly ElementAdd[],
  tombstones: readonly ElementTombstone[],
): string[] {
  const present = new Set(
    adds.filter((add) => !isRemovedBy(add, tombstones)).map((a) => a.element),
  );
  return [...present].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
