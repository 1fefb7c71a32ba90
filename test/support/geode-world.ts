import { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createRootLogger } from '@geode/observability';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { pairwisePeerKeys } from '../../libs/peer-auth/src/testing';
import { TEST_OPERATOR_TOKENS } from '../../libs/operator-auth/src/testing';
import { loadGeodeConfig } from '../../apps/geode/src/config/geode-config';
import { createGeodeApp } from '../../apps/geode/src/geode.app';
import { prepareGeodeSchema } from '../../apps/geode/src/geode-schema';
import { LinkProxy } from './link-proxy';
import { createTestDatabase, TestDatabase } from './test-postgres';

export interface WorldGeode {
  region: string;
  database: TestDatabase;
  /** The running app, or undefined while stopped. */
  app?: NestExpressApplication;
  /** Base URL of the running app. */
  url: string;
  store(): EventStore;
}

export interface GeodeWorldOptions {
  /** Idle-feed heartbeat (a dead link is noticed after 3×); default 200 ms. */
  heartbeatMs?: number;
  /** Extra environment for every geode. */
  env?: Record<string, string>;
}

/**
 * Several geodes on loopback, one database each, every pair linked through a
 * `LinkProxy` per direction: `link(a, b)` is what `a` dials to reach `b`.
 * Cut, black-hole or heal links; stop and restart geodes on their databases.
 */
export class GeodeWorld {
  readonly geodes = new Map<string, WorldGeode>();
  private readonly links = new Map<string, LinkProxy>();
  /** Each geode's GEODE_PEER_KEYS: peers sign their requests (HMAC), as in production. */
  private readonly peerKeys: Map<string, string>;

  private constructor(
    readonly regions: string[],
    private readonly options: GeodeWorldOptions,
  ) {
    this.peerKeys = pairwisePeerKeys(regions);
  }

  static async start(regions: string[], options: GeodeWorldOptions = {}): Promise<GeodeWorld> {
    const world = new GeodeWorld(regions, options);
    for (const from of regions) {
      for (const to of regions) {
        if (from !== to) world.links.set(`${from}>${to}`, await LinkProxy.start());
      }
    }
    const databases = await Promise.all(regions.map(() => createTestDatabase()));
    regions.forEach((region, i) => {
      world.geodes.set(region, {
        region,
        database: databases[i],
        url: '',
        store() {
          if (!this.app) throw new Error(`${region} is stopped`);
          return this.app.get<EventStore>(EVENT_STORE);
        },
      });
    });
    for (const region of regions) await world.startGeode(region);
    return world;
  }

  geode(region: string): WorldGeode {
    const geode = this.geodes.get(region);
    if (!geode) throw new Error(`no geode ${region}`);
    return geode;
  }

  /** The proxy `from` dials to reach `to`. */
  link(from: string, to: string): LinkProxy {
    const link = this.links.get(`${from}>${to}`);
    if (!link) throw new Error(`no link ${from}>${to}`);
    return link;
  }

  /** Cuts both directions between `a` and `b`. */
  partition(a: string, b: string): void {
    this.link(a, b).cut();
    this.link(b, a).cut();
  }

  heal(a: string, b: string): void {
    this.link(a, b).heal();
    this.link(b, a).heal();
  }

  /** Cuts every link of `region`. */
  isolate(region: string): void {
    for (const other of this.regions) if (other !== region) this.partition(region, other);
  }

  rejoin(region: string): void {
    for (const other of this.regions) if (other !== region) this.heal(region, other);
  }

  async startGeode(region: string): Promise<WorldGeode> {
    const geode = this.geode(region);
    if (geode.app) return geode;
    const { app, port } = await this.buildApp(region);
    geode.app = app;
    geode.url = `http://127.0.0.1:${port}`;
    for (const other of this.regions) {
      if (other !== region) this.link(other, region).setTarget(port);
    }
    return geode;
  }

  /**
   * Another process of `region` on the same database with the same peers (a
   * scaled-out region): peers keep dialling the first one. Close it yourself.
   */
  async startSecondProcess(region: string): Promise<{ app: NestExpressApplication; url: string }> {
    const { app, port } = await this.buildApp(region);
    return { app, url: `http://127.0.0.1:${port}` };
  }

  private async buildApp(region: string): Promise<{ app: NestExpressApplication; port: number }> {
    const geode = this.geode(region);
    const peers = this.regions
      .filter((other) => other !== region)
      .map((other) => `${other}=${this.link(region, other).url}`)
      .join(',');
    const config = loadGeodeConfig({
      GEODE_REGION: region,
      GEODE_PORT: '0',
      LOG_LEVEL: 'silent',
      DATABASE_URL: geode.database.url,
      GEODE_PEERS: peers,
      GEODE_REPLICATION_HEARTBEAT_MS: String(this.options.heartbeatMs ?? 200),
      GEODE_REPLICATION_RETRY_MAX_MS: '500',
      GEODE_PEER_AUTH: 'hmac',
      GEODE_PEER_KEYS: this.peerKeys.get(region)!,
      GEODE_OPERATOR_TOKENS: TEST_OPERATOR_TOKENS,
      ...this.options.env,
    });
    await prepareGeodeSchema(geode.database.url, config);
    const logger = createRootLogger({ service: 'geode', level: 'silent' });
    const app = await createGeodeApp(config, geode.database.url, logger);
    await app.listen(0, '127.0.0.1');
    return { app, port: (app.getHttpServer().address() as AddressInfo).port };
  }

  async stopGeode(region: string): Promise<void> {
    const geode = this.geode(region);
    const app = geode.app;
    geode.app = undefined;
    await app?.close();
  }

  async close(): Promise<void> {
    for (const link of this.links.values()) link.cut();
    await Promise.all(this.regions.map((region) => this.stopGeode(region)));
    await Promise.all([...this.links.values()].map((link) => link.close()));
    await Promise.all([...this.geodes.values()].map((geode) => geode.database.drop()));
  }
}
