import { Client } from 'pg';
import { testServerUrl } from '../../../test/support/test-postgres';
import { deposit, stream } from '../../event-store/src/testing/postgres-event-store.factory';
import { sleep } from '../../event-store/src/testing/eventually';
import { sql } from '../../event-store/src/testing/sql';
import { CountingProjection } from './testing/counting-projection';
import { createProjectionTestbed, ProjectionTestbed } from './testing/projection-testbed';

jest.setTimeout(60_000);

describe('waitUntilApplied', () => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await createProjectionTestbed();
  });
  afterEach(() => bed.close());

  async function appendOne(category = 'account') {
    const event = deposit('1');
    await bed.store.append(stream(category), [event], { expectedRevision: 'no_stream' });
    // Its place in the log (a reader would get it from the store; this one does not wait
    // for the horizon, which a gated batch below holds back).
    const [row] = await sql<{ tx_id: string; position: string }>(
      bed.database.url,
      'SELECT tx_id::text, position FROM geode_events WHERE event_id = $1',
      [event.eventId],
    );
    return { txId: row.tx_id, position: Number(row.position) };
  }

  it('answers true once applied, false on timeout, and wakes as soon as a batch commits', async () => {
    const projection = new CountingProjection();
    let gate: Promise<void> = Promise.resolve();
    let open = () => undefined as void;
    projection.afterWrite = () => gate;
    const runner = await bed.startPlatform([projection]);
    // A waiter in another process (it runs no projections) learns through notifications.
    const waiter = await bed.startPlatform([new CountingProjection()], { run: false });

    const first = await appendOne();
    expect(await waiter.platform.waitUntilApplied('counting', first, 10_000)).toBe(true);

    gate = new Promise<void>((resolve) => (open = resolve));
    const second = await appendOne();
    const started = Date.now();
    expect(await waiter.platform.waitUntilApplied('counting', second, 300)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);

    const waiting = waiter.platform.waitUntilApplied('counting', second, 10_000);
    await sleep(100);
    const released = Date.now();
    open();
    expect(await waiting).toBe(true);
    expect(Date.now() - released).toBeLessThan(500);
    expect(await runner.platform.checkpoint('counting')).toEqual(second);
  });

  it('counts an event the projection does not handle as applied once nothing before it is left', async () => {
    await bed.startPlatform([new CountingProjection()]);
    await appendOne();
    const other = await appendOne('order');
    const waiter = await bed.startPlatform([new CountingProjection()], { run: false });
    expect(await waiter.platform.waitUntilApplied('counting', other, 5_000)).toBe(true);
  });

  it("judges what is left by the store's horizon: a transaction elsewhere holds no wait back, one here does", async () => {
    await bed.startPlatform([new CountingProjection()]);
    await appendOne();
    const waiter = await bed.startPlatform([new CountingProjection()], { run: false });
    // A transaction with an id, older than the target, in another database of the server:
    // it cannot write this log (pg_snapshot_xmin would count it, the store's horizon does not).
    const elsewhere = new Client({ connectionString: testServerUrl() });
    await elsewhere.connect();
    // One here, older than the target too: it may still write an event the projection handles.
    const here = new Client({ connectionString: bed.database.url });
    await here.connect();
    try {
      await elsewhere.query('BEGIN');
      await elsewhere.query('SELECT pg_current_xact_id()');
      const before = await appendOne('order');
      expect(await waiter.platform.waitUntilApplied('counting', before, 5_000)).toBe(true);

      await here.query('BEGIN');
      await here.query('SELECT pg_current_xact_id()');
      const after = await appendOne('order');
      expect(await waiter.platform.waitUntilApplied('counting', after, 1_500)).toBe(false);
      await here.query('COMMIT');
      expect(await waiter.platform.waitUntilApplied('counting', after, 5_000)).toBe(true);
    } finally {
      await elsewhere.query('ROLLBACK').catch(() => undefined);
      await Promise.all([elsewhere.end(), here.end()]);
    }
  });

  it('refuses an unknown projection', async () => {
    const waiter = await bed.startPlatform([new CountingProjection()], { run: false });
    await expect(
      waiter.platform.waitUntilApplied('nope', { txId: '1', position: 1 }, 10),
    ).rejects.toMatchObject({ code: 'unknown-projection' });
  });
});
