import { compareCanonical, inCanonicalOrder, type CanonicalEvent } from './canonical-order';
import {
  causalPasts,
  covers,
  joinVectors,
  meetVectors,
  sortedVector,
  type Dot,
  type VersionVector,
} from './causality';
import { MERGE_EVENT_TYPE } from './merge-event';

/**
 * A stream holding concurrent events that no merge has joined yet: more than
 * one head among them (see `detectFork`).
 */
export interface Fork<Event extends CanonicalEvent> {
  /** The concurrent heads, in canonical order. */
  readonly heads: readonly Event[];
  /** What every head had seen short of any open event: the common ancestor's version vector. */
  readonly ancestorVector: Readonly<Record<string, number>>;
  /** Events every head had seen, in canonical order: the common ancestor. */
  readonly ancestors: readonly Event[];
  /** Per head (same order), the events it had seen beyond the ancestor, in canonical order. */
  readonly branches: readonly (readonly Event[])[];
  /** Every event beyond the ancestor that a head had seen, in canonical order. */
  readonly concurrent: readonly Event[];
  /** Join of all heads and of everything held after them: the deps a merge event carries. */
  readonly joinVector: Readonly<Record<string, number>>;
  /**
   * Dots the merge would follow that this holder does not have yet (they
   * travel in other regions' logs). A merge waits until there are none: it may
   * only name what it folded.
   */
  readonly missing: readonly Dot[];
}

/** What fork detection reads of an event: its causality, its place, and whether it is a merge. */
export interface ForkEvent extends CanonicalEvent {
  /** Only a merge event (`geode.Merge`) closes a fork; absent means an ordinary event. */
  readonly type?: string;
}

export function isMergeEvent(event: ForkEvent): boolean {
  return event.type === MERGE_EVENT_TYPE;
}

/** The events no other event of the stream had seen (transitively), in canonical order. */
export function streamHeads<Event extends CanonicalEvent>(events: readonly Event[]): Event[] {
  return latestOf(events, causalPasts(events));
}

/**
 * `null` when the stream holds no concurrent pair of events left open.
 *
 * **Only a merge closes a fork.** Two events are concurrent when neither had
 * seen the other (transitively); the pair stays open until one merge event
 * has seen both. An ordinary event that had seen both (a local write made
 * after the replicated one arrived) joins them causally but resolves nothing:
 * without this rule it would hide the fork, and the resolver (overdraft, close
 * vs deposit…) would never run. The fork's heads are the latest of the events
 * in open pairs; its ancestor is what every head had seen short of any open
 * event.
 */
export function detectFork<Event extends ForkEvent>(events: readonly Event[]): Fork<Event> | null {
  const pasts = causalPasts(events);
  const open = eventsInOpenPairs(events, pasts);
  const heads = latestOf(open, pasts);
  // Two or more whenever a pair is open; kept as a guard for a peer's inconsistent deps.
  if (heads.length < 2) return null;
  const headVectors = heads.map((head) => pasts.get(head)!);
  const ancestorVector = belowEvery(meetVectors(headVectors), open);
  const forkVector = joinVectors(headVectors);
  const ordered = inCanonicalOrder(events);
  const ancestors = ordered.filter((event) => covers(ancestorVector, event.dot));
  const concurrent = ordered.filter(
    (event) => covers(forkVector, event.dot) && !covers(ancestorVector, event.dot),
  );
  const branches = headVectors.map((vector) =>
    concurrent.filter((event) => covers(vector, event.dot)),
  );
  // The merge follows everything held, the events that came after the fork included.
  const joinVector = joinVectors([...pasts.values()]);
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

/** Among the events, those no other of them had seen, in canonical order. */
function latestOf<Event extends CanonicalEvent>(
  events: readonly Event[],
  pasts: ReadonlyMap<Event, VersionVector>,
): Event[] {
  // Per region only the highest dot can be a head: a region's dots are sequential.
  const latest = new Map<string, Event>();
  for (const event of events) {
    const held = latest.get(event.dot.region);
    if (!held || event.dot.n > held.dot.n) latest.set(event.dot.region, event);
  }
  const candidates = [...latest.values()];
  return candidates
    .filter(
      (event) =>
        !candidates.some((other) => other !== event && covers(pasts.get(other)!, event.dot)),
    )
    .sort(compareCanonical);
}

/**
 * Every event that is concurrent with another one while no merge event has
 * seen both. What the merges had seen is closed (a later merge by the home
 * has seen the earlier ones). For each event beyond it and each other region,
 * its partners are that region's events from the first one it had not seen up
 * to the first one that had seen it: a region's pasts only grow along its
 * dots, so the cost is the pairs found, not all pairs.
 */
function eventsInOpenPairs<Event extends ForkEvent>(
  events: readonly Event[],
  pasts: ReadonlyMap<Event, VersionVector>,
): Event[] {
  const closed = joinVectors(events.filter(isMergeEvent).map((merge) => pasts.get(merge)!));
  const byRegion = new Map<string, Event[]>();
  for (const event of events) {
    const line = byRegion.get(event.dot.region);
    if (line) line.push(event);
    else byRegion.set(event.dot.region, [event]);
  }
  for (const line of byRegion.values()) line.sort((a, b) => a.dot.n - b.dot.n);
  const open = new Set<Event>();
  for (const event of events) {
    if (covers(closed, event.dot)) continue;
    const past = pasts.get(event)!;
    for (const [region, line] of byRegion) {
      if (region === event.dot.region) continue;
      for (let i = firstAbove(line, past[region] ?? 0); i < line.length; i += 1) {
        const other = line[i];
        if (covers(pasts.get(other)!, event.dot)) break;
        open.add(event);
        open.add(other);
      }
    }
  }
  return [...open];
}

/** Index of the first event of a region's line (sorted by dot) whose counter is above `n`. */
function firstAbove(line: readonly ForkEvent[], n: number): number {
  let low = 0;
  let high = line.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (line[middle].dot.n <= n) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The vector lowered, per region, below the first open event: an ancestor is settled. */
function belowEvery(vector: VersionVector, open: readonly ForkEvent[]): Record<string, number> {
  const lowered: Record<string, number> = { ...vector };
  for (const event of open)
    if ((lowered[event.dot.region] ?? 0) >= event.dot.n)
      lowered[event.dot.region] = event.dot.n - 1;
  return sortedVector(Object.fromEntries(Object.entries(lowered).filter(([, n]) => n > 0)));
}
