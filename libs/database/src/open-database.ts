import { Client } from 'pg';
import { DatabaseTarget } from './database-target';
import { EmbeddedPostgresServer, ServerLog } from './embedded-postgres-server';
import { redactedUrl } from './postgres-url';

/** A reachable PostgreSQL database and how to let go of it. */
export interface OpenDatabase {
  url: string;
  /** Set when this process started the server itself. */
  embedded?: EmbeddedPostgresServer;
  close(): Promise<void>;
}

export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Starts the embedded server or checks that the configured one answers, so a
 * wrong URL fails at start with one clear line rather than deep inside the ORM.
 */
export async function openDatabase(target: DatabaseTarget, log?: ServerLog): Promise<OpenDatabase> {
  if (target.kind === 'embedded') {
    const server = await EmbeddedPostgresServer.start({
      dataDir: `${target.dataDir}/${target.name}`,
      database: 'geode',
      log,
    });
    return { url: server.url, embedded: server, close: () => server.stop() };
  }
  await checkReachable(target.url);
  return { url: target.url, close: () => Promise.resolve() };
}

export async function checkReachable(url: string): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  try {
    await client.connect();
    await client.query('SELECT 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message || error.name : String(error);
    const code = (error as { code?: string }).code;
    throw new DatabaseUnavailableError(
      `cannot connect to PostgreSQL at ${redactedUrl(url)}: ${reason}${code && !reason.includes(code) ? ` (${code})` : ''}`,
    );
  } finally {
    await client.end().catch(() => undefined);
  }
}
