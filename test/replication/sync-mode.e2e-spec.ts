import { randomUUID } from 'node:crypto';
import { GeodeWorld } from '../support/geode-world';
import { call, query, waitForConvergence } from './replication-world';

jest.setTimeout(60_000);

function opener(world: () => GeodeWorld) {
  return (region: string, extra: Record<string, unknown> = {}, accountId = randomUUID()) =>
    call(world().geode(region), 'POST', '/v1/accounts', {
      accountId,
      owner: { name: 'Ada Lovelace' },
      currency: 'EUR',
      ...extra,
    }).then((response) => ({ ...response, accountId }));
}

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const TIMEOUT_MS = 1_500;

describe('replication: sync mode (account:quorum)', () => {
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP], {
      env: { GEODE_SYNC_CATEGORIES: 'account:quorum', GEODE_SYNC_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
  });
  afterAll(() => world?.close());
  const open = opener(() => world);

  /** How many regions hold EU's log up to what EU has stamped, right now. */
  const holdingEu = async () => {
    const vectors = await Promise.all(
      [EU, US, AP].map((region) => world.geode(region).store().knowledge()),
    );
    return vectors.filter((vector) => (vector[EU] ?? 0) >= vectors[0][EU]).length;
  };

  it('answers a write once a quorum of regions holds it', async () => {
    const opened = await open(EU);
    expect(opened.status).toBe(201);
    // The answer came after a peer acknowledged: it holds the event already.
    expect(await holdingEu()).toBeGreaterThanOrEqual(2);
  });

  it('still answers with one peer down: the origin and the other peer make the quorum', async () => {
    world.isolate(AP);
    try {
      const opened = await open(EU);
      expect(opened.status).toBe(201);
      expect(await holdingEu()).toBeGreaterThanOrEqual(2);
    } finally {
      world.rejoin(AP);
    }
  });

  it('with every peer down it times out with 503 replication-timeout; the write is committed and converges after healing', async () => {
    world.isolate(EU);
    const started = Date.now();
    const opened = await open(EU);
    const tookMs = Date.now() - started;
    expect(opened.status).toBe(503);
    expect(opened.body).toMatchObject({ type: 'replication-timeout', committed: true });
    expect(opened.body.detail).toMatch(/committed locally and will replicate later/);
    expect(tookMs).toBeGreaterThanOrEqual(TIMEOUT_MS - 50);
    expect(tookMs).toBeLessThan(TIMEOUT_MS + 3_000);
    const held = await query<{ n: string }>(
      world.geode(EU),
      `SELECT count(*) AS n FROM geode_events WHERE stream_id LIKE '%' || $1`,
      [opened.accountId],
    );
    expect(Number(held[0].n)).toBe(1);

    world.rejoin(EU);
    await waitForConvergence(world);
    const there = await call(world.geode(US), 'GET', `/v1/accounts/${opened.accountId}`);
    expect(there.status).toBe(200);
  });
});

describe('replication: sync mode (account:all) counts only the regions residency allows', () => {
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP], {
      env: { GEODE_SYNC_CATEGORIES: 'account:all', GEODE_SYNC_TIMEOUT_MS: String(TIMEOUT_MS) },
    });
  });
  afterAll(() => world?.close());
  const open = opener(() => world);

  it('with one peer down, all times out; an account pinned to the regions that are up answers', async () => {
    const everywhere = await open(EU);
    expect(everywhere.status).toBe(201);

    world.isolate(AP);
    try {
      const unpinned = await open(EU);
      expect(unpinned.status).toBe(503);
      expect(unpinned.body).toMatchObject({ type: 'replication-timeout', committed: true });
      expect(unpinned.body.detail).toMatch(/held by 2 of the 3 regions required \(all of /);

      // AP may not hold it, so it is not waited for: EU and US are all.
      const pinned = await open(EU, { residency: [EU, US], homeRegion: EU });
      expect(pinned.status).toBe(201);
      const us = await world.geode(US).store().knowledge();
      const eu = await world.geode(EU).store().knowledge();
      expect(us[EU]).toBe(eu[EU]);
    } finally {
      world.rejoin(AP);
    }
  });
});
