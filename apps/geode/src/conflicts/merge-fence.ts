import { Inject, Injectable, Optional } from '@nestjs/common';
import { EVENT_STORE, type EventStore, type StoredEvent } from '@geode/event-store';
import { readHomeMove } from '@geode/merge';
import { LagTracker } from '@geode/replication';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import type { GeodeConfig } from '../config/geode-config';
import { PeerAcknowledgements } from '../replication/peer-acknowledgements';

/**
 * When a region may write a merge it is the authority for (ADR 0012, home
 * moves). The authority is the same in every region that holds the same fork;
 * the fence makes sure a region does not merge a fork from a view that a peer
 * already knows to be stale:
 * - after a (re)start, not before replication heard from a peer and caught up
 *   with what the peers it heard from hold (a home that comes back must first
 *   learn that its streams moved away). Checked until it holds once: a peer
 *   that died ahead of this region must not stop its merges for good;
 * - a fork whose authority comes from a move still inside the fork (the
 *   hand-over itself is one of the concurrent events) waits until every peer
 *   but the home moved away from has acknowledged the move, and this region
 *   holds everything those acknowledgements say the peers held: a concurrent
 *   move made elsewhere is then among the fork's events here too, and every
 *   region names the same authority for the same, complete fork.
 */
@Injectable()
export class MergeFence {
  private caughtUpSinceStart = false;

  constructor(
    @Inject(GEODE_CONFIG) private readonly config: GeodeConfig,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    // Absent where the geode runs without replication (no peers to fence against).
    @Optional() private readonly lagTracker?: LagTracker,
    @Optional() private readonly acknowledgements?: PeerAcknowledgements,
  ) {}

  /** `null` when the merge may go ahead, otherwise why it waits. */
  async holdBack(pendingMove: StoredEvent | null): Promise<string | null> {
    const peers = this.config.replication.peers.map((peer) => peer.region);
    if (peers.length === 0) return null;
    if (!this.caughtUpSinceStart) {
      const waiting = this.catchingUp(peers);
      if (waiting) return waiting;
      this.caughtUpSinceStart = true;
    }
    if (pendingMove === null) return null;
    return this.moveSettled(pendingMove, peers);
  }

  private catchingUp(peers: string[]): string | null {
    const lag = this.lagTracker;
    if (!lag) return null;
    if (peers.every((peer) => lag.peerVector(peer) === null))
      return 'no peer heard from since start';
    // A region is never behind on its own origin; the tracker may not have seen its latest writes.
    const behind = Object.entries(lag.lag()).find(
      ([origin, figures]) => origin !== this.config.region && figures.events > 0,
    );
    return behind ? `catching up on ${behind[0]} since start` : null;
  }

  private async moveSettled(move: StoredEvent, peers: string[]): Promise<string | null> {
    if (!move.origin) return 'the move is not stamped yet';
    const read = readHomeMove(move.type, move.schemaVersion, move.data);
    const movedFrom = read.ok ? read.record.from : null;
    const acks = this.acknowledgements;
    if (!acks) return 'no acknowledgements to read';
    const held = await this.store.knowledge();
    for (const peer of peers) {
      // The home moved away from is presumed fenced (down or stopped): it is not waited for.
      if (peer === movedFrom) continue;
      const ack = acks.of(peer)?.vector;
      if (!ack || (ack[move.origin.region] ?? 0) < move.origin.seq)
        return `${peer} has not acknowledged the move`;
      const unseen = Object.entries(ack).find(([origin, seq]) => (held[origin] ?? 0) < seq);
      if (unseen) return `${peer} holds ${unseen[0]} events not held here`;
    }
    return null;
  }
}
