/**
 * The PostgreSQL server a test run uses: `DATABASE_URL` when set (any server
 * where the user may create databases), otherwise an embedded one started
 * once per run by the global setup. Each test file gets a database of its own.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const TEST_SERVER_URL_VARIABLE = 'GEODE_TEST_SERVER_URL';

export function testServerUrl(): string {
  const url = process.env[TEST_SERVER_URL_VARIABLE];
  if (!url)
    throw new Error(
      `${TEST_SERVER_URL_VARIABLE} is not set: run tests through jest's int/e2e projects`,
    );
  return url;
}

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** A fresh, empty database on the test server. */
export async function createTestDatabase(prefix = 'geode_test'): Promise<TestDatabase> {
  const serverUrl = testServerUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`),
  );
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () =>
      withClient(serverUrl, (client) =>
        client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
      ).then(() => undefined),
  };
}

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
