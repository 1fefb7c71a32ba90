import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { CliError } from '../cli-error';
import { GEODE_NODE_FLAGS } from '../../../geode/src/projections/geode-node-flags';
import { assertBuilt, GEODE_MAIN, ROUTER_MAIN } from './app-paths';
import { ensureDatabase, databaseUrlFor, dropDatabase } from './world-databases';
import { ensureDevCertificates, type DevCertificates } from './dev-certificates';
import { LinkProxy } from './link-proxy';
import {
  ensureWorldOperatorToken,
  WORLD_OPERATOR,
  type WorldOperatorToken,
} from './world-operator-token';
import { stopStrayPostgres, stopLeftoversOf, type WorldRecord } from './world-leftovers';
import { SupervisedProcess, type SupervisedStatus } from './supervised-process';
import { WorldControlServer } from './world-control-server';

export interface LocalWorldOptions {
  regions: string[];
  /** One-way delay added on every link, each direction. */
  wanDelayMs: number;
  /** Embedded clusters live in `<dataDir>/geode-<region>`; the world's files in `<dataDir>/world`. */
  dataDir: string;
  /** `postgres://…/geode_{region}`: a server database per region instead of embedded ones. */
  databaseUrlTemplate?: string;
  /** 0: any free port. */
  routerPort: number;
  controlPort: number;
  /** First geode port (the next regions take the following ones); 0: any free ports. */
  geodePortBase: number;
  /** Environment the apps inherit (PATH, locale…); database and GEODE_* settings are the world's. */
  baseEnv: NodeJS.ProcessEnv;
  report: (line: string) => void;
}

export interface WorldGeode {
  region: string;
  url: string;
  port: number;
  process: SupervisedProcess;
}

export interface LinkStatus {
  from: string;
  to: string;
  state: 'open' | 'cut' | 'blackhole';
  delayMs: number;
  connections: number;
}

export interface WorldSnapshot {
  routerUrl: string;
  consoleUrl: string;
  controlUrl: string;
  wanDelayMs: number;
  caFile: string;
  /** The file holding the world's operator token (mode 600), for the CLI's admin calls (ADR 0014). */
  operatorTokenFile: string;
  geodes: (SupervisedStatus & { region: string; url: string })[];
  router: SupervisedStatus;
  links: LinkStatus[];
  /** The last refill of each region (`geode refill`). */
  refills?: RefillState[];
}

export interface RefillState {
  region: string;
  from: string;
  /** `replacing`: the old geode is stopping or its data is being deleted; `started`: the new one listens (and refills). */
  state: 'replacing' | 'started' | 'failed';
  error: string | null;
}

/** Settings the world gives its apps; anything the user had set for a single geode is dropped. */
const WORLD_OWNED = /^(GEODE_|DATABASE_URL$|PG(HOST|PORT|USER|PASSWORD|DATABASE)$|ROUTER_)/;

/**
 * `geode world`: geodes (each on its own database, serving HTTPS with
 * development certificates and authenticating peers by mTLS), a TCP link
 * proxy per directed pair of regions (geode A pulls from B through proxy
 * A→B, so links can be cut, healed and delayed), the router in front, and a
 * control API on loopback. Every app is a supervised child process.
 */
export class LocalWorld {
  readonly geodes = new Map<string, WorldGeode>();
  private readonly links = new Map<string, LinkProxy>();
  private router?: SupervisedProcess;
  private control?: WorldControlServer;
  private routerUrl = '';
  private certificates?: DevCertificates;
  private operator?: WorldOperatorToken;
  private stopped = false;
  /** Geodes being replaced by a refill (stop waits for them, so they are stopped too). */
  private readonly refilling = new Map<string, Promise<void>>();
  private readonly refills = new Map<string, RefillState>();
  /** Every geode process started, so a failed start stops the ones already up. */
  private readonly starting: SupervisedProcess[] = [];

  private constructor(private readonly options: LocalWorldOptions) {}

  private readonly exitHook = () => {
    this.router?.terminateNow();
    for (const geode of this.starting) geode.terminateNow();
  };

  static async start(options: LocalWorldOptions): Promise<LocalWorld> {
    assertBuilt();
    const world = new LocalWorld(options);
    // If this process ends without stop() (a second Ctrl-C, an uncaught error), the apps, which
    // run in their own process groups, are still told to stop: each stops its own database.
    process.once('exit', world.exitHook);
    try {
      await world.boot();
    } catch (error) {
      await world.stop();
      if (error instanceof CliError) throw error;
      throw new CliError(`the world did not start: ${(error as Error).message}`, 1, {
        cause: error,
      });
    }
    return world;
  }

  get worldDir(): string {
    return join(resolve(this.options.dataDir), 'world');
  }

  link(from: string, to: string): LinkProxy {
    const link = this.links.get(`${from}>${to}`);
    if (!link) throw new CliError(`no link ${from} → ${to}`);
    return link;
  }

  /** Cuts both directions between `a` and `b`; with `b` absent, every link of `a`. */
  partition(a: string, b?: string): LinkStatus[] {
    this.requireRegion(a);
    if (b !== undefined) this.requireRegion(b);
    if (a === b) throw new CliError(`cannot partition ${a} from itself`, 2);
    const others = b === undefined ? this.options.regions.filter((r) => r !== a) : [b];
    for (const other of others) {
      this.link(a, other).cut();
      this.link(other, a).cut();
    }
    return this.linkStatuses();
  }

  heal(): LinkStatus[] {
    for (const link of this.links.values()) link.heal();
    return this.linkStatuses();
  }

  /** Kills a region's geode at once; its supervisor restarts it. */
  kill(region: string): SupervisedStatus {
    const geode = this.geodes.get(region);
    if (!geode) throw new CliError(`no region ${region} in this world`, 2);
    if (!geode.process.kill()) throw new CliError(`${region} is not running`, 1);
    return geode.process.status;
  }

  /**
   * Disaster recovery of one region, in the background (stopping a geode and
   * initialising a fresh cluster take longer than a control request may wait):
   * stops its geode, deletes its database (an embedded cluster's directory, or
   * the server database), and starts it on an empty one with `--refill-from
   * <from>` (GEODE_REFILL_FROM). It answers 503 `refilling` until it holds what
   * its peers hold. `snapshot().refills` says where each refill stands. The
   * setting stays for later restarts, where it has nothing to do.
   */
  refill(region: string, from: string): RefillState {
    this.requireRegion(region);
    this.requireRegion(from);
    if (region === from) throw new CliError(`cannot refill ${region} from itself`, 2);
    const geode = this.geodes.get(region);
    if (!geode) throw new CliError(`no region ${region} in this world`, 2);
    if (this.refilling.has(region)) throw new CliError(`${region} is being refilled already`, 1);
    const state: RefillState = { region, from, state: 'replacing', error: null };
    this.refills.set(region, state);
    const replacing = this.replaceGeode(geode, from)
      .then(() => void (state.state = 'started'))
      .catch((error: unknown) => {
        state.state = 'failed';
        state.error = (error as Error).message;
        this.options.report(`refill of ${region} failed: ${state.error}`);
      })
      .finally(() => this.refilling.delete(region));
    this.refilling.set(region, replacing);
    return { ...state };
  }

  private async replaceGeode(geode: WorldGeode, from: string): Promise<void> {
    const region = geode.region;
    await geode.process.stop();
    if (this.options.databaseUrlTemplate) {
      await dropDatabase(databaseUrlFor(this.options.databaseUrlTemplate, region));
    } else {
      await stopStrayPostgres([this.clusterDir(region)]);
      await rm(this.clusterDir(region), { recursive: true, force: true });
    }
    if (this.stopped) return;
    this.geodes.set(region, await this.startGeode(region, geode.port, { GEODE_REFILL_FROM: from }));
  }

  snapshot(): WorldSnapshot {
    return {
      routerUrl: this.routerUrl,
      consoleUrl: `${this.routerUrl}/console`,
      controlUrl: this.control?.url ?? '',
      wanDelayMs: this.options.wanDelayMs,
      caFile: this.certificates?.ca ?? '',
      operatorTokenFile: this.operator?.file ?? '',
      geodes: [...this.geodes.values()].map((geode) => ({
        ...geode.process.status,
        region: geode.region,
        url: geode.url,
      })),
      router: this.router?.status ?? {
        name: 'router',
        state: 'stopped',
        pid: null,
        restarts: 0,
        lastExit: null,
      },
      links: this.linkStatuses(),
      refills: [...this.refills.values()].map((state) => ({ ...state })),
    };
  }

  /** Router, geodes, proxies, control API; then any PostgreSQL a killed geode left behind. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.off('exit', this.exitHook);
    await this.control?.close();
    await Promise.all(this.refilling.values());
    await this.router?.stop();
    // Cut links first: long-lived replication feeds end now instead of holding each geode's drain.
    for (const link of this.links.values()) link.cut();
    await Promise.all(this.starting.map((process) => process.stop()));
    await Promise.all([...this.links.values()].map((link) => link.close()));
    if (!this.options.databaseUrlTemplate)
      await stopStrayPostgres(this.options.regions.map((region) => this.clusterDir(region)));
    await writeFile(join(this.worldDir, 'world.json'), '{}\n').catch(() => undefined);
  }

  private async boot(): Promise<void> {
    const { regions, report } = this.options;
    await mkdir(join(this.worldDir, 'logs'), { recursive: true });
    await stopLeftoversOf(join(this.worldDir, 'world.json'), report);
    this.certificates = await ensureDevCertificates(join(this.worldDir, 'certs'), regions);
    this.operator = await ensureWorldOperatorToken(this.worldDir);

    const ports = await this.geodePorts();
    for (const from of regions)
      for (const to of regions) {
        if (from === to) continue;
        const link = await LinkProxy.start({
          delayToTargetMs: this.options.wanDelayMs,
          delayToClientMs: this.options.wanDelayMs,
        });
        link.setTarget(ports.get(to)!);
        this.links.set(`${from}>${to}`, link);
      }

    this.control = await WorldControlServer.start(this, this.options.controlPort);
    report(`starting ${regions.join(', ')} (logs in ${join(this.worldDir, 'logs')})`);
    const started = await Promise.all(
      regions.map((region) => this.startGeode(region, ports.get(region)!)),
    );
    for (const geode of started) this.geodes.set(geode.region, geode);
    await this.startRouter();
    await this.record();
  }

  private async startGeode(
    region: string,
    port: number,
    extraEnv: NodeJS.ProcessEnv = {},
  ): Promise<WorldGeode> {
    const certificate = this.certificates!.regions.get(region)!;
    const peers = this.options.regions
      .filter((other) => other !== region)
      .map((other) => `${other}=https://127.0.0.1:${this.link(region, other).port}`)
      .join(',');
    const database: NodeJS.ProcessEnv = {};
    if (this.options.databaseUrlTemplate) {
      const url = databaseUrlFor(this.options.databaseUrlTemplate, region);
      await ensureDatabase(url);
      database.DATABASE_URL = url;
    } else {
      database.GEODE_DATA_DIR = resolve(this.options.dataDir);
    }
    const process = new SupervisedProcess({
      name: `geode ${region}`,
      command: globalThis.process.execPath,
      args: [
        ...GEODE_NODE_FLAGS,
        GEODE_MAIN,
        '--region',
        region,
        '--port',
        String(port),
        '--host',
        '127.0.0.1',
      ],
      env: {
        ...this.inheritedEnv(),
        ...database,
        GEODE_PEERS: peers,
        GEODE_PEER_AUTH: 'mtls',
        GEODE_TLS_CA: this.certificates!.ca,
        GEODE_TLS_CERT: certificate.cert,
        GEODE_TLS_KEY: certificate.key,
        GEODE_OPERATOR_TOKENS: `${WORLD_OPERATOR}:${this.operator!.token}`,
        // A cut link is noticed within 3 heartbeats; a healed one redialled within a few seconds.
        GEODE_REPLICATION_HEARTBEAT_MS: '1000',
        GEODE_REPLICATION_RETRY_MAX_MS: '2000',
        LOG_LEVEL: 'warn',
        ...extraEnv,
      },
      logFile: join(this.worldDir, 'logs', `geode-${region}.log`),
      readyPattern: /listening on (https?:\/\/\S+)/,
      report: this.options.report,
    });
    this.starting.push(process);
    const url = await process.start();
    return { region, url, port, process };
  }

  private async startRouter(): Promise<void> {
    const { regions } = this.options;
    const configFile = join(this.worldDir, 'router.json');
    const config = {
      geodes: regions.map((region) => ({ region, url: this.geodes.get(region)!.url })),
      // A client naming a region is served there first, then by the others in world order.
      preferences: Object.fromEntries(
        regions.map((region) => [region, [region, ...regions.filter((r) => r !== region)]]),
      ),
      fallback: regions,
      health: {
        intervalMs: 1_000,
        timeoutMs: 1_000,
        failuresToDown: 2,
        successesToUp: 1,
        maxLagMs: 5_000,
      },
      upstream: { caFile: this.certificates!.ca },
      console: { worldControlUrl: this.control!.url, operatorTokenFile: this.operator!.file },
    };
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    const port = this.options.routerPort === 0 ? await freePort() : this.options.routerPort;
    this.router = new SupervisedProcess({
      name: 'router',
      command: process.execPath,
      args: [ROUTER_MAIN, '--config', configFile, '--port', String(port), '--host', '127.0.0.1'],
      env: { ...this.inheritedEnv(), LOG_LEVEL: 'warn' },
      logFile: join(this.worldDir, 'logs', 'router.log'),
      readyPattern: /router listening on (http:\/\/\S+)/,
      report: this.options.report,
    });
    const shown = await this.router.start();
    this.routerUrl = shown.replace(/\/$/, '');
  }

  /** What a later `geode world` needs to clean up if this one is killed without its Ctrl-C. */
  private async record(): Promise<void> {
    const record: WorldRecord = {
      pid: process.pid,
      children: [
        ...[...this.geodes.values()].map((geode) => geode.process.pid),
        this.router?.pid,
      ].filter((pid): pid is number => pid !== undefined),
      controlUrl: this.control!.url,
      routerUrl: this.routerUrl,
    };
    await writeFile(join(this.worldDir, 'world.json'), `${JSON.stringify(record, null, 2)}\n`);
  }

  private async geodePorts(): Promise<Map<string, number>> {
    const ports = new Map<string, number>();
    for (const [index, region] of this.options.regions.entries())
      ports.set(
        region,
        this.options.geodePortBase === 0 ? await freePort() : this.options.geodePortBase + index,
      );
    return ports;
  }

  private clusterDir(region: string): string {
    return join(resolve(this.options.dataDir), `geode-${region}`, 'pg');
  }

  private inheritedEnv(): NodeJS.ProcessEnv {
    return Object.fromEntries(
      Object.entries(this.options.baseEnv).filter(([name]) => !WORLD_OWNED.test(name)),
    );
  }

  private linkStatuses(): LinkStatus[] {
    return [...this.links.entries()].map(([key, link]) => {
      const [from, to] = key.split('>');
      return {
        from,
        to,
        state: link.state,
        delayMs: link.delay.delayToTargetMs ?? 0,
        connections: link.connections,
      };
    });
  }

  private requireRegion(region: string): void {
    if (!this.options.regions.includes(region))
      throw new CliError(
        `no region ${region} in this world (regions: ${this.options.regions.join(', ')})`,
        2,
      );
  }
}

/** A port free right now on loopback (the app binds it moments later). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
