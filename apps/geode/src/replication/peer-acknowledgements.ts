import { Injectable } from '@nestjs/common';
import type { VersionVector } from '@geode/event-store';

export interface PeerAcknowledgement {
  /** What the peer said it holds (per origin, highest seq held contiguously). */
  vector: VersionVector;
  at: string;
}

/**
 * What each peer last acknowledged to this process: the vector of its last
 * feed request or acknowledgement. Status, lag and sync mode read it.
 * Kept in memory: each process of a region sees the acks of the feeds it serves.
 */
@Injectable()
export class PeerAcknowledgements {
  private readonly acks = new Map<string, PeerAcknowledgement>();
  private readonly listeners = new Set<() => void>();
  private changes = 0;

  /** Counts acknowledgements received: a wait compares it with what it saw before it looked. */
  get version(): number {
    return this.changes;
  }

  /** Calls `listener` whenever an acknowledgement arrives, until the returned function is called. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    this.changes += 1;
    for (const listener of this.listeners) listener();
  }

  record(peer: string, vector: VersionVector, atMs: number): void {
    const previous = this.acks.get(peer)?.vector ?? {};
    const merged = { ...previous };
    // A peer's knowledge never goes back; a stale ack racing a newer one must not undo it.
    for (const [origin, seq] of Object.entries(vector))
      merged[origin] = Math.max(merged[origin] ?? 0, seq);
    this.acks.set(peer, { vector: merged, at: new Date(atMs).toISOString() });
    this.changed();
  }

  /**
   * A feed request states what the peer holds now. It may be less than it
   * acknowledged before: a region rebuilt on an empty database (refill) must
   * be sent everything again, not skipped past what its lost database held.
   */
  restart(peer: string, vector: VersionVector, atMs: number): void {
    this.acks.set(peer, { vector: { ...vector }, at: new Date(atMs).toISOString() });
    this.changed();
  }

  of(peer: string): PeerAcknowledgement | null {
    return this.acks.get(peer) ?? null;
  }
}
