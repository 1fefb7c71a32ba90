import { checkReachable, EmbeddedPostgresServer } from '../../libs/database/src';
import { createDataDir } from './data-dir';
import { TEST_SERVER_URL_VARIABLE } from './test-postgres';

declare global {
  // Shared with the teardown, which runs in the same (parent) process.
  var geodeTestPostgres: { server?: EmbeddedPostgresServer; users: number } | undefined;
}

/** Starts (or finds) the run's PostgreSQL once, whichever test tiers run. */
export default async function setUpTestPostgres(): Promise<void> {
  if (globalThis.geodeTestPostgres) {
    globalThis.geodeTestPostgres.users += 1;
    return;
  }
  const given = process.env.DATABASE_URL;
  if (given) {
    await checkReachable(given);
    process.env[TEST_SERVER_URL_VARIABLE] = given;
    globalThis.geodeTestPostgres = { users: 1 };
    return;
  }
  const dataDir = await createDataDir('test-run');
  const server = await EmbeddedPostgresServer.start({
    dataDir,
    database: 'geode_test',
    durability: 'fast',
  });
  process.env[TEST_SERVER_URL_VARIABLE] = server.url;
  globalThis.geodeTestPostgres = { server, users: 1 };
}
