import { parseArgs } from 'node:util';
import { ConfigError, GeodeFlags } from './config/geode-config';

export type GeodeCommand = 'serve' | 'migrate' | 'help';

export const USAGE = `Usage: geode-server [serve|migrate] [options]

Runs one geode: a region's API, event store, projections and replication.

Commands:
  serve        start the service (default)
  migrate      apply pending database migrations, then exit

Options:
  --region <id>   region this geode serves, e.g. eu-west-1  (env GEODE_REGION)
  --port <n>      HTTP port, 0 for any free port            (env GEODE_PORT, default 3000)
  --host <addr>   address to listen on                     (env GEODE_HOST, default 127.0.0.1)
  --refill-from <region>[,<region>…]
                  rebuild this region from its peers on an empty database: no
                  writes and /health 503 until it holds all they held
                                                           (env GEODE_REFILL_FROM)
  -h, --help      show this help

The database is DATABASE_URL (or the PG* variables) when set; otherwise an
embedded PostgreSQL is started under GEODE_DATA_DIR (default ./data).
See the README for every setting.`;

export function parseCommandLine(argv: string[]): { command: GeodeCommand; flags: GeodeFlags } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        region: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'refill-from': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (see --help)`);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', flags: {} };
  if (positionals.length > 1)
    throw new ConfigError(`unexpected argument "${positionals[1]}" (see --help)`);
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve' && command !== 'migrate') {
    throw new ConfigError(`unknown command "${command}" (see --help)`);
  }
  return {
    command,
    flags: {
      region: values.region,
      port: values.port,
      host: values.host,
      refillFrom: values['refill-from'],
    },
  };
}
