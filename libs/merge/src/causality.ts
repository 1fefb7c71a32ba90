import { inCanonicalOrder, type CanonicalEvent } from './canonical-order';

/**
 * Causality between the events of one stream, from their dots and deps
 * (DESIGN.md §2). Shapes mirror the event store's envelope structurally, so
 * this library stays pure and any store or simulator can feed it.
 */
export interface Dot {
  readonly region: string;
  readonly n: number;
}

export type VersionVector = Readonly<Record<string, number>>;

export interface CausalEvent {
  readonly eventId: string;
  readonly dot: Dot;
  readonly deps: VersionVector;
}

/**
 * `a` happened before `b` iff `b` had seen `a`'s dot. A region's own dots on a
 * stream are sequential decisions, so an earlier counter of the same region
 * counts as seen even if a peer's deps forgot to say so.
 */
export function happenedBefore(a: CausalEvent, b: CausalEvent): boolean {
  if (a.dot.region === b.dot.region) return a.dot.n < b.dot.n;
  return (b.deps[a.dot.region] ?? 0) >= a.dot.n;
}

/** Neither happened before the other (and they are not the same event). */
export function areConcurrent(a: CausalEvent, b: CausalEvent): boolean {
  return a.eventId !== b.eventId && !happenedBefore(a, b) && !happenedBefore(b, a);
}

/** What an event had seen, itself included. */
export function inclusiveVector(event: CausalEvent): Record<string, number> {
  const vector: Record<string, number> = { ...event.deps };
  vector[event.dot.region] = Math.max(vector[event.dot.region] ?? 0, event.dot.n);
  return vector;
}

/** Pointwise max: everything any of the vectors covers. */
export function joinVectors(vectors: readonly VersionVector[]): Record<string, number> {
  const joined: Record<string, number> = {};
  for (const vector of vectors)
    for (const [region, n] of Object.entries(vector))
      if (n > (joined[region] ?? 0)) joined[region] = n;
  return sortedVector(joined);
}

/** Pointwise min: what every one of the vectors covers. */
export function meetVectors(vectors: readonly VersionVector[]): Record<string, number> {
  if (vectors.length === 0) return {};
  const regions = new Set(vectors.flatMap((vector) => Object.keys(vector)));
  const met: Record<string, number> = {};
  for (const region of regions) {
    const n = Math.min(...vectors.map((vector) => vector[region] ?? 0));
    if (n > 0) met[region] = n;
  }
  return sortedVector(met);
}

/** Whether a vector covers an event's dot. */
export function covers(vector: VersionVector, dot: Dot): boolean {
  return (vector[dot.region] ?? 0) >= dot.n;
}

/** Keys in code-unit order: vectors recorded in events hash the same everywhere. */
export function sortedVector(vector: VersionVector): Record<string, number> {
  return Object.fromEntries(
    Object.entries(vector).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/**
 * What each event had seen, transitively: its own dot, its deps, and
 * everything the events it names (and its region's earlier event) had seen.
 * Deps are what the writing region held of the stream, and a region may hold
 * a peer's event before the events that one depended on (they travel in other
 * regions' logs), so deps alone are not transitive. Computed in canonical
 * order, which follows causality (an HLC never goes back along
 * happened-before), so each event's past is known before it is needed; what
 * is not held only counts by its dot.
 */
export function causalPasts<Event extends CanonicalEvent>(
  events: readonly Event[],
): Map<Event, Record<string, number>> {
  const byDot = new Map<string, Event>();
  for (const event of events) byDot.set(dotKey(event.dot.region, event.dot.n), event);
  const pasts = new Map<Event, Record<string, number>>();
  for (const event of inCanonicalOrder(events)) {
    const past = inclusiveVector(event);
    const seen = [byDot.get(dotKey(event.dot.region, event.dot.n - 1))];
    for (const [region, n] of Object.entries(event.deps)) seen.push(byDot.get(dotKey(region, n)));
    for (const earlier of seen) {
      const known = earlier && pasts.get(earlier);
      if (known)
        for (const [region, n] of Object.entries(known))
          if (n > (past[region] ?? 0)) past[region] = n;
    }
    pasts.set(event, past);
  }
  return pasts;
}

function dotKey(region: string, n: number): string {
  return `${region}\u0000${n}`;
}
