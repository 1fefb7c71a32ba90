import { z } from 'zod';
import { compareCanonical, type CanonicalEvent } from './canonical-order';

/**
 * The platform's audited home-region move (issue #7, ADR 0012): an operator
 * hands a stream's merges to another region, e.g. while its home is down.
 * An ordinary stream event, so it replicates and folds like any other.
 */
export const HOME_MOVE_EVENT_TYPE = 'geode.HomeRegionMoved';
export const HOME_MOVE_SCHEMA_VERSION = 1;

export interface HomeMoveRecord {
  readonly streamId: string;
  /** The home the operator moved away from (as this region folded it). */
  readonly from: string;
  readonly to: string;
  readonly reason: string;
  /** Who decided; recorded as given (there is no authentication yet). */
  readonly operator: string;
}

const region = z
  .string()
  .max(63)
  .regex(/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/);

/** Not blank, at most `max` characters, kept as written (what was recorded is what is read). */
const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => value.trim().length > 0, 'must not be blank');

const homeMoveSchema = z.strictObject({
  streamId: z.string().min(1).max(256),
  from: region,
  to: region,
  reason: text(2_000),
  operator: text(200),
});

export type HomeMoveReading =
  | { readonly ok: true; readonly record: HomeMoveRecord }
  | { readonly ok: false; readonly problem: string };

/** Reads a move's data, which may come from a peer: nothing is trusted. */
export function readHomeMove(
  type: unknown,
  schemaVersion: unknown,
  data: unknown,
): HomeMoveReading {
  if (type !== HOME_MOVE_EVENT_TYPE)
    return { ok: false, problem: `type is not ${HOME_MOVE_EVENT_TYPE}` };
  if (schemaVersion !== HOME_MOVE_SCHEMA_VERSION)
    return { ok: false, problem: `schemaVersion ${String(schemaVersion)} is not readable` };
  const parsed = homeMoveSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, problem: `data.${issue.path.join('.')}: ${issue.message}` };
  }
  if (parsed.data.from === parsed.data.to)
    return { ok: false, problem: 'a move names two different regions' };
  return { ok: true, record: parsed.data };
}

export interface MoveEvent extends CanonicalEvent {
  readonly eventId: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/** The stream's moves that can be read (a peer's unreadable one is ignored alike everywhere), in canonical order. */
export function homeMoves<Event extends MoveEvent>(
  streamId: string,
  events: readonly Event[],
): { event: Event; record: HomeMoveRecord }[] {
  return events
    .filter((event) => event.type === HOME_MOVE_EVENT_TYPE)
    .sort(compareCanonical)
    .flatMap((event) => {
      const read = readHomeMove(event.type, event.schemaVersion, event.data);
      return read.ok && read.record.streamId === streamId ? [{ event, record: read.record }] : [];
    });
}

export interface MergeAuthority<Event extends MoveEvent> {
  /** The one region that writes merges for these events. */
  readonly region: string;
  /** The move that made it so; `null` when it is the stream's first home. */
  readonly move: Event | null;
}

/**
 * Who merges a fork: the stream's home folded over the fork's events in
 * canonical order (its first home, then every move). A region plans a merge
 * only once it holds everything the fork's heads had seen and nothing else
 * (the heads are the maximal events held), so every region that could merge
 * a given fork folds the same events and names the same region: a fork's
 * merge is written in one region only, under one id.
 */
export function mergeAuthority<Event extends MoveEvent>(
  streamId: string,
  firstHome: string,
  events: readonly Event[],
): MergeAuthority<Event> {
  const moves = homeMoves(streamId, events);
  const last = moves.at(-1);
  return last ? { region: last.record.to, move: last.event } : { region: firstHome, move: null };
}

/**
 * Moves among a fork's concurrent events (not yet joined by a merge). A second
 * move while one is pending is refused: one hand-over per fork keeps the
 * question "who merges this fork" with one answer in every region.
 */
export function pendingMoves<Event extends MoveEvent>(
  streamId: string,
  fork: Readonly<{ concurrent: readonly Event[] }> | null,
): Event[] {
  return fork ? homeMoves(streamId, fork.concurrent).map(({ event }) => event) : [];
}
