import { Injectable } from '@nestjs/common';
import type { VersionVector } from '@geode/event-store';

export interface PeerAcknowledgement {
  /** What the peer said it holds (per origin, highest seq held contiguously). */
  vector: VersionVector;
  at: string;
}

/**
 * What each peer last acknowledged to this process: the vector of its last
 * feed request or acknowledgement. Status and lag read it (sync mode will).
 * Kept in memory: each process of a region sees the acks of the feeds it serves.
 */
@Injectable()
export class PeerAcknowledgements {
  private readonly acks = new Map<string, PeerAcknowledgement>();

  record(peer: string, vector: VersionVector, atMs: number): void {
    const previous = this.acks.get(peer)?.vector ?? {};
    const merged = { ...previous };
    // A peer's knowledge never goes back; a stale ack racing a newer one must not undo it.
    for (const [origin, seq] of Object.entries(vector))
      merged[origin] = Math.max(merged[origin] ?? 0, seq);
    this.acks.set(peer, { vector: merged, at: new Date(atMs).toISOString() });
  }

  of(peer: string): PeerAcknowledgement | null {
    return this.acks.get(peer) ?? null;
  }
}
