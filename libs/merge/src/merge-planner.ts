import { inCanonicalOrder } from './canonical-order';
import { detectFork, type Fork } from './fork-detection';
import {
  MANUAL_RESOLVER,
  MERGE_EVENT_TYPE,
  MERGE_SCHEMA_VERSION,
  mergeEventId,
  type MergeRecord,
  type ResolvedBy,
} from './merge-event';
import type { MergeJsonObject } from './merge-json';
import type { MergeableEvent, MergePolicy } from './merge-policy';

/** A merge event ready to append: id, type, data, and deps joining every branch. */
export interface PlannedMerge {
  readonly eventId: string;
  readonly type: typeof MERGE_EVENT_TYPE;
  readonly schemaVersion: typeof MERGE_SCHEMA_VERSION;
  readonly data: MergeRecord;
  readonly deps: Readonly<Record<string, number>>;
}

export type MergePlan<Event extends MergeableEvent> =
  | Readonly<{ kind: 'no-fork' }>
  /** Some dots the heads depend on are still on their way: merge once they are held. */
  | Readonly<{ kind: 'incomplete'; fork: Fork<Event> }>
  | Readonly<{ kind: 'manual'; fork: Fork<Event>; reason: string }>
  | Readonly<{ kind: 'merge'; fork: Fork<Event>; merge: PlannedMerge }>;

/**
 * What the stream's home region appends for a stream's events: nothing (one
 * causal line), a wait, a manual fork, or a merge event whose outcome the
 * policy's resolver decided. Pure and deterministic: the same events give the
 * same merge, byte for byte, in any process.
 */
export function planMerge<State, Event extends MergeableEvent>(
  policy: MergePolicy<State, Event>,
  streamId: string,
  events: readonly Event[],
  region: string,
): MergePlan<Event> {
  const fork = detectFork(events);
  if (fork === null) return { kind: 'no-fork' };
  if (fork.missing.length > 0) return { kind: 'incomplete', fork };
  const ordered = inCanonicalOrder(events);
  const decision = policy.resolve({
    ancestor: policy.fold(fork.ancestors),
    branches: fork.branches,
    provisional: policy.fold(ordered),
    events: ordered,
  });
  if (decision.kind === 'manual') return { kind: 'manual', fork, reason: decision.reason };
  const merge = buildMerge(streamId, fork, {
    strategy: 'resolver',
    resolver: policy.resolver,
    outcome: decision.outcome,
    compensations: decision.compensations,
    resolvedBy: { kind: 'region', region },
  });
  return { kind: 'merge', fork, merge };
}

/** An operator's resolution of a fork: the outcome they chose, checked by the policy. */
export function planOperatorMerge<State, Event extends MergeableEvent>(
  policy: MergePolicy<State, Event>,
  streamId: string,
  events: readonly Event[],
  decision: { outcome: unknown; operator: string; reason: string; region: string },
):
  | { ok: true; merge: PlannedMerge }
  | { ok: false; problem: 'no-fork' | 'incomplete' | 'invalid-outcome'; detail: string } {
  const fork = detectFork(events);
  if (fork === null) return { ok: false, problem: 'no-fork', detail: 'the stream is not forked' };
  if (fork.missing.length > 0)
    return { ok: false, problem: 'incomplete', detail: 'events of the fork are still arriving' };
  const ordered = inCanonicalOrder(events);
  const outcome = policy.readOperatorOutcome(decision.outcome, {
    provisional: policy.fold(ordered),
    events: ordered,
  });
  if (!outcome.ok) return { ok: false, problem: 'invalid-outcome', detail: outcome.problem };
  const merge = buildMerge(streamId, fork, {
    strategy: 'manual',
    resolver: MANUAL_RESOLVER,
    outcome: outcome.outcome,
    compensations: [],
    resolvedBy: {
      kind: 'operator',
      region: decision.region,
      operator: decision.operator,
      reason: decision.reason,
    },
  });
  return { ok: true, merge };
}

function buildMerge<Event extends MergeableEvent>(
  streamId: string,
  fork: Fork<Event>,
  decided: {
    strategy: MergeRecord['strategy'];
    resolver: MergeRecord['resolver'];
    outcome: MergeJsonObject;
    compensations: MergeJsonObject[];
    resolvedBy: ResolvedBy;
  },
): PlannedMerge {
  const heads = fork.heads.map((event) => event.eventId.toLowerCase()).sort();
  const data: MergeRecord = {
    streamId,
    heads,
    concurrentEvents: fork.concurrent.map((event) => event.eventId.toLowerCase()).sort(),
    ancestor: fork.ancestorVector,
    forkedAt: forkedAt(fork),
    ...decided,
  };
  return {
    eventId: mergeEventId(streamId, heads, decided.resolver),
    type: MERGE_EVENT_TYPE,
    schemaVersion: MERGE_SCHEMA_VERSION,
    data,
    deps: fork.joinVector,
  };
}

/** The fork exists from its latest head on (canonical order, so the same everywhere). */
export function forkedAt<Event extends MergeableEvent>(
  fork: Fork<Event>,
): { wallMs: number; logical: number } {
  const { wallMs, logical } = fork.heads[fork.heads.length - 1].hlc;
  return { wallMs, logical };
}
