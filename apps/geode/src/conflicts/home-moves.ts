import { Inject, Injectable } from '@nestjs/common';
import {
  DuplicateEventId,
  EVENT_STORE,
  RevisionConflict,
  type EventStore,
  type StoredEvent,
} from '@geode/event-store';
import {
  detectFork,
  HOME_MOVE_EVENT_TYPE,
  HOME_MOVE_SCHEMA_VERSION,
  pendingMoves,
  readHomeMove,
  type HomeMoveRecord,
} from '@geode/merge';
import { ProblemException } from '@geode/problem-details';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { authorityOf } from './home-authority';
import { MERGE_POLICIES, policyForStream, type MergePolicies } from './merge-policies';

export interface HomeMoveRequest {
  streamId: string;
  /** The region that becomes home: it must be the one answering (it takes the stream over). */
  region: string;
  reason: string;
  operator: string;
  eventId: string;
}

export interface HomeMoved {
  moveEventId: string;
  from: string;
  to: string;
  revision: number;
}

/**
 * An operator hands a stream's merges to another region (issue #7, ADR 0012):
 * an audited `geode.HomeRegionMoved` event on the stream, which replicates
 * like any other. The new home writes it (the request goes to the geode of
 * the region named); when the stream is forked the move joins the fork (it is
 * concurrent with the open branches), so the fork it was made for is merged by
 * the new home, and only one move may be pending per fork.
 */
@Injectable()
export class HomeMoves {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(MERGE_POLICIES) private readonly policies: MergePolicies,
  ) {}

  async move(request: HomeMoveRequest): Promise<HomeMoved> {
    const { streamId, region } = request;
    if (region !== this.config.region)
      throw new ProblemException(
        409,
        'not-new-home',
        `a stream moves to the region that takes it over: send this to the geode of ${region}`,
        { region, servedBy: this.config.region },
      );
    const info = await this.store.streamInfo(streamId);
    const events: StoredEvent[] = [];
    if (info) for await (const event of this.store.streamEvents(streamId)) events.push(event);
    const policy = policyForStream(this.policies, streamId);
    const authority = info ? await authorityOf(this.store, policy, streamId, events) : null;
    if (!info || events.length === 0 || !authority)
      throw new ProblemException(404, 'not-found', `no stream ${streamId} here`);
    if (info.residency && !info.residency.includes(region))
      throw new ProblemException(
        409,
        'residency-violation',
        `${region} may not hold this stream: its home must be one of its regions`,
        { allowedRegions: info.residency },
      );
    if (authority.region === region)
      throw new ProblemException(409, 'home-unchanged', `${region} already is the home`, {
        homeRegion: region,
      });
    const fork = detectFork(events);
    if (fork && fork.missing.length > 0)
      throw new ProblemException(
        409,
        'fork-incomplete',
        'events of the pending fork are still arriving; move once they are here',
      );
    if (pendingMoves(streamId, fork).length > 0)
      throw new ProblemException(
        409,
        'home-move-pending',
        'the pending fork already carries a move; one hand-over per fork (merge first)',
      );

    const record: HomeMoveRecord = {
      streamId,
      from: authority.region,
      to: region,
      reason: request.reason,
      operator: request.operator,
    };
    if (!readHomeMove(HOME_MOVE_EVENT_TYPE, HOME_MOVE_SCHEMA_VERSION, record).ok)
      throw new ProblemException(400, 'validation', 'the move cannot be recorded as given');
    try {
      const result = await this.store.append(
        streamId,
        [
          {
            eventId: request.eventId,
            type: HOME_MOVE_EVENT_TYPE,
            schemaVersion: HOME_MOVE_SCHEMA_VERSION,
            data: { ...record },
            metadata: { operator: request.operator, movedBy: this.config.region },
          },
        ],
        {
          expectedRevision: events.length,
          // Forked: concurrent with the open branches, so the move joins the fork instead of
          // hiding it (an event after every head would leave no fork to merge).
          ...(fork ? { deps: fork.ancestorVector } : {}),
        },
      );
      return {
        moveEventId: request.eventId,
        from: record.from,
        to: record.to,
        revision: result.nextRevision,
      };
    } catch (error) {
      if (error instanceof RevisionConflict)
        throw new ProblemException(409, 'revision-conflict', 'the stream moved meanwhile; retry');
      if (error instanceof DuplicateEventId)
        throw new ProblemException(409, 'duplicate-request', 'this move was already recorded');
      throw error;
    }
  }
}
