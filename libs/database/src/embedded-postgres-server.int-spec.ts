import { rm } from 'node:fs/promises';
import { createDataDir } from '../../../test/support/data-dir';
import { Client } from 'pg';
import { EmbeddedPostgresServer } from './embedded-postgres-server';

// Each test starts real PostgreSQL clusters from the embedded binaries.
jest.setTimeout(120_000);

const isRunning = (pid: number | undefined) => {
  try {
    return pid !== undefined && process.kill(pid, 0);
  } catch {
    return false;
  }
};

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<Record<string, unknown>>(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('EmbeddedPostgresServer', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await createDataDir('embedded-spec');
  });
  afterEach(() => rm(dataDir, { recursive: true, force: true }));

  it('initialises a cluster, keeps its data across restarts, and stops its process', async () => {
    const first = await EmbeddedPostgresServer.start({
      dataDir,
      database: 'ledger',
      durability: 'fast',
    });
    await query(first.url, 'CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)');
    await first.stop();
    expect(isRunning(first.pid)).toBe(false);

    const second = await EmbeddedPostgresServer.start({
      dataDir,
      database: 'ledger',
      durability: 'fast',
    });
    try {
      expect(await query(second.url, 'SELECT v FROM kept')).toEqual([{ v: 42 }]);
      expect(new URL(second.url).pathname).toBe('/ledger');
      expect(new URL(second.urlFor('postgres')).pathname).toBe('/postgres');
    } finally {
      await second.stop();
    }
  });

  it('requires a password: the cluster is not open to every local user', async () => {
    const server = await EmbeddedPostgresServer.start({
      dataDir,
      database: 'ledger',
      durability: 'fast',
    });
    try {
      const withoutPassword = new URL(server.url);
      withoutPassword.password = '';
      await expect(query(withoutPassword.toString(), 'SELECT 1')).rejects.toThrow(/password/);
    } finally {
      await server.stop();
    }
  });

  it('stops a server left running by an earlier process before starting again', async () => {
    const orphan = await EmbeddedPostgresServer.start({
      dataDir,
      database: 'ledger',
      durability: 'fast',
    });
    // Not stopped: as if the process that started it had been killed.
    const next = await EmbeddedPostgresServer.start({
      dataDir,
      database: 'ledger',
      durability: 'fast',
    });
    try {
      expect(isRunning(orphan.pid)).toBe(false);
      expect(await query(next.url, 'SELECT 1 AS ok')).toEqual([{ ok: 1 }]);
    } finally {
      await next.stop();
      await orphan.stop();
    }
  });
});
