import { AddressInfo } from 'node:net';
import { INestApplication } from '@nestjs/common';
import { createRootLogger } from '@geode/observability';
import { loadGeodeConfig } from '../../apps/geode/src/config/geode-config';
import { createGeodeApp } from '../../apps/geode/src/geode.app';
import { prepareGeodeSchema } from '../../apps/geode/src/geode-schema';
import { createTestDatabase, TestDatabase } from './test-postgres';

export interface RunningGeode {
  app: INestApplication;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  database: TestDatabase;
  /** Closes the app and drops its database. */
  close(): Promise<void>;
}

/**
 * The same app `main.ts` runs, on a fresh database of the test server,
 * listening on a free loopback port.
 */
export async function startGeodeApp(region = 'eu-west-1'): Promise<RunningGeode> {
  const database = await createTestDatabase();
  const config = loadGeodeConfig({
    GEODE_REGION: region,
    GEODE_PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: database.url,
  });
  await prepareGeodeSchema(database.url, config);
  const logger = createRootLogger({ service: 'geode', level: 'silent' });
  const app = await createGeodeApp(config, database.url, logger);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    database,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}
