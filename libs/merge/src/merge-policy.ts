import type { CanonicalEvent } from './canonical-order';
import type { ResolverRef } from './merge-event';
import type { MergeJsonObject } from './merge-json';

/** A stream event as the merge engine sees it: envelope plus untrusted payload. */
export interface MergeableEvent extends CanonicalEvent {
  readonly type: string;
  readonly schemaVersion: number;
  readonly data: unknown;
}

/** What a domain resolver is given: pure data, nothing else (no clock, no store). */
export interface ResolverInput<State, Event extends MergeableEvent> {
  /** State folded from the events every head had seen. */
  readonly ancestor: State;
  /** Per concurrent head, the events beyond the ancestor, in canonical order. */
  readonly branches: readonly (readonly Event[])[];
  /** State folded from everything, in canonical order: what reads show until the merge. */
  readonly provisional: State;
  /** Every event held, in canonical order (to work out what the merge will change). */
  readonly events: readonly Event[];
}

/** What an operator's outcome is checked against. */
export interface OperatorInput<State, Event extends MergeableEvent> {
  readonly provisional: State;
  readonly events: readonly Event[];
}

export type ResolverDecision =
  | Readonly<{ kind: 'resolved'; outcome: MergeJsonObject; compensations: MergeJsonObject[] }>
  /** The fork waits in the conflict queue for an operator. */
  | Readonly<{ kind: 'manual'; reason: string }>;

/**
 * How a stream category merges, declared by its domain module (DESIGN.md §4).
 * Field-level strategies (registers, counters, sets) live in `fold`: folding
 * in canonical order already merges them; `resolve` is the domain resolver
 * for invariants, named and versioned.
 */
export interface MergePolicy<State, Event extends MergeableEvent = MergeableEvent> {
  /** Recorded on streams, e.g. `ledger.account`. */
  readonly id: string;
  readonly category: string;
  readonly resolver: ResolverRef;
  /** Folds events (merge events included, to their recorded outcomes) in canonical order. */
  fold(events: readonly Event[]): State;
  /**
   * The home the stream was created with, read from its events (the domain
   * knows which event says it); moves are folded on top (`mergeAuthority`).
   * Absent: the store's stream metadata is used, where it is known.
   */
  firstHome?(events: readonly Event[]): string | null;
  resolve(input: ResolverInput<State, Event>): ResolverDecision;
  /** Checks an operator's chosen outcome before it is recorded (and describes its effect). */
  readOperatorOutcome(
    outcome: unknown,
    input: OperatorInput<State, Event>,
  ): { ok: true; outcome: MergeJsonObject } | { ok: false; problem: string };
}
