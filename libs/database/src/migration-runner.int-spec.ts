import { MigrationInterface, QueryRunner } from 'typeorm';
import { createTestDatabase, TestDatabase } from '../../../test/support/test-postgres';
import { createGeodeDataSource } from './geode-data-source';
import { pendingMigrations, runMigrations } from './migration-runner';

class CreateWidgets1700000000001 implements MigrationInterface {
  name = 'CreateWidgets1700000000001';
  async up(runner: QueryRunner): Promise<void> {
    // Slow on purpose, so concurrent runners really overlap.
    await runner.query('SELECT pg_sleep(0.3)');
    await runner.query('CREATE TABLE widgets (id int PRIMARY KEY)');
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE widgets');
  }
}

class AddWidgetName1700000000002 implements MigrationInterface {
  name = 'AddWidgetName1700000000002';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE widgets ADD COLUMN name text');
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query('ALTER TABLE widgets DROP COLUMN name');
  }
}

const migrations = [CreateWidgets1700000000001, AddWidgetName1700000000002];

describe('runMigrations', () => {
  let database: TestDatabase;
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(() => database.drop());

  it('applies pending migrations once, even when several processes start together', async () => {
    const sources = [1, 2, 3].map(() =>
      createGeodeDataSource({ url: database.url, migrations, poolSize: 2 }),
    );
    await Promise.all(sources.map((source) => source.initialize()));
    try {
      expect(await pendingMigrations(sources[0])).toEqual([
        'CreateWidgets1700000000001',
        'AddWidgetName1700000000002',
      ]);

      const results = await Promise.all(sources.map((source) => runMigrations(source)));

      expect(results.flat().sort()).toEqual([
        'AddWidgetName1700000000002',
        'CreateWidgets1700000000001',
      ]);
      expect(await pendingMigrations(sources[0])).toEqual([]);
      const columns = await sources[0].query<{ column_name: string }[]>(
        `SELECT column_name FROM information_schema.columns WHERE table_name = 'widgets' ORDER BY column_name`,
      );
      expect(columns.map((c) => c.column_name)).toEqual(['id', 'name']);
    } finally {
      await Promise.all(sources.map((source) => source.destroy()));
    }
  });
});
