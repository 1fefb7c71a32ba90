import type { NewEvent } from '@geode/event-store';
import { deposit, stream } from '../../event-store/src/testing/postgres-event-store.factory';
import { eventually, sleep } from '../../event-store/src/testing/eventually';
import { sql } from '../../event-store/src/testing/sql';
import { Client } from 'pg';
import { ProjectionError } from './projection-errors';
import { CountingProjection } from './testing/counting-projection';
import { createProjectionTestbed, ProjectionTestbed } from './testing/projection-testbed';

jest.setTimeout(90_000);

async function appendDeposits(bed: ProjectionTestbed, n: number, perAppend = 50): Promise<void> {
  for (let i = 0; i < n; i += perAppend) {
    const events: NewEvent[] = [];
    for (let k = 0; k < Math.min(perAppend, n - i); k++) events.push(deposit('1'));
    await bed.store.append(stream(), events, { expectedRevision: 'no_stream' });
  }
}

async function totalApplied(url: string): Promise<number> {
  const [row] = await sql<{ n: string }>(url, `SELECT count(*) AS n FROM counting_read.applied`);
  return Number(row.n);
}

describe('Projection rebuild', () => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await createProjectionTestbed();
  });
  afterEach(() => bed.close());

  it('rebuilds beside the live tables under traffic; readers never fail nor go back in time', async () => {
    const projection = new CountingProjection();
    const { platform } = await bed.startPlatform([projection], { rebuildBatchSize: 500 });
    await appendDeposits(bed, 5_000);
    await eventually(
      'caught up',
      async () => ((await totalApplied(bed.database.url)) === 5_000 ? true : undefined),
      20_000,
    );

    // Live traffic and a reader on the live tables, both in loops.
    let traffic = true;
    let appended = 5_000;
    const writer = (async () => {
      while (traffic) {
        await appendDeposits(bed, 10, 10);
        appended += 10;
        await sleep(5);
      }
    })();
    const reader = new Client({ connectionString: bed.database.url });
    await reader.connect();
    let reading = true;
    let reads = 0;
    const readerErrors: unknown[] = [];
    const wentBack: string[] = [];
    const readLoop = (async () => {
      let last = 0;
      while (reading) {
        try {
          const { rows } = await reader.query<{ amount: string | null; applied: string }>(
            `SELECT (SELECT sum(amount) FROM counting_read.totals) AS amount,
                    (SELECT count(*) FROM counting_read.applied) AS applied`,
          );
          const amount = Number(rows[0].amount ?? 0);
          if (amount < last) wentBack.push(`${last} → ${amount}`);
          if (Number(rows[0].applied) !== amount)
            wentBack.push(`torn read ${rows[0].applied} vs ${amount}`);
          last = amount;
          reads += 1;
        } catch (error) {
          readerErrors.push(error);
        }
      }
    })();

    const requested = await platform.rebuild('counting');
    expect(requested.phase).toBe('requested');
    await expect(platform.rebuild('counting')).rejects.toMatchObject({ code: 'rebuild-running' });
    await expect(platform.reset('counting', 'start')).rejects.toBeInstanceOf(ProjectionError);
    const progressSeen: string[] = [];
    const done = await eventually(
      'rebuild done',
      async () => {
        const info = await platform.get('counting');
        if (info.rebuild) progressSeen.push(info.rebuild.phase);
        return info.rebuild?.phase === 'done' || info.rebuild?.phase === 'failed'
          ? info
          : undefined;
      },
      60_000,
    );
    expect(done.rebuild).toMatchObject({ phase: 'done', error: null });
    expect(done.rebuild!.done).toBeGreaterThanOrEqual(5_000);
    expect(done.rebuild!.ratePerSecond).toBeGreaterThan(0);
    expect(progressSeen).toContain('replaying');
    await sleep(300); // reads after the swap
    traffic = false;
    await writer;
    await eventually(
      'live caught up after the swap',
      async () => ((await totalApplied(bed.database.url)) === appended ? true : undefined),
      20_000,
    );
    reading = false;
    await readLoop;
    await reader.end();

    expect(readerErrors).toEqual([]);
    expect(wentBack).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    const [applied] = await sql<{ total: string; distinct: string; modes: string[] }>(
      bed.database.url,
      `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct, array_agg(DISTINCT mode) AS modes
         FROM counting_read.applied`,
    );
    expect(applied).toEqual({
      total: String(appended),
      distinct: String(appended),
      modes: expect.arrayContaining(['rebuild', 'live']),
    });
    // The replaced tables are gone; the generation moved.
    const schemas = await sql<{ nspname: string }>(
      bed.database.url,
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'counting_read%' ORDER BY 1`,
    );
    expect(schemas.map((s) => s.nspname)).toEqual(['counting_read']);
  });

  it('a new version serves the old tables until its rebuild swaps them', async () => {
    const v1 = await bed.startPlatform([new CountingProjection({ version: 1 })]);
    await appendDeposits(bed, 300);
    await eventually('v1 applied', async () =>
      (await totalApplied(bed.database.url)) === 300 ? true : undefined,
    );
    await v1.stop();
    const v2 = await bed.startPlatform([new CountingProjection({ version: 2 })]);
    const info = await eventually(
      'v2 rebuilt',
      async () => {
        const current = await v2.platform.get('counting');
        return current.version === 2 ? current : undefined;
      },
      30_000,
    );
    expect(info).toMatchObject({ version: 2, codeVersion: 2, status: 'running' });
    expect(info.rebuild).toMatchObject({ phase: 'done', version: 2 });
    await appendDeposits(bed, 20);
    await eventually('v2 live', async () =>
      (await totalApplied(bed.database.url)) === 320 ? true : undefined,
    );
  });

  it('fails a rebuild that stops on an event (stop mode), drops its shadow and keeps serving', async () => {
    const projection = new CountingProjection();
    const { platform } = await bed.startPlatform([projection], {
      onError: 'stop',
      rebuildBatchSize: 100,
    });
    await appendDeposits(bed, 500);
    await eventually('applied', async () =>
      (await totalApplied(bed.database.url)) === 500 ? true : undefined,
    );
    const [victim] = await sql<{ event_id: string }>(
      bed.database.url,
      `SELECT event_id FROM geode_events ORDER BY position OFFSET 250 LIMIT 1`,
    );
    projection.afterWrite = (events, ctx) => {
      if (ctx.mode === 'rebuild' && events.some((e) => e.eventId === victim.event_id))
        return Promise.reject(new Error('cannot rebuild this one'));
      return Promise.resolve();
    };
    await platform.rebuild('counting');
    const failed = await eventually('rebuild failed', async () => {
      const info = await platform.get('counting');
      return info.rebuild?.phase === 'failed' ? info : undefined;
    });
    expect(failed.rebuild!.error).toContain('cannot rebuild this one');
    expect(failed).toMatchObject({ status: 'running', version: 1 });
    const schemas = await sql<{ nspname: string }>(
      bed.database.url,
      `SELECT nspname FROM pg_namespace WHERE nspname LIKE 'counting_read%' ORDER BY 1`,
    );
    expect(schemas.map((row) => row.nspname)).toEqual(['counting_read']);
    expect(await totalApplied(bed.database.url)).toBe(500);
    // A new request may follow.
    projection.afterWrite = undefined;
    await platform.rebuild('counting');
    await eventually('second rebuild done', async () =>
      (await platform.get('counting')).rebuild?.phase === 'done' ? true : undefined,
    );
  });

  it('resumes a rebuild where a dead leader left it', async () => {
    const slow = new CountingProjection();
    let rebuildBatches = 0;
    slow.afterWrite = async (_events, ctx) => {
      if (ctx.mode === 'rebuild') {
        rebuildBatches += 1;
        await sleep(50);
      }
    };
    const first = await bed.startPlatform([slow], { rebuildBatchSize: 100 });
    await appendDeposits(bed, 2_000);
    await eventually(
      'applied',
      async () => ((await totalApplied(bed.database.url)) === 2_000 ? true : undefined),
      20_000,
    );
    await first.platform.rebuild('counting');
    await eventually('rebuild under way', () => (rebuildBatches >= 3 ? true : undefined));
    await first.stop();
    const partial = await sql<{ done: string; phase: string }>(
      bed.database.url,
      `SELECT done, phase FROM geode_projection_rebuilds`,
    );
    expect(['replaying', 'swapping']).toContain(partial[0].phase);
    const second = await bed.startPlatform([new CountingProjection()], { rebuildBatchSize: 100 });
    const info = await eventually(
      'resumed and done',
      async () => {
        const current = await second.platform.get('counting');
        return current.rebuild?.phase === 'done' ? current : undefined;
      },
      30_000,
    );
    expect(info.rebuild!.done).toBe(2_000);
    const [applied] = await sql<{ total: string; distinct: string }>(
      bed.database.url,
      `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct FROM counting_read.applied`,
    );
    expect(applied).toEqual({ total: '2000', distinct: '2000' });
    expect(Number(partial[0].done)).toBeGreaterThan(0);
  });
});
