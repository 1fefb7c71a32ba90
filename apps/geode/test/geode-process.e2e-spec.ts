import { rm } from 'node:fs/promises';
import { createDataDir } from '../../../test/support/data-dir';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-postgres';
import {
  pidsMentioning,
  runGeodeToExit,
  startGeodeProcess,
} from '../../../test/support/geode-process';

jest.setTimeout(120_000);

/** The environment of a user's shell, without anything that would pick a database. */
function cleanEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
  };
  return { ...env, ...extra };
}

describe('the geode process', () => {
  describe('refuses a wrong configuration with one line and a non-zero exit', () => {
    it.each([
      ['an empty region', [], { GEODE_REGION: '' }, /^geode: GEODE_REGION must be a region id/],
      ['no region at all', [], {}, /^geode: GEODE_REGION is required/],
      [
        'a non-postgres DATABASE_URL',
        ['--region', 'eu-west-1'],
        { DATABASE_URL: 'mysql://root@db/x' },
        /^geode: DATABASE_URL must be/,
      ],
      [
        'an unreachable database',
        ['--region', 'eu-west-1'],
        { DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
        /^geode: cannot connect to PostgreSQL at postgres:\/\/postgres@127\.0\.0\.1:1\/none: .*ECONNREFUSED/,
      ],
      [
        'a bad port',
        ['--region', 'eu-west-1', '--port', 'http'],
        {},
        /^geode: GEODE_PORT must be a whole number/,
      ],
      ['an unknown flag', ['--regoin', 'eu-west-1'], {}, /^geode: Unknown option '--regoin'/],
    ])('%s', async (_case, args, env, message) => {
      const result = await runGeodeToExit(args, cleanEnv(env));
      expect(result.code).toBe(1);
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    });

    it('prints its usage with --help and exits 0', async () => {
      const result = await runGeodeToExit(['--help'], cleanEnv({}));
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^Usage: geode-server/);
      expect(result.stdout).toContain('GEODE_REGION');
    });
  });

  describe('against a PostgreSQL server (DATABASE_URL)', () => {
    let database: TestDatabase;
    beforeAll(async () => {
      database = await createTestDatabase();
    });
    afterAll(() => database.drop());

    it('serves /health, runs its sequencer in a worker thread, and exits 0 on SIGTERM', async () => {
      const geode = await startGeodeProcess(
        ['--region', 'us-east-1', '--port', '0'],
        cleanEnv({ DATABASE_URL: database.url }),
      );
      const health = await fetch(`${geode.url}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', region: 'us-east-1' });
      // The compiled app runs the sequencer in a thread; its leadership reaches the main thread's metrics.
      const leader = 'geode_sequencer_leader{region="us-east-1"} 1';
      let metrics = '';
      for (let tries = 0; tries < 100 && !metrics.includes(leader); tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        metrics = await (await fetch(`${geode.url}/metrics`)).text();
      }
      expect(metrics).toContain(leader);
      expect(await geode.stop('SIGTERM')).toBe(0);
    });

    it('migrate reports an up-to-date database', async () => {
      const result = await runGeodeToExit(
        ['migrate'],
        cleanEnv({ GEODE_REGION: 'us-east-1', DATABASE_URL: database.url }),
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^(database is up to date|applied \d+ migration)/);
    });
  });

  describe('with nothing configured (embedded PostgreSQL)', () => {
    let dataDir: string;
    beforeAll(async () => {
      dataDir = await createDataDir('process-spec');
    });
    afterAll(() => rm(dataDir, { recursive: true, force: true }));

    it('starts its own database, serves /health, and leaves no postgres behind after SIGTERM', async () => {
      const geode = await startGeodeProcess(
        ['--region', 'eu-west-1', '--port', '0'],
        cleanEnv({ GEODE_DATA_DIR: dataDir }),
      );
      expect((await pidsMentioning(dataDir)).length).toBeGreaterThan(0);
      const health = await fetch(`${geode.url}/health`);
      expect(health.status).toBe(200);

      expect(await geode.stop('SIGTERM')).toBe(0);
      expect(await pidsMentioning(dataDir)).toEqual([]);
    });
  });
});
