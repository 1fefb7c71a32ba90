import { compareCanonical, inCanonicalOrder, type CanonicalEvent } from './canonical-order';
import {
  covers,
  happenedBefore,
  inclusiveVector,
  joinVectors,
  meetVectors,
  type Dot,
} from './causality';

/**
 * A stream whose events are not totally ordered by causality: more than one
 * head (an event no other event of the stream had seen).
 */
export interface Fork<Event extends CanonicalEvent> {
  /** The concurrent heads, in canonical order. */
  readonly heads: readonly Event[];
  /** What every head had seen: the common ancestor's version vector. */
  readonly ancestorVector: Readonly<Record<string, number>>;
  /** Events every head had seen, in canonical order: the common ancestor. */
  readonly ancestors: readonly Event[];
  /** Per head (same order), the events it had seen beyond the ancestor, in canonical order. */
  readonly branches: readonly (readonly Event[])[];
  /** Every event beyond the ancestor, in canonical order. */
  readonly concurrent: readonly Event[];
  /** Join of all heads: the deps a merge event must carry to close the fork. */
  readonly joinVector: Readonly<Record<string, number>>;
  /**
   * Dots the heads depend on that this holder does not have yet (they travel
   * in other regions' logs). A merge waits until there are none: it may only
   * name what it folded.
   */
  readonly missing: readonly Dot[];
}

/** The events no other event of the stream had seen, in canonical order. */
export function streamHeads<Event extends CanonicalEvent>(events: readonly Event[]): Event[] {
  // Per region only the highest dot can be a head: a region's dots are sequential.
  const latest = new Map<string, Event>();
  for (const event of events) {
    const held = latest.get(event.dot.region);
    if (!held || event.dot.n > held.dot.n) latest.set(event.dot.region, event);
  }
  const candidates = [...latest.values()];
  return candidates
    .filter((event) => !candidates.some((other) => happenedBefore(event, other)))
    .sort(compareCanonical);
}

/** `null` when the stream's events form one causal line (or the stream is empty). */
export function detectFork<Event extends CanonicalEvent>(
  events: readonly Event[],
): Fork<Event> | null {
  const heads = streamHeads(events);
  if (heads.length < 2) return null;
  const headVectors = heads.map(inclusiveVector);
  const ancestorVector = meetVectors(headVectors);
  const ordered = inCanonicalOrder(events);
  const ancestors = ordered.filter((event) => covers(ancestorVector, event.dot));
  const concurrent = ordered.filter((event) => !covers(ancestorVector, event.dot));
  const branches = headVectors.map((vector) =>
    concurrent.filter((event) => covers(vector, event.dot)),
  );
  const joinVector = joinVectors(headVectors);
  return {
    heads,
    ancestorVector,
    ancestors,
    branches,
    concurrent,
    joinVector,
    missing: missingDots(events, joinVector),
  };
}

/** Dots a vector covers that are not among the events. */
export function missingDots(
  events: readonly CanonicalEvent[],
  vector: Readonly<Record<string, number>>,
): Dot[] {
  const held = new Set(events.map((event) => `${event.dot.region}\u0000${event.dot.n}`));
  const missing: Dot[] = [];
  for (const [region, upTo] of Object.entries(vector))
    for (let n = 1; n <= upTo; n += 1)
      if (!held.has(`${region}\u0000${n}`)) missing.push({ region, n });
  return missing;
}
