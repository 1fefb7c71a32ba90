import { LOG_START } from '@geode/event-store';
import { deposit, stream } from '../../event-store/src/testing/postgres-event-store.factory';
import { eventually } from '../../event-store/src/testing/eventually';
import { sql } from '../../event-store/src/testing/sql';
import { applyBatch } from './batch-applier';
import { liveCheckpointMove } from './live-checkpoint';
import { CountingProjection } from './testing/counting-projection';
import { createProjectionTestbed, ProjectionTestbed } from './testing/projection-testbed';

describe('applyBatch: the checkpoint compare-and-set', () => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await createProjectionTestbed();
  });
  afterEach(() => bed.close());

  it('lets one of two runners that read the same checkpoint commit the batch; the other writes nothing', async () => {
    const projection = new CountingProjection();
    // Registered, not run: this test plays both runners itself.
    const { dataSource } = await bed.startPlatform([projection], { run: false });
    await dataSource.query('CREATE SCHEMA counting_read');
    const setup = dataSource.createQueryRunner();
    await projection.createTables({
      manager: setup.manager,
      schema: 'counting_read',
      table: (name) => `counting_read.${name}`,
    });
    await setup.release();
    await bed.store.append(stream(), [deposit('1'), deposit('1'), deposit('1')], {
      expectedRevision: 'no_stream',
    });
    // Readable once every older transaction of the server has finished (the horizon).
    const entries = await eventually('the events readable', async () => {
      const log = await bed.store.readAll();
      return log.length === 3 ? log : undefined;
    });
    const [a, b] = [dataSource.createQueryRunner(), dataSource.createQueryRunner()];
    const options = {
      projection,
      schema: 'counting_read',
      mode: 'live' as const,
      onError: 'dead-letter' as const,
      move: liveCheckpointMove(projection, LOG_START),
    };
    const outcomes = await Promise.all([
      applyBatch(a, entries, options),
      applyBatch(b, entries, options),
    ]);
    await Promise.all([a.release(), b.release()]);
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['applied', 'lost']);
    const [applied] = await sql<{ n: string }>(
      bed.database.url,
      'SELECT count(*) AS n FROM counting_read.applied',
    );
    expect(applied.n).toBe('3');
    const [row] = await sql<{ position: string }>(
      bed.database.url,
      `SELECT position FROM geode_projections WHERE name = 'counting'`,
    );
    expect(Number(row.position)).toBe(entries[2].checkpoint.position);
  });
});
