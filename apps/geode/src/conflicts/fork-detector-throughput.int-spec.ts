import { accountMergePolicy } from '@geode/ledger';
import type { GeodeConfig } from '../config/geode-config';
import { ledgerWorkload } from '../read-models/testing/ledger-workload';
import { batchesOf, useProjectionSchemas } from '../read-models/testing/projection-schemas';
import { ForkDetectorProjection } from './fork-detector.projection';

// A measurement, not a check: it takes a while, so it runs only when asked for.
const EVENTS = Number(process.env.GEODE_CONFLICTS_THROUGHPUT ?? 0);
const BATCH = 5_000; // the runner's rebuild batch size
const PROJECTION = new ForkDetectorProjection({ region: 'eu-west-1' } as GeodeConfig, [
  accountMergePolicy(),
]);

(EVENTS > 0 ? describe : describe.skip)(
  'fork detector throughput (set GEODE_CONFLICTS_THROUGHPUT=<events> to run)',
  () => {
    const schemas = useProjectionSchemas(PROJECTION, 'bench');

    it('follows a rebuild-sized log in batches', async () => {
      const log = ledgerWorkload(EVENTS);
      const schema = await schemas.fresh();
      const started = performance.now();
      await schemas.apply(schema, batchesOf(log, BATCH));
      const seconds = (performance.now() - started) / 1000;
      process.stdout.write(
        `fork detector: ${log.length} events in ${seconds.toFixed(1)} s = ${Math.round(log.length / seconds)} events/s\n`,
      );
      const [{ streams }] = await schemas.dataSource.query<{ streams: number }[]>(
        `SELECT count(DISTINCT stream_id)::int AS streams FROM "${schema}".stream_events`,
      );
      expect(streams).toBe(new Set(log.map((e) => e.streamId)).size);
    }, 600_000);
  },
);
