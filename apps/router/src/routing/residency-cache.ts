/**
 * What the router has learned about where accounts may be served, from the
 * geodes' `residency-violation` answers and `Geode-Residency` hints. An
 * account's residency is fixed when it is opened, so entries never go stale;
 * the cache is bounded and forgets the least recently used first.
 */
export class ResidencyCache {
  private readonly entries = new Map<string, readonly string[]>();

  constructor(private readonly capacity: number) {}

  /** Regions allowed to serve the account, or `undefined` when nothing restricts it (as far as we know). */
  allowedRegions(accountId: string): readonly string[] | undefined {
    const regions = this.entries.get(accountId);
    if (regions !== undefined) {
      this.entries.delete(accountId);
      this.entries.set(accountId, regions);
    }
    return regions;
  }

  learn(accountId: string, regions: readonly string[]): void {
    this.entries.delete(accountId);
    this.entries.set(accountId, Object.freeze([...regions]));
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
