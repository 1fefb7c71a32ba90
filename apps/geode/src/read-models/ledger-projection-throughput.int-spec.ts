import type { DataSource } from 'typeorm';
import { createGeodeDataSource } from '@geode/database';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-postgres';
import { LedgerProjection } from './ledger-projection';
import { ledgerWorkload } from './testing/ledger-workload';

// A measurement, not a check: it takes a while, so it runs only when asked for.
const EVENTS = Number(process.env.GEODE_LEDGER_THROUGHPUT ?? 0);
const BATCH = 5_000; // the runner's rebuild batch size

(EVENTS > 0 ? describe : describe.skip)(
  'ledger projection throughput (set GEODE_LEDGER_THROUGHPUT=<events> to run)',
  () => {
    let database: TestDatabase;
    let dataSource: DataSource;
    beforeAll(async () => {
      database = await createTestDatabase();
      dataSource = createGeodeDataSource({ url: database.url, migrations: [], poolSize: 2 });
      await dataSource.initialize();
    });
    afterAll(async () => {
      await dataSource?.destroy();
      await database?.drop();
    });

    it('applies a rebuild-sized log in batches', async () => {
      const projection = new LedgerProjection();
      const log = ledgerWorkload(EVENTS);
      await dataSource.query(`CREATE SCHEMA bench`);
      const ctx = (manager: DataSource['manager']) => ({
        manager,
        schema: 'bench',
        mode: 'rebuild' as const,
        table: (name: string) => `"bench"."${name}"`,
      });
      await dataSource.transaction((manager) => projection.createTables(ctx(manager)));
      const started = performance.now();
      for (let i = 0; i < log.length; i += BATCH)
        await dataSource.transaction((manager) =>
          projection.apply(log.slice(i, i + BATCH), ctx(manager)),
        );
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `ledger projection: ${log.length} events in ${seconds.toFixed(1)} s = ${Math.round(log.length / seconds)} events/s\n`,
      );
      const [{ n }] = await dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM bench.applied_events`,
      );
      expect(n).toBe(log.length);
    }, 600_000);
  },
);
