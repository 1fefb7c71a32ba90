import { Inject, Injectable } from '@nestjs/common';
import {
  DuplicateEventId,
  EVENT_STORE,
  type EventStore,
  type StoredEvent,
} from '@geode/event-store';
import { planMerge, planOperatorMerge, type MergeRecord } from '@geode/merge';
import { ProblemException } from '@geode/problem-details';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { ConflictRepository } from './conflict-repository';
import { authorityOf } from './home-authority';
import { MergeMetrics } from './merge-metrics';
import { MERGE_POLICIES, policyForStream, type MergePolicies } from './merge-policies';
import { Merger } from './merger';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface OperatorResolution {
  /** The policy's operator outcome (for the ledger: `{ reopen?, balanceAdjustment? }`). */
  outcome: unknown;
  reason: string;
  /** Who decided; recorded as given (there is no authentication yet). */
  operator: string;
}

export interface ResolvedConflict {
  conflictId: string;
  mergeEventId: string;
  merge: MergeRecord;
}

/**
 * An operator's resolution of a manual fork (REST and GraphQL share it). Only
 * the stream's home region writes its merges, and only forks the policy left
 * to an operator are theirs to resolve; everything else is refused as a problem.
 */
@Injectable()
export class ConflictResolution {
  constructor(
    private readonly conflicts: ConflictRepository,
    private readonly merger: Merger,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(MERGE_POLICIES) private readonly policies: MergePolicies,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    private readonly metrics: MergeMetrics,
  ) {}

  async resolve(id: string, resolution: OperatorResolution): Promise<ResolvedConflict> {
    if (!UUID.test(id))
      throw new ProblemException(400, 'validation', 'id must be a UUID', { field: 'id' });
    const conflict = await this.conflicts.byId(id.toLowerCase());
    if (!conflict) throw new ProblemException(404, 'not-found', `no conflict ${id} here`);
    if (conflict.status === 'resolved')
      throw new ProblemException(409, 'conflict-resolved', `conflict ${id} is already resolved`, {
        mergeEventId: conflict.mergeEventId,
      });
    const policy = policyForStream(this.policies, conflict.streamId);
    if (!policy)
      throw new ProblemException(404, 'not-found', `no merge policy for ${conflict.streamId}`);
    const events: StoredEvent[] = [];
    for await (const event of this.store.streamEvents(conflict.streamId)) events.push(event);
    // The home as folded from the stream (first home, then moves in canonical order).
    const authority = await authorityOf(this.store, policy, conflict.streamId, events);
    if (authority && authority.region !== this.config.region)
      throw new ProblemException(
        409,
        'not-home-region',
        `merges of ${conflict.streamId} are written by its home region ${authority.region}`,
        { homeRegion: authority.region },
      );
    const planned = planMerge(policy, conflict.streamId, events, this.config.region);
    if (planned.kind === 'merge')
      throw new ProblemException(
        409,
        'fork-automatic',
        `the ${policy.resolver.name} resolver settles this fork; the merger will write its merge`,
      );
    // The merger's fence holds for operators too: one merge per fork, from a view that is not stale.
    const fenced =
      authority && planned.kind === 'manual'
        ? await this.merger.holdBack(conflict.streamId, planned.fork, authority)
        : null;
    if (fenced !== null)
      throw new ProblemException(
        409,
        'merge-fenced',
        `this region may not merge ${conflict.streamId} yet: ${fenced}; try again shortly`,
      );
    const plan = planOperatorMerge(policy, conflict.streamId, events, {
      ...resolution,
      region: this.config.region,
    });
    if (!plan.ok) {
      if (plan.problem === 'invalid-outcome')
        throw new ProblemException(422, 'validation', plan.detail, { field: 'outcome' });
      throw new ProblemException(409, `fork-${plan.problem}`, plan.detail);
    }
    let appended: 'merged' | 'raced';
    try {
      appended = await this.merger.appendMerge(conflict.streamId, plan.merge, events.length);
    } catch (error) {
      if (error instanceof DuplicateEventId)
        throw new ProblemException(
          409,
          'conflict-resolved',
          'this fork was already resolved with another outcome',
        );
      throw error;
    }
    if (appended === 'raced')
      throw new ProblemException(
        409,
        'revision-conflict',
        'the stream moved meanwhile; look again',
      );
    return {
      conflictId: conflict.conflictId,
      mergeEventId: plan.merge.eventId,
      merge: plan.merge.data,
    };
  }
}
