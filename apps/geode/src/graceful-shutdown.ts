import { Server } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { OpenDatabase } from '@geode/database';
import { Logger } from 'pino';

export interface ShutdownParts {
  app: INestApplication;
  database: OpenDatabase;
  logger: Logger;
  /** After this, stop anyway (exit code 1). */
  timeoutMs: number;
}

/**
 * SIGTERM or SIGINT: stop accepting requests, answer the ones in flight, close
 * the app (and its pool), then stop the embedded database. A second signal or
 * the timeout stops at once, still taking the embedded database down.
 */
export function stopOnSignals({ app, database, logger, timeoutMs }: ShutdownParts): void {
  let stopping = false;
  const stopNow = (reason: string) => {
    logger.warn(reason);
    void database.close().finally(() => process.exit(1));
  };
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return stopNow(`second ${signal}: stopping now`);
    stopping = true;
    logger.info({ signal }, 'draining: no new requests, finishing the ones in flight');
    const forced = setTimeout(
      () => stopNow(`shutdown took over ${timeoutMs} ms: stopping now`),
      timeoutMs,
    );
    forced.unref();
    void (async () => {
      try {
        // Nest closes its HTTP server only after the database pool, so drain it first.
        await drainHttpServer(app.getHttpServer() as Server);
        await app.close();
      } catch (error) {
        logger.error({ err: error }, 'error while closing the app');
        process.exitCode = 1;
      }
      await database.close();
      clearTimeout(forced);
      logger.info('stopped');
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

/** Stops accepting connections and resolves once the requests in flight have been answered. */
export function drainHttpServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    // Keep-alive connections go idle after their last response; close them as they do.
    const sweep = setInterval(() => server.closeIdleConnections(), 50);
    server.close(() => {
      clearInterval(sweep);
      resolve();
    });
  });
}
