import { readFileSync } from 'node:fs';
import { createRootLogger } from '@geode/observability';
import { parseCommandLine, USAGE } from './command-line';
import { ConfigError, loadRouterConfig } from './config/router-config';
import { Router } from './router-server';

/** An error the user can fix from its message alone: shown as one line, no stack. */
class StartupError extends Error {
  override readonly name = 'StartupError';
}

async function main(argv: string[]): Promise<void> {
  const { command, flags } = parseCommandLine(argv);
  if (command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadRouterConfig(process.env, flags, (path) => readFileSync(path, 'utf8'));
  const logger = createRootLogger({ service: 'router', level: config.logLevel });
  const router = new Router({
    settings: config,
    upstreamCaPem: config.upstreamCaPem,
    consoleOperatorToken: config.consoleOperatorToken,
    logger,
  });
  let url: string;
  try {
    url = await router.start(config.http.port, config.http.host);
  } catch (error) {
    await router.destroy();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES')
      throw new StartupError(
        `cannot listen on ${config.http.host}:${config.http.port}: ${code === 'EADDRINUSE' ? 'address already in use' : 'permission denied'} (set ROUTER_PORT or --port)`,
        { cause: error },
      );
    throw error;
  }
  const states = router.geodes.all.map((geode) => `${geode.region}=${geode.health.state}`);
  logger.info({ url, geodes: states }, 'router ready');
  process.stdout.write(`router listening on ${url} (${states.join(', ')})\n`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn(`second ${signal}: stopping now`);
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'draining: no new requests, finishing the ones in flight');
    const forced = setTimeout(() => {
      logger.warn(`shutdown took over ${config.shutdownTimeoutMs} ms: stopping now`);
      process.exit(1);
    }, config.shutdownTimeoutMs);
    forced.unref();
    void router.close().then(() => {
      clearTimeout(forced);
      logger.info('stopped');
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof StartupError) {
    process.stderr.write(`router: ${error.message}\n`);
  } else {
    process.stderr.write(
      `router: unexpected error during start\n${(error as Error)?.stack ?? String(error)}\n`,
    );
  }
  process.exit(1);
});
