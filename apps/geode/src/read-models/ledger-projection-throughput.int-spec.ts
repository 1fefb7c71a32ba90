import { LedgerProjection } from './ledger-projection';
import { ledgerWorkload } from './testing/ledger-workload';
import { batchesOf, useProjectionSchemas } from './testing/projection-schemas';

// A measurement, not a check: it takes a while, so it runs only when asked for.
const EVENTS = Number(process.env.GEODE_LEDGER_THROUGHPUT ?? 0);
const BATCH = 5_000; // the runner's rebuild batch size
const PROJECTION = new LedgerProjection();

(EVENTS > 0 ? describe : describe.skip)(
  'ledger projection throughput (set GEODE_LEDGER_THROUGHPUT=<events> to run)',
  () => {
    const schemas = useProjectionSchemas(PROJECTION, 'bench');

    it('applies a rebuild-sized log in batches', async () => {
      const log = ledgerWorkload(EVENTS);
      const schema = await schemas.fresh();
      const started = performance.now();
      await schemas.apply(schema, batchesOf(log, BATCH));
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `ledger projection: ${log.length} events in ${seconds.toFixed(1)} s = ${Math.round(log.length / seconds)} events/s\n`,
      );
      const [{ n }] = await schemas.dataSource.query<{ n: number }[]>(
        `SELECT count(*)::int AS n FROM "${schema}".applied_events`,
      );
      expect(n).toBe(log.length);
    }, 600_000);
  },
);
