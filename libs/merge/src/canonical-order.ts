import type { CausalEvent } from './causality';

/** An event's place in the canonical order (DESIGN.md §4). */
export interface CanonicalEvent extends CausalEvent {
  readonly hlc: Readonly<{ wallMs: number; logical: number }>;
}

/**
 * The one order every geode folds a stream in: HLC wall time, HLC logical
 * counter, dot region (code-unit order, as PostgreSQL's "C" collation), dot
 * counter. Total, and consistent with causality because an HLC never goes back
 * along happened-before.
 */
export function compareCanonical(a: CanonicalEvent, b: CanonicalEvent): number {
  return (
    compareNumbers(a.hlc.wallMs, b.hlc.wallMs) ||
    compareNumbers(a.hlc.logical, b.hlc.logical) ||
    (a.dot.region === b.dot.region ? 0 : a.dot.region < b.dot.region ? -1 : 1) ||
    compareNumbers(a.dot.n, b.dot.n)
  );
}

/** A sorted copy; the input is left as it is. */
export function inCanonicalOrder<Event extends CanonicalEvent>(events: readonly Event[]): Event[] {
  return [...events].sort(compareCanonical);
}

function compareNumbers(a: number, b: number): number {
  return a === b ? 0 : a < b ? -1 : 1;
}
