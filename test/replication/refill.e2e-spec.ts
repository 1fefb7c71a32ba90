import { eventually } from '../../libs/event-store/src/testing/eventually';
import { GeodeWorld } from '../support/geode-world';
import { createTestDatabase } from '../support/test-postgres';
import {
  call,
  chainsVerify,
  openAccount,
  query,
  replicaFingerprint,
  waitForConvergence,
  writeSome,
} from './replication-world';

jest.setTimeout(90_000);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

describe('replication: a region rebuilt from nothing is refilled from its peers', () => {
  // Shared with the world: set GEODE_REFILL_FROM only for the restart of the lost region.
  const env: Record<string, string> = {};
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP], { env });
  });
  afterAll(() => world?.close());

  it('refuses writes and reports refilling until it holds everything, then continues its own chain', async () => {
    await Promise.all([EU, US, AP].map((region) => writeSome(world.geode(region), 3, 2)));
    await waitForConvergence(world);
    const before = await replicaFingerprint(world.geode(US));
    const lastSeq = before.knowledge[EU];
    expect(lastSeq).toBe(9);

    // The region is lost with its database; it comes back on an empty one, cut off at first.
    await world.stopGeode(EU);
    const eu = world.geode(EU);
    await eu.database.drop();
    eu.database = await createTestDatabase();
    world.isolate(EU);
    env.GEODE_REFILL_FROM = US;
    await world.startGeode(EU);
    delete env.GEODE_REFILL_FROM;

    const health = await call(eu, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({
      type: 'refilling',
      refill: { phase: 'waiting-for-peers', sources: [US] },
    });
    const refused = await call(eu, 'POST', '/v1/accounts', {
      accountId: '5a1c0c52-4a8e-4a54-9f59-2d7b0c0f2b11',
      owner: { name: 'Grace Hopper' },
      currency: 'EUR',
    });
    expect(refused.status).toBe(503);
    expect(refused.body.type).toBe('refilling');
    const [{ n }] = await query<{ n: string }>(eu, 'SELECT count(*) AS n FROM geode_events');
    expect(Number(n)).toBe(0);

    world.rejoin(EU);
    let last: unknown;
    await eventually(
      'the refilled region reports healthy',
      async () => {
        const response = await call(eu, 'GET', '/health');
        last = response.body;
        return response.status === 200 ? true : undefined;
      },
      30_000,
    ).catch(async (error: Error) => {
      const links = await call(eu, 'GET', '/replication/v1/status');
      throw new Error(`${error.message}: ${JSON.stringify({ last, links: links.body })}`);
    });
    const status = await call(eu, 'GET', '/replication/v1/status');
    expect(status.body.refill).toMatchObject({ phase: 'done', remaining: 0 });

    // Everything the others hold, its own origin log included, chains and all.
    const [refilled, us, ap] = await Promise.all(
      [EU, US, AP].map((region) => replicaFingerprint(world.geode(region))),
    );
    expect(refilled).toEqual(before);
    expect(us).toEqual(before);
    expect(ap).toEqual(before);

    // Its projections caught up before it said healthy: it serves every region's accounts.
    const accounts = await query<{ stream_id: string }>(
      world.geode(US),
      `SELECT DISTINCT stream_id FROM geode_events WHERE stream_id LIKE 'account-%'`,
    );
    for (const { stream_id } of accounts) {
      const id = stream_id.slice('account-'.length);
      const [here, there] = await Promise.all([
        call(eu, 'GET', `/v1/accounts/${id}`),
        call(world.geode(US), 'GET', `/v1/accounts/${id}`),
      ]);
      expect(here.status).toBe(200);
      expect(here.body.balance).toEqual(there.body.balance);
    }

    // A new write continues the old chain (never reusing a seq) and replicates.
    const accountId = await openAccount(eu);
    const [stamped] = await eventually('the new event is stamped', async () => {
      const rows = await query<{ origin_seq: string }>(
        eu,
        `SELECT o.origin_seq FROM geode_origin_log o JOIN geode_events e USING (event_id)
          WHERE e.stream_id LIKE '%' || $1`,
        [accountId],
      );
      return rows.length ? rows : undefined;
    });
    expect(Number(stamped.origin_seq)).toBe(lastSeq + 1);
    await eventually('the others hold the new event', async () => {
      const vectors = await Promise.all([US, AP].map((r) => world.geode(r).store().knowledge()));
      return vectors.every((vector) => vector[EU] === lastSeq + 1) ? true : undefined;
    });
    expect(await chainsVerify(world)).toEqual([]);
  });

  it('ignores the flag on a database where the region has decided events (a restart with it still set)', async () => {
    const ap = world.geode(AP);
    const before = await ap.store().knowledge();
    await world.stopGeode(AP);
    env.GEODE_REFILL_FROM = US;
    try {
      await world.startGeode(AP);
    } finally {
      delete env.GEODE_REFILL_FROM;
    }
    expect((await call(ap, 'GET', '/health')).status).toBe(200);
    const status = await call(ap, 'GET', '/replication/v1/status');
    expect(status.body.refill).toMatchObject({ phase: 'done', sources: [US] });
    // It writes at once, continuing its own chain.
    await openAccount(ap);
    await eventually('the new event is stamped', async () => {
      const vector = await ap.store().knowledge();
      return vector[AP] === before[AP] + 1 ? true : undefined;
    });
  });
});
