import { Pool } from 'undici';
import { GeodeHealth, type HealthThresholds } from '../health/geode-health';
import type { RouterSettings } from '../config/router-config';

/** One geode behind the router: where it is, its connection pool and its health. */
export class GeodeUpstream {
  readonly pool: Pool;
  readonly health: GeodeHealth;

  constructor(
    readonly region: string,
    readonly url: string,
    settings: Pick<RouterSettings, 'upstream'>,
    thresholds: HealthThresholds,
    caPem?: string,
  ) {
    const { upstream } = settings;
    // Keep-alive HTTP/1.1, no pipelining: a slow answer must not hold up the ones behind it.
    this.pool = new Pool(url, {
      connections: upstream.connectionsPerGeode,
      pipelining: 1,
      connectTimeout: upstream.connectTimeoutMs,
      headersTimeout: upstream.headersTimeoutMs,
      bodyTimeout: upstream.bodyTimeoutMs,
      keepAliveTimeout: upstream.keepAliveTimeoutMs,
      ...(caPem !== undefined && { connect: { ca: caPem } }),
    });
    this.health = new GeodeHealth(thresholds);
  }
}

/**
 * Every configured geode, and the choice among them: for a client's order
 * of regions (and an account's allowed regions, when known), the routable
 * geodes in that order, those reporting too much lag after the others.
 */
export class GeodeDirectory {
  readonly all: readonly GeodeUpstream[];
  private readonly byRegion: ReadonlyMap<string, GeodeUpstream>;

  constructor(
    settings: RouterSettings,
    /** CA of https:// geodes under a private CA. */
    readonly caPem?: string,
  ) {
    this.all = settings.geodes.map(
      (geode) => new GeodeUpstream(geode.region, geode.url, settings, settings.health, caPem),
    );
    this.byRegion = new Map(this.all.map((upstream) => [upstream.region, upstream]));
  }

  get(region: string): GeodeUpstream | undefined {
    return this.byRegion.get(region);
  }

  /** Routable geodes in `order`, restricted to `allowed` when given; lagging ones last. */
  candidates(order: readonly string[], allowed?: readonly string[]): GeodeUpstream[] {
    const fresh: GeodeUpstream[] = [];
    let lagging: GeodeUpstream[] | undefined;
    for (const region of order) {
      if (allowed !== undefined && !allowed.includes(region)) continue;
      const upstream = this.byRegion.get(region);
      if (upstream === undefined || !upstream.health.routable) continue;
      if (upstream.health.lagging) (lagging ??= []).push(upstream);
      else fresh.push(upstream);
    }
    return lagging === undefined ? fresh : [...fresh, ...lagging];
  }

  get anyRoutable(): boolean {
    return this.all.some((upstream) => upstream.health.routable);
  }

  async close(): Promise<void> {
    await Promise.all(this.all.map((upstream) => upstream.pool.close()));
  }
}
