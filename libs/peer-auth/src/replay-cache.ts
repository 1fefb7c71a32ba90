export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

/** Signatures kept at most; each entry is ~100 bytes, so the default bounds the cache near 10 MB. */
export const DEFAULT_REPLAY_CACHE_CAPACITY = 100_000;

/**
 * Remembers the signatures of accepted requests until their timestamps leave
 * the window (after which the freshness check refuses them anyway), so each
 * can be used once. Bounded: when full of live entries it says `full` and the
 * caller refuses (failing closed), rather than forgetting a live signature and
 * letting it be replayed. Only verified signatures enter, so only holders of a
 * peer key can fill it.
 */
export class ReplayCache {
  /** signature → expiry (ms); insertion order is close to expiry order, so sweeping from the front is cheap. */
  private readonly entries = new Map<string, number>();

  constructor(readonly capacity = DEFAULT_REPLAY_CACHE_CAPACITY) {
    if (!Number.isSafeInteger(capacity) || capacity <= 0)
      throw new RangeError(`capacity must be a positive whole number (got ${capacity})`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records `signature` until `expiresAtMs`, unless a live copy is already there. */
  remember(signature: string, expiresAtMs: number, nowMs: number): ReplayVerdict {
    this.sweepFront(nowMs);
    const known = this.entries.get(signature);
    if (known !== undefined && known > nowMs) return 'replayed';
    if (known !== undefined) this.entries.delete(signature);
    if (this.entries.size >= this.capacity) {
      this.sweepAll(nowMs);
      if (this.entries.size >= this.capacity) return 'full';
    }
    this.entries.set(signature, expiresAtMs);
    return 'fresh';
  }

  private sweepFront(nowMs: number): void {
    for (const [signature, expiresAtMs] of this.entries) {
      if (expiresAtMs > nowMs) return;
      this.entries.delete(signature);
    }
  }

  private sweepAll(nowMs: number): void {
    for (const [signature, expiresAtMs] of this.entries)
      if (expiresAtMs <= nowMs) this.entries.delete(signature);
  }
}
