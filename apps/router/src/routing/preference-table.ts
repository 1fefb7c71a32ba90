export interface PreferenceSettings {
  preferences: Record<string, string[]>;
  /** Every geode region, in the order used when the table says nothing. */
  fallback: string[];
}

/**
 * Country or client region → geode regions, closest first. Every list ends
 * with the rest of the fallback order, so failover can reach every geode
 * (residency narrows the list further, per request).
 */
export class PreferenceTable {
  private readonly orders = new Map<string, readonly string[]>();
  private readonly fallback: readonly string[];

  constructor(settings: PreferenceSettings) {
    this.fallback = Object.freeze([...settings.fallback]);
    for (const [key, regions] of Object.entries(settings.preferences))
      this.orders.set(key, this.completed(regions));
    // A client that names a geode's own region prefers that geode.
    for (const region of settings.fallback)
      if (!this.orders.has(region)) this.orders.set(region, this.completed([region]));
  }

  /** Geode regions for a client key, closest first; unknown keys get the fallback order. */
  orderFor(key: string | undefined): readonly string[] {
    return (key === undefined ? undefined : this.orders.get(key)) ?? this.fallback;
  }

  private completed(first: readonly string[]): readonly string[] {
    return Object.freeze([...new Set([...first, ...this.fallback])]);
  }
}
