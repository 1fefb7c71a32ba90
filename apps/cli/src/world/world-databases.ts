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
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new CliError(
      `database name ${JSON.stringify(name)} must be lowercase letters, digits, _`,
      2,
    );
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    // The name was checked above: an identifier made of safe characters only.
    if (found.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    throw new CliError(
      `cannot prepare database ${name} on ${target.host}: ${(error as Error).message}`,
      1,
      {
        cause: error,
      },
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Drops the URL's database (connections to it are ended first): a region that lost its data. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new CliError(
      `database name ${JSON.stringify(name)} must be lowercase letters, digits, _`,
      2,
    );
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  try {
    await client.connect();
    // The name was checked above: an identifier made of safe characters only.
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } catch (error) {
    throw new CliError(`cannot drop database ${name}: ${(error as Error).message}`, 1, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => undefined);
  }
}
