import { randomUUID } from 'node:crypto';
import type { NewEvent } from '@geode/event-store';
import { LOG_START } from '@geode/event-store';
import { deposit, stream } from '../../event-store/src/testing/postgres-event-store.factory';
import { eventually, sleep } from '../../event-store/src/testing/eventually';
import { sql } from '../../event-store/src/testing/sql';
import { PROJECTION_LEASE_CLASS } from './projection-lease';
import { CountingProjection } from './testing/counting-projection';
import { createProjectionTestbed, ProjectionTestbed } from './testing/projection-testbed';

jest.setTimeout(60_000);

interface Applied {
  total: number;
  distinct: number;
}

async function appliedIn(url: string, schema = 'counting_read'): Promise<Applied> {
  const [row] = await sql<{ total: string; distinct: string }>(
    url,
    `SELECT count(*) AS total, count(DISTINCT event_id) AS distinct FROM "${schema}".applied`,
  );
  return { total: Number(row.total), distinct: Number(row.distinct) };
}

/** Appends `n` deposits of 1 to one new account stream each, in appends of `perAppend`. */
async function appendDeposits(
  bed: ProjectionTestbed,
  n: number,
  perAppend = 10,
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i += perAppend) {
    const events: NewEvent[] = [];
    for (let k = 0; k < Math.min(perAppend, n - i); k++) events.push(deposit('1'));
    await bed.store.append(stream(), events, { expectedRevision: 'no_stream' });
    ids.push(...events.map((e) => e.eventId));
  }
  return ids;
}

async function waitForApplied(bed: ProjectionTestbed, count: number, schema?: string) {
  return eventually(
    `${count} events applied`,
    async () => {
      const applied = await appliedIn(bed.database.url, schema).catch(() => undefined);
      return applied && applied.total >= count ? applied : undefined;
    },
    20_000,
  );
}

describe('ProjectionRunner', () => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await createProjectionTestbed();
  });
  afterEach(() => bed.close());

  it('applies the events it handles once each, in batches, and moves its checkpoint', async () => {
    const projection = new CountingProjection();
    const { platform } = await bed.startPlatform([projection]);
    await appendDeposits(bed, 300, 50);
    // Events of another category are not the projection's.
    await bed.store.append(stream('order'), [deposit('5')], { expectedRevision: 'no_stream' });
    expect(await waitForApplied(bed, 300)).toEqual({ total: 300, distinct: 300 });
    const [sum] = await sql<{ amount: string; streams: string }>(
      bed.database.url,
      `SELECT sum(amount) AS amount, count(*) AS streams FROM counting_read.totals`,
    );
    expect(sum).toEqual({ amount: '300', streams: '6' });
    const info = await platform.get('counting');
    expect(info).toMatchObject({ status: 'running', active: true, deadLetters: 0, version: 1 });
    expect(info.lag.events).toBe(0);
    expect(projection.modes).toEqual(new Set(['live']));
  });

  it('never applies an event twice when the connection dies in the middle of a batch', async () => {
    const projection = new CountingProjection();
    let kills = 0;
    projection.afterWrite = async (_events, ctx) => {
      // The batch's rows are written; the session dies before its commit.
      if (kills < 2) {
        kills += 1;
        await ctx.manager.query('SELECT pg_terminate_backend(pg_backend_pid())');
      }
    };
    await bed.startPlatform([projection]);
    await appendDeposits(bed, 200, 20);
    await waitForApplied(bed, 200);
    await sleep(300);
    expect(kills).toBe(2);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 200, distinct: 200 });
  });

  it('never applies an event twice across two runners and restarts (redelivery)', async () => {
    const projection = new CountingProjection();
    const first = await bed.startPlatform([projection]);
    const second = await bed.startPlatform([new CountingProjection()]);
    await eventually(
      'a leader',
      () =>
        first.platform.isLeader('counting') || second.platform.isLeader('counting') || undefined,
    );
    expect(first.platform.isLeader('counting') && second.platform.isLeader('counting')).toBe(false);
    await appendDeposits(bed, 150, 15);
    await waitForApplied(bed, 150);
    // Restart both, one after the other, while appending.
    await first.stop();
    const appending = appendDeposits(bed, 100, 5);
    await second.stop();
    const third = await bed.startPlatform([new CountingProjection()]);
    await appending;
    await waitForApplied(bed, 250);
    await sleep(300);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 250, distinct: 250 });
    expect(third.platform.isLeader('counting')).toBe(true);
  });

  it('hands the lease to a standby when the holder’s connection dies', async () => {
    const first = await bed.startPlatform([new CountingProjection()]);
    await eventually('first leads', () => first.platform.isLeader('counting') || undefined);
    const second = await bed.startPlatform([new CountingProjection()]);
    await appendDeposits(bed, 50);
    await waitForApplied(bed, 50);
    expect(second.platform.isLeader('counting')).toBe(false);
    const holders = await sql<{ pid: number }>(
      bed.database.url,
      `SELECT pid FROM pg_locks
        WHERE locktype = 'advisory' AND objsubid = 2 AND granted AND classid = $1::oid
          AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`,
      [PROJECTION_LEASE_CLASS],
    );
    expect(holders).toHaveLength(1);
    // The holder "dies": its lease connection is killed and its runner stopped for good,
    // so only the standby can take over.
    await sql(bed.database.url, 'SELECT pg_terminate_backend($1)', [holders[0].pid]);
    const stopping = first.stop();
    const tookOverAt = Date.now();
    await eventually(
      'the standby leads',
      () => second.platform.isLeader('counting') || undefined,
      5_000,
    );
    expect(Date.now() - tookOverAt).toBeLessThan(5_000);
    await stopping;
    await appendDeposits(bed, 50);
    await waitForApplied(bed, 100);
    await sleep(200);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 100, distinct: 100 });
  });

  it('parks an event that cannot be applied as a dead letter and goes on', async () => {
    const projection = new CountingProjection();
    const { platform, registry } = await bed.startPlatform([projection]);
    const poison = randomUUID();
    projection.poison.add(poison);
    const streamId = stream();
    await bed.store.append(
      streamId,
      [deposit('1'), deposit('1', { eventId: poison }), deposit('1')],
      { expectedRevision: 'no_stream' },
    );
    await appendDeposits(bed, 20);
    await waitForApplied(bed, 22);
    await sleep(200);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 22, distinct: 22 });
    const letters = await platform.deadLetters('counting');
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ eventId: poison, streamId, mode: 'live' });
    expect(letters[0].error).toContain('poison');
    const info = await platform.get('counting');
    expect(info).toMatchObject({ deadLetters: 1, status: 'running' });
    expect(info.lag.events).toBe(0);
    const metric = await registry.getSingleMetricAsString('geode_projection_dead_letters_total');
    expect(metric).toContain('geode_projection_dead_letters_total{projection="counting"} 1');
  });

  it('stops on such an event in stop mode, and a reset replays once it is fixed', async () => {
    const projection = new CountingProjection();
    const { platform } = await bed.startPlatform([projection], { onError: 'stop' });
    const poison = randomUUID();
    projection.poison.add(poison);
    await appendDeposits(bed, 10);
    await bed.store.append(stream(), [deposit('1', { eventId: poison }), deposit('1')], {
      expectedRevision: 'no_stream',
    });
    await appendDeposits(bed, 10);
    const failed = await eventually('stopped', async () => {
      const info = await platform.get('counting');
      return info.status === 'failed' ? info : undefined;
    });
    expect(failed.lastError).toContain('poison');
    await sleep(500);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 10, distinct: 10 });
    expect((await platform.get('counting')).lag.events).toBe(12);
    expect(await platform.deadLetters('counting')).toEqual([]);
    projection.poison.clear();
    await platform.reset('counting', 'start');
    await waitForApplied(bed, 22);
    await sleep(200);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 22, distinct: 22 });
    expect((await platform.get('counting')).status).toBe('running');
  });

  it('resets to a checkpoint: clears the tables and replays what follows it', async () => {
    const { platform } = await bed.startPlatform([new CountingProjection()]);
    await appendDeposits(bed, 10);
    await waitForApplied(bed, 10);
    const middle = await platform.checkpoint('counting');
    await appendDeposits(bed, 7);
    await waitForApplied(bed, 17);
    await platform.reset('counting', middle);
    await waitForApplied(bed, 7);
    await sleep(300);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 7, distinct: 7 });
    await platform.reset('counting', LOG_START);
    expect(await waitForApplied(bed, 17)).toEqual({ total: 17, distinct: 17 });
  });
});

describe('ProjectionRunner under faults', () => {
  let bed: ProjectionTestbed;

  beforeEach(async () => {
    bed = await createProjectionTestbed();
  });
  afterEach(() => bed.close());

  it('applies every event exactly once while connections die at random and runners restart', async () => {
    // Seeded, so a failure can be replayed: change SEED to explore.
    const SEED = 0x5eed;
    let state = SEED;
    const random = () => {
      state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
      return state / 2 ** 32;
    };
    let kills = 0;
    const chaotic = () => {
      const projection = new CountingProjection();
      projection.afterWrite = async (_events, ctx) => {
        if (ctx.mode === 'live' && random() < 0.15) {
          kills += 1;
          await ctx.manager.query('SELECT pg_terminate_backend(pg_backend_pid())');
        }
      };
      return projection;
    };
    const runners = [await bed.startPlatform([chaotic()]), await bed.startPlatform([chaotic()])];
    const writing = appendDeposits(bed, 600, 3);
    for (let round = 0; round < 3; round++) {
      await sleep(150);
      // A runner process "restarts".
      const victim = runners.splice(Math.floor(random() * runners.length), 1)[0];
      await victim.stop();
      runners.push(await bed.startPlatform([chaotic()]));
    }
    await writing;
    await waitForApplied(bed, 600);
    await sleep(300);
    expect(await appliedIn(bed.database.url)).toEqual({ total: 600, distinct: 600 });
    expect(kills).toBeGreaterThan(0);
  });
});
