import { parseArgs } from 'node:util';
import { ConfigError, RouterFlags } from './config/router-config';

export type RouterCommand = 'serve' | 'help';

export const USAGE = `Usage: geode-router [options]

Runs the global traffic manager: a reverse proxy in front of every geode that
sends each request to the closest healthy geode allowed to serve it.

Options:
  --config <file>  JSON file: geodes, preference table, health and retry settings
                                                    (env ROUTER_CONFIG, required)
  --port <n>       HTTP port, 0 for any free port   (env ROUTER_PORT, default 8080)
  --host <addr>    address to listen on             (env ROUTER_HOST, default 127.0.0.1)
  -h, --help       show this help

Other settings: LOG_LEVEL (default info), ROUTER_SHUTDOWN_TIMEOUT_MS (default 10000).

Router paths (everything else is proxied to a geode):
  GET /health          200 while at least one geode is routable
  GET /route           { region, endpoint, alternatives } for this client
  GET /router/status   every geode: state, RTT, lag
  GET /metrics         Prometheus text

See the README (Router) for the file's fields.`;

export function parseCommandLine(argv: string[]): { command: RouterCommand; flags: RouterFlags } {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new ConfigError(`${(error as Error).message} (see --help)`, { cause: error });
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help', flags: {} };
  const command = positionals[0] ?? 'serve';
  if (command !== 'serve' || positionals.length > 1)
    throw new ConfigError(
      `unexpected argument "${positionals[positionals.length - 1]}" (see --help)`,
    );
  return {
    command: 'serve',
    flags: { config: values.config, port: values.port, host: values.host },
  };
}
