import { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createRootLogger } from '@geode/observability';
import { loadGeodeConfig } from '../../geode/src/config/geode-config';
import { createGeodeApp } from '../../geode/src/geode.app';
import { prepareGeodeSchema } from '../../geode/src/geode-schema';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-postgres';

export interface RestartableGeode {
  region: string;
  url: string;
  port: number;
  database: TestDatabase;
  running: boolean;
  stop(): Promise<void>;
  /** Starts it again on the same port and database (the router's configuration names the URL). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real geode app (what `main.ts` runs) that can be stopped and started
 * again at the same address; `startGeodeApp` picks a new port each time.
 */
export async function startRestartableGeode(region: string): Promise<RestartableGeode> {
  const database = await createTestDatabase();
  const config = loadGeodeConfig({
    GEODE_REGION: region,
    GEODE_PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
  });
  await prepareGeodeSchema(database.url, config);
  const logger = createRootLogger({ service: 'geode', level: 'silent' });
  let app: NestExpressApplication | undefined = await createGeodeApp(config, database.url, logger);
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const geode: RestartableGeode = {
    region,
    port,
    url: `http://127.0.0.1:${port}`,
    database,
    running: true,
    stop: async () => {
      if (app === undefined) return;
      const closing = app;
      app = undefined;
      geode.running = false;
      // Cut keep-alive connections at once, as a crashed process would.
      closing.getHttpServer().closeAllConnections();
      await closing.close();
    },
    restart: async () => {
      if (app !== undefined) return;
      app = await createGeodeApp(config, database.url, logger);
      await app.listen(port, '127.0.0.1');
      geode.running = true;
    },
    close: async () => {
      await geode.stop();
      await database.drop();
    },
  };
  return geode;
}
