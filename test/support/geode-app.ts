import { AddressInfo } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createRootLogger } from '@geode/observability';
import { TEST_OPERATOR_TOKENS } from '../../libs/operator-auth/src/testing';
import { loadGeodeConfig } from '../../apps/geode/src/config/geode-config';
import { createGeodeApp } from '../../apps/geode/src/geode.app';
import { prepareGeodeSchema } from '../../apps/geode/src/geode-schema';
import { createTestDatabase, TestDatabase } from './test-postgres';

export interface RunningGeode {
  app: NestExpressApplication;
  /** Base URL, e.g. http://127.0.0.1:41234 */
  url: string;
  database: TestDatabase;
  /** Closes the app and drops its database. */
  close(): Promise<void>;
}

/**
 * The same app `main.ts` runs, on a fresh database of the test server (or on
 * `database`, to start again on what an earlier app left: a restart),
 * listening on a free loopback port. `close` drops the database it created.
 * `TEST_OPERATOR` may call operator routes unless `env` says otherwise.
 */
export async function startGeodeApp(
  region = 'eu-west-1',
  database?: TestDatabase,
  env: NodeJS.ProcessEnv = {},
): Promise<RunningGeode> {
  const owned = database === undefined;
  const db = database ?? (await createTestDatabase());
  const config = loadGeodeConfig({
    GEODE_REGION: region,
    GEODE_PORT: '0',
    LOG_LEVEL: 'silent',
    DATABASE_URL: db.url,
    GEODE_OPERATOR_TOKENS: TEST_OPERATOR_TOKENS,
    ...env,
  });
  await prepareGeodeSchema(db.url, config);
  const logger = createRootLogger({ service: 'geode', level: 'silent' });
  const app = await createGeodeApp(config, db.url, logger);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    database: db,
    close: async () => {
      await app.close();
      if (owned) await db.drop();
    },
  };
}
