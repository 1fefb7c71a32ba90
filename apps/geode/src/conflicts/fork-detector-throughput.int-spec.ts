import type { DataSource } from 'typeorm';
import { createGeodeDataSource } from '@geode/database';
import { accountMergePolicy } from '@geode/ledger';
import { createTestDatabase, type TestDatabase } from '../../../../test/support/test-postgres';
import type { GeodeConfig } from '../config/geode-config';
import { ledgerWorkload } from '../read-models/testing/ledger-workload';
import { ForkDetectorProjection } from './fork-detector.projection';

// A measurement, not a check: it takes a while, so it runs only when asked for.
const EVENTS = Number(process.env.GEODE_CONFLICTS_THROUGHPUT ?? 0);
const BATCH = 5_000; // the runner's rebuild batch size

(EVENTS > 0 ? describe : describe.skip)(
  'fork detector throughput (set GEODE_CONFLICTS_THROUGHPUT=<events> to run)',
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

    it('follows a rebuild-sized log in batches', async () => {
      const projection = new ForkDetectorProjection({ region: 'eu-west-1' } as GeodeConfig, [
        accountMergePolicy(),
      ]);
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
        `fork detector: ${log.length} events in ${seconds.toFixed(1)} s = ${Math.round(log.length / seconds)} events/s\n`,
      );
      const [{ streams }] = await dataSource.query<{ streams: number }[]>(
        `SELECT count(DISTINCT stream_id)::int AS streams FROM bench.stream_tips`,
      );
      expect(streams).toBe(new Set(log.map((e) => e.streamId)).size);
    }, 600_000);
  },
);
