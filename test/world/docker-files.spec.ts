import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadGeodeConfig } from '../../apps/geode/src/config/geode-config';
import { parseRouterSettings } from '../../apps/router/src/config/router-config';

// No Docker engine (nor compose plugin) runs here: the files are checked against the apps' own
// configuration loaders instead, so they cannot drift from what the apps accept.
// js-yaml comes with jest (through istanbul); a YAML 1.2 parser is all this needs.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('js-yaml') as { load(text: string): unknown };

const DOCKER = join(__dirname, '..', '..', 'docker');
const KEY = Buffer.alloc(32, 7).toString('base64');
const OPERATOR_TOKEN = randomBytes(32).toString('base64url');

interface Service {
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: unknown;
  healthcheck?: unknown;
}

/** `${NAME:?message}` as compose substitutes it, with test values for the secrets. */
function substitute(text: string): string {
  return text.replace(/\$\{([A-Z_]+):\?[^}]*\}/g, (_, name: string) =>
    name === 'POSTGRES_PASSWORD'
      ? 'secret'
      : name === 'GEODE_OPERATOR_TOKEN'
        ? OPERATOR_TOKEN
        : KEY,
  );
}

const compose = yaml.load(substitute(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'))) as {
  services: Record<string, Service>;
};
const geodes = Object.entries(compose.services).filter(([name]) => name.startsWith('geode-'));

describe('docker/compose.yaml', () => {
  it('runs three regions, each geode on its own PostgreSQL, and the router', () => {
    expect(geodes.map(([name]) => name).sort()).toEqual([
      'geode-ap-northeast-1',
      'geode-eu-west-1',
      'geode-us-east-1',
    ]);
    const databases = geodes.map(([, service]) => new URL(service.environment!.DATABASE_URL).host);
    expect(new Set(databases).size).toBe(3);
    for (const host of databases) expect(compose.services[host.split(':')[0]]).toBeDefined();
    expect(compose.services.router.command).toEqual(['dist/apps/router/src/main.js']);
  });

  it.each(geodes)(
    '%s: its environment is a valid geode configuration, peering with the others',
    (name, service) => {
      const config = loadGeodeConfig(service.environment!);
      expect(`geode-${config.region}`).toBe(name);
      expect(config.database.kind).toBe('server');
      // Operator routes answer 403 to everyone when no operator is configured (ADR 0014).
      expect(config.operatorAuth.credentials.map((operator) => operator.name)).toEqual([
        'operator',
      ]);
      const peers = config.replication.peers.map((peer) => peer.region).sort();
      expect(peers).toEqual(
        geodes
          .map(([other]) => other.replace('geode-', ''))
          .filter((region) => region !== config.region)
          .sort(),
      );
      for (const peer of config.replication.peers)
        expect(compose.services[new URL(peer.url).hostname]).toBeDefined();
    },
  );

  it('every link has one key variable, the same on both ends, and no two links share one', () => {
    const raw = yaml.load(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8')) as {
      services: Record<string, Service>;
    };
    const keyOf = (region: string, peer: string) => {
      const keys = raw.services[`geode-${region}`].environment!.GEODE_PEER_KEYS;
      const entry = keys.split(',').find((pair) => pair.startsWith(`${peer}=`));
      return /\$\{(\w+):/.exec(entry ?? '')?.[1];
    };
    const regions = geodes.map(([name]) => name.replace('geode-', ''));
    const variables = new Set<string>();
    for (const a of regions)
      for (const b of regions) {
        if (a >= b) continue;
        expect(keyOf(a, b)).toBeDefined();
        expect(keyOf(a, b)).toBe(keyOf(b, a));
        variables.add(keyOf(a, b)!);
      }
    expect(variables.size).toBe(3);
  });
});

describe('docker/router.json', () => {
  it('is a valid router configuration naming the compose geodes', () => {
    const settings = parseRouterSettings(
      JSON.parse(readFileSync(join(DOCKER, 'router.json'), 'utf8')),
      'docker/router.json',
    );
    for (const geode of settings.geodes) {
      const service = compose.services[new URL(geode.url).hostname];
      expect(service?.environment?.GEODE_REGION).toBe(geode.region);
      expect(new URL(geode.url).port).toBe(service.environment!.GEODE_PORT);
    }
  });
});

describe('docker/Dockerfile', () => {
  const dockerfile = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8');
  it('builds on Node 24 in two stages and runs as a non-root user with a health check', () => {
    expect(dockerfile.match(/^FROM node:24\S* AS \w+$/gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^CMD \[("--[^"]+", )*"dist\/apps\/geode\/src\/main\.js"\]$/m);
  });
});
