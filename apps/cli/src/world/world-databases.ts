import { Client } from 'pg';
import { CliError } from '../cli-error';

/**
 * The database URL of `region` from a template such as
 * `postgres://postgres@127.0.0.1:5432/geode_{region}` (dashes become
 * underscores in the database name, so it needs no quoting).
 */
export function databaseUrlFor(template: string, region: string): string {
  if (!template.includes('{region}'))
    throw new CliError(`--database-url must contain {region} (got "${template}")`, 2);
  const url = new URL(template.replaceAll('{region}', region.replaceAll('-', '_')));
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
    throw new CliError('--database-url must be a postgres:// URL', 2);
  return url.toString();
}

/** Creates the URL's database on its server when it is missing. */
export async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onServerOf(
    url,
    `cannot prepare database ${name} on ${new URL(url).host}`,
    async (client) => {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      // The name was checked: an identifier made of safe characters only.
      if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
    },
  );
}

/** Drops the URL's database (connections to it are ended first): a region that lost its data. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await onServerOf(url, `cannot drop database ${name}`, async (client) => {
    // The name was checked: an identifier made of safe characters only.
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}

/** The URL's database name, refused unless it is safe to write into DDL. */
function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new CliError(
      `database name ${JSON.stringify(name)} must be lowercase letters, digits, _`,
      2,
    );
  return name;
}

/** Runs `work` connected to the server's `postgres` database; a failure is one CLI line. */
async function onServerOf(
  url: string,
  failure: string,
  work: (client: Client) => Promise<void>,
): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    await work(client);
  } catch (error) {
    throw new CliError(`${failure}: ${(error as Error).message}`, 1, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
}
