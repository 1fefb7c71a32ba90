import 'reflect-metadata';
import { AddressInfo } from 'node:net';
import { DatabaseUnavailableError, openDatabase, OpenDatabase } from '@geode/database';
import { createRootLogger } from '@geode/observability';
import { Logger } from 'pino';
import { parseCommandLine, USAGE } from './command-line';
import { ConfigError, GeodeConfig, loadGeodeConfig } from './config/geode-config';
import { createGeodeApp } from './geode.app';
import { stopOnSignals } from './graceful-shutdown';
import { migrateGeodeDatabase, prepareGeodeSchema, SchemaNotReadyError } from './geode-schema';

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
  const config = loadGeodeConfig(process.env, flags);
  const logger = createRootLogger({
    service: 'geode',
    level: config.logLevel,
    base: { region: config.region },
  });
  const database = await openDatabase(config.database, {
    info: (message) => logger.info(message),
    warn: (message) => logger.warn(message),
  }).catch((error: unknown) => {
    throw error instanceof DatabaseUnavailableError
      ? error
      : new StartupError((error as Error).message);
  });

  try {
    if (command === 'migrate') {
      const ran = await migrateGeodeDatabase(database.url, config.region);
      process.stdout.write(
        ran.length
          ? `applied ${ran.length} migration(s): ${ran.join(', ')}\n`
          : 'database is up to date\n',
      );
      await database.close();
      return;
    }
    const ran = await prepareGeodeSchema(database.url, config);
    if (ran.length) logger.info({ migrations: ran }, 'applied database migrations');
    await serve(config, database, logger);
  } catch (error) {
    await database.close();
    throw error;
  }
}

async function serve(config: GeodeConfig, database: OpenDatabase, logger: Logger): Promise<void> {
  const app = await createGeodeApp(config, database.url, logger);
  try {
    await app.listen(config.http.port, config.http.host);
  } catch (error) {
    await app.close();
    const code = (error as { code?: string }).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new StartupError(
        `cannot listen on ${config.http.host}:${config.http.port}: ${code === 'EADDRINUSE' ? 'address already in use' : 'permission denied'} (set GEODE_PORT or --port)`,
      );
    }
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  const scheme = config.peerAuth.tls ? 'https' : 'http';
  const url = `${scheme}://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info({ url, embeddedDatabase: Boolean(database.embedded) }, 'geode ready');
  process.stdout.write(`geode ${config.region} listening on ${url}\n`);

  stopOnSignals({ app, database, logger, timeoutMs: config.shutdownTimeoutMs });
}

main(process.argv.slice(2)).catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof DatabaseUnavailableError ||
    error instanceof StartupError ||
    error instanceof SchemaNotReadyError
  ) {
    process.stderr.write(`geode: ${error.message}\n`);
  } else {
    process.stderr.write(
      `geode: unexpected error during start\n${(error as Error)?.stack ?? String(error)}\n`,
    );
  }
  process.exit(1);
});
