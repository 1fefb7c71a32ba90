import { CliError } from '../cli-error';
import type { CliCommand } from '../command-table';
import { parseDuration } from '../duration';
import { LocalWorld } from '../world/local-world';

const REGION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
export const DEFAULT_REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1'];

function port(text: string | undefined, fallback: number, flag: string): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value > 65535)
    throw new CliError(`${flag} must be a port number 0–65535 (got "${text}")`, 2);
  return value;
}

export function parseRegions(text: string | undefined): string[] {
  if (text === undefined) return DEFAULT_REGIONS;
  const regions = text
    .split(',')
    .map((region) => region.trim())
    .filter(Boolean);
  const bad = regions.find((region) => !REGION.test(region) || region.length > 63);
  if (bad !== undefined)
    throw new CliError(`--regions: "${bad}" is not a region id such as eu-west-1`, 2);
  if (regions.length < 2 || regions.length > 6)
    throw new CliError('--regions must name 2 to 6 regions', 2);
  if (new Set(regions).size !== regions.length)
    throw new CliError('--regions names a region twice', 2);
  return regions;
}

export const worldCommand: CliCommand = {
  path: ['world'],
  usage: '[--regions a,b,c] [--wan-delay 80ms] [--data-dir ./data] [--database-url <template>]',
  summary:
    'Run a local world: geodes with mTLS between them, link proxies, the router and the console (npm start).',
  details: `  --regions <list>        regions, default ${DEFAULT_REGIONS.join(',')}
  --wan-delay <duration>  one-way delay added on every link between regions (e.g. 80ms)
  --data-dir <dir>        embedded clusters in <dir>/geode-<region>, world files in <dir>/world (default ./data)
  --database-url <tpl>    a PostgreSQL server instead: postgres://user@host:5432/geode_{region}
                          (databases are created when missing)
  --router-port <n>       default 8080 (0: any free port)
  --geode-port <n>        first geode port, the next regions take the following ones (default 3001; 0: any)
  --control-port <n>      the world control API on loopback (default 7070; 0: any)

Stops everything, in order, on Ctrl-C (or SIGTERM).`,
  options: {
    regions: { type: 'string' },
    'wan-delay': { type: 'string' },
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    'router-port': { type: 'string' },
    'geode-port': { type: 'string' },
    'control-port': { type: 'string' },
  },
  async run({ values, out, env, interrupted }) {
    const startedAt = Date.now();
    const regions = parseRegions(values.regions as string | undefined);
    const wanDelay = values['wan-delay'] as string | undefined;
    const world = await LocalWorld.start({
      regions,
      wanDelayMs: wanDelay === undefined ? 0 : parseDuration(wanDelay, '--wan-delay'),
      dataDir: (values['data-dir'] as string | undefined) ?? './data',
      databaseUrlTemplate: values['database-url'] as string | undefined,
      routerPort: port(values['router-port'] as string | undefined, 8080, '--router-port'),
      geodePortBase: port(values['geode-port'] as string | undefined, 3001, '--geode-port'),
      controlPort: port(values['control-port'] as string | undefined, 7070, '--control-port'),
      baseEnv: env,
      report: (line) => out.line(`world: ${line}`),
    });
    const snapshot = world.snapshot();
    out.result({ ...snapshot, startedInMs: Date.now() - startedAt });
    out.line(`world ready in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    out.line(`  router   ${snapshot.routerUrl}`);
    out.line(`  console  ${snapshot.consoleUrl}`);
    for (const geode of snapshot.geodes) out.line(`  geode    ${geode.url}  ${geode.region}`);
    out.line(`  control  ${snapshot.controlUrl}`);
    out.line(
      `Try: npx geode status · npx geode tour · npx geode partition ${regions[0]} · Ctrl-C stops everything`,
    );
    await interrupted;
    out.line('world: stopping (router, geodes, databases)…');
    await world.stop();
    out.line('world: stopped');
  },
};
