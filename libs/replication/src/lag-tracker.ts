import type { WallClock } from '@geode/clock';
import type { VersionVector } from '@geode/event-store';

export interface OriginLag {
  /** Entries the best-informed peer holds that this geode does not. */
  events: number;
  /** How long this geode has been behind on that origin without catching up (0 when current). */
  ms: number;
}

/**
 * This geode's replication lag per origin, from its own vector and what its
 * peers say they hold (hello, heartbeats and batches). "Behind since" starts
 * when a peer is first seen ahead and ends when this geode catches up.
 */
export class LagTracker {
  private local: VersionVector = {};
  private readonly peers = new Map<string, VersionVector>();
  private readonly behindSince = new Map<string, number>();

  constructor(private readonly clock: WallClock) {}

  get localVector(): VersionVector {
    return { ...this.local };
  }

  peerVector(peer: string): VersionVector | null {
    const vector = this.peers.get(peer);
    return vector ? { ...vector } : null;
  }

  /** This geode's knowledge moved (never backwards). */
  observeLocal(vector: VersionVector): void {
    for (const [origin, seq] of Object.entries(vector)) {
      this.local[origin] = Math.max(this.local[origin] ?? 0, seq);
    }
    this.reconcile();
  }

  /** A peer said it holds at least `vector`. */
  observePeer(peer: string, vector: VersionVector): void {
    const known = this.peers.get(peer) ?? {};
    for (const [origin, seq] of Object.entries(vector)) {
      known[origin] = Math.max(known[origin] ?? 0, seq);
    }
    this.peers.set(peer, known);
    this.reconcile();
  }

  lag(): Record<string, OriginLag> {
    const now = this.clock.nowMs();
    const best = this.bestKnown();
    const lag: Record<string, OriginLag> = {};
    for (const origin of [...new Set([...Object.keys(best), ...Object.keys(this.local)])].sort()) {
      const since = this.behindSince.get(origin);
      lag[origin] = {
        events: Math.max(0, (best[origin] ?? 0) - (this.local[origin] ?? 0)),
        ms: since === undefined ? 0 : Math.max(0, now - since),
      };
    }
    return lag;
  }

  private bestKnown(): VersionVector {
    const best: VersionVector = {};
    for (const vector of this.peers.values()) {
      for (const [origin, seq] of Object.entries(vector)) {
        best[origin] = Math.max(best[origin] ?? 0, seq);
      }
    }
    return best;
  }

  private reconcile(): void {
    const best = this.bestKnown();
    for (const [origin, seq] of Object.entries(best)) {
      if (seq > (this.local[origin] ?? 0)) {
        if (!this.behindSince.has(origin)) this.behindSince.set(origin, this.clock.nowMs());
      } else {
        this.behindSince.delete(origin);
      }
    }
  }
}
