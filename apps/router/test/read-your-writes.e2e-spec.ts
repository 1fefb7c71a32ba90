import { randomUUID } from 'node:crypto';
import { eventually } from '../../../libs/event-store/src/testing/eventually';
import { GeodeWorld } from '../../../test/support/geode-world';
import { call, servedCount, startRouter, type RunningRouter } from './router-fixture';

jest.setTimeout(90_000);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];

/**
 * Three real geodes replicating to each other, the router in front: the geode
 * side of the router's signals (ADR 0011) — sessions across regions, the
 * `Geode-Residency` hint and the lag indicators of `/health`.
 */
describe('read-your-writes and residency hints through the router', () => {
  let world: GeodeWorld;
  let router: RunningRouter;
  const url = (region: string) => world.geode(region).url;

  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP]);
    router = await startRouter({
      geodes: [EU, US, AP].map((region) => ({ region, url: url(region) })),
      fallback: [US, EU, AP],
      health: { intervalMs: 100, timeoutMs: 1_000, failuresToDown: 3, successesToUp: 1 },
    });
    await eventually('every geode routable', async () => {
      const status = await call(router.url, 'GET', '/router/status');
      const geodes = status.body!.geodes as { state: string }[];
      return geodes.every((geode) => geode.state === 'up') ? true : undefined;
    });
  });
  afterAll(async () => {
    await router?.close();
    await world?.close();
  });

  it('a client of another region, presenting the session token, reads its write', async () => {
    const accountId = randomUUID();
    const opened = await call(
      router.url,
      'POST',
      '/v1/accounts',
      { 'x-client-region': EU },
      { accountId, owner: { name: 'Ada Lovelace' }, currency: 'EUR' },
    );
    expect(opened.status).toBe(201);
    expect(opened.region).toBe(EU);
    expect(opened.headers.get('geode-residency')).toBe('*');
    const deposited = await call(
      router.url,
      'POST',
      `/v1/accounts/${accountId}/deposits`,
      { 'x-client-region': EU, 'geode-session': opened.headers.get('geode-session')! },
      { amount: '1234' },
    );
    expect(deposited.status).toBe(201);
    expect(deposited.region).toBe(EU);
    const session = deposited.headers.get('geode-session')!;

    // At once, before replication can be assumed: the session makes the reader wait or move on.
    const read = await call(router.url, 'GET', `/v1/accounts/${accountId}`, {
      'x-client-region': US,
      'geode-session': session,
    });
    expect(read.status).toBe(200);
    expect(read.body!.balance).toBe('1234');
    expect(read.headers.get('geode-residency')).toBe('*');
  });

  it('when the reader’s region cannot have the write, another region serves it — never a stale answer', async () => {
    const accountId = randomUUID();
    world.isolate(US);
    try {
      const opened = await call(
        router.url,
        'POST',
        '/v1/accounts',
        { 'x-client-region': EU },
        { accountId, owner: { name: 'Grace Hopper' }, currency: 'EUR' },
      );
      expect(opened.status).toBe(201);
      const deposited = await call(
        router.url,
        'POST',
        `/v1/accounts/${accountId}/deposits`,
        { 'x-client-region': EU },
        { amount: '77' },
      );
      expect(deposited.status).toBe(201);
      const read = await call(router.url, 'GET', `/v1/accounts/${accountId}`, {
        'x-client-region': US,
        'geode-session': deposited.headers.get('geode-session')!,
      });
      expect(read.status).toBe(200);
      expect(read.region).not.toBe(US);
      expect(read.body!.balance).toBe('77');
    } finally {
      world.rejoin(US);
    }
  });

  it('learns a pinned account’s regions from Geode-Residency: a us-east client is served in the EU at once', async () => {
    const accountId = randomUUID();
    const opened = await call(
      router.url,
      'POST',
      '/v1/accounts',
      { 'x-client-region': EU },
      {
        accountId,
        owner: { name: 'Marie Curie' },
        currency: 'EUR',
        residency: [EU],
        homeRegion: EU,
      },
    );
    expect(opened.status).toBe(201);
    expect(opened.headers.get('geode-residency')).toBe(EU);
    expect(opened.headers.get('location')).toBe(`/v1/accounts/${accountId}`);

    const before = await Promise.all([US, AP].map((r) => servedCount(url(r), '/v1/accounts/:id')));
    const read = await call(router.url, 'GET', `/v1/accounts/${accountId}`, {
      'x-client-region': US,
      'geode-session': opened.headers.get('geode-session')!,
    });
    expect(read.status).toBe(200);
    expect(read.region).toBe(EU);
    expect(read.headers.get('geode-residency')).toBe(EU);
    expect(read.body!.residency).toEqual([EU]);
    // Neither region outside the residency was asked: no residency-violation round trip.
    const after = await Promise.all([US, AP].map((r) => servedCount(url(r), '/v1/accounts/:id')));
    expect(after).toEqual(before);

    const route = await call(router.url, 'GET', `/route?account=${accountId}`, {
      'x-client-region': US,
    });
    expect(route.status).toBe(200);
    expect(route.body).toMatchObject({ region: EU, alternatives: [] });
  });

  it('each geode’s /health carries the two lag indicators the router ranks by', async () => {
    for (const region of [EU, US, AP]) {
      const health = await call(url(region), 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({
        status: 'ok',
        region,
        details: {
          database: { status: 'up' },
          replication: { status: 'up', lagMs: expect.any(Number) },
          projections: { status: 'up', lagMs: expect.any(Number) },
        },
      });
    }
    // …and the router reads them (a number, not `null` = "the geode sent none").
    await eventually('the router saw every lag', async () => {
      const status = await call(router.url, 'GET', '/router/status');
      const geodes = status.body!.geodes as { lagMs: unknown }[];
      return geodes.every((geode) => typeof geode.lagMs === 'number') ? true : undefined;
    });
  });
});
