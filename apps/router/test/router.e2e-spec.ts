import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually } from '../../../libs/event-store/src/testing/eventually';
import { startRestartableGeode, type RestartableGeode } from './geode-on-port';
import { call, servedCount, startRouter, type RunningRouter } from './router-fixture';

jest.setTimeout(90_000);

const waitFor = (what: string, condition: () => Promise<boolean> | boolean, timeoutMs = 10_000) =>
  eventually(what, async () => ((await condition()) ? true : undefined), timeoutMs);

describe('router in front of three real geodes', () => {
  let eu: RestartableGeode;
  let us: RestartableGeode;
  let ap: RestartableGeode;
  let router: RunningRouter;
  const health = { intervalMs: 100, timeoutMs: 300, failuresToDown: 2, successesToUp: 3 };

  beforeAll(async () => {
    [eu, us, ap] = await Promise.all([
      startRestartableGeode('eu-west-1'),
      startRestartableGeode('us-east-1'),
      startRestartableGeode('ap-southeast-1'),
    ]);
    router = await startRouter({
      geodes: [eu, us, ap].map((geode) => ({ region: geode.region, url: geode.url })),
      preferences: {
        DE: ['eu-west-1', 'us-east-1'],
        FR: ['eu-west-1', 'us-east-1'],
        US: ['us-east-1', 'eu-west-1'],
        JP: ['ap-southeast-1', 'us-east-1'],
        eu: ['eu-west-1'],
      },
      fallback: ['us-east-1', 'eu-west-1', 'ap-southeast-1'],
      health,
    });
  });
  afterAll(async () => {
    await router?.close();
    await Promise.all([eu, us, ap].map((geode) => geode?.close()));
  });

  it('routes by CF-IPCountry, then X-Client-Region, then the fallback order', async () => {
    const regionFor = async (headers: Record<string, string>) =>
      (await call(router.url, 'GET', '/v1/accounts/nobody/events', headers)).region;
    expect(await regionFor({ 'cf-ipcountry': 'DE' })).toBe('eu-west-1');
    expect(await regionFor({ 'cf-ipcountry': 'fr' })).toBe('eu-west-1');
    expect(await regionFor({ 'cf-ipcountry': 'US' })).toBe('us-east-1');
    expect(await regionFor({ 'cf-ipcountry': 'JP' })).toBe('ap-southeast-1');
    expect(await regionFor({ 'cf-ipcountry': 'JP', 'x-client-region': 'eu' })).toBe(
      'ap-southeast-1',
    );
    expect(await regionFor({ 'x-client-region': 'eu' })).toBe('eu-west-1');
    expect(await regionFor({ 'x-client-region': 'ap-southeast-1' })).toBe('ap-southeast-1');
    expect(await regionFor({ 'cf-ipcountry': 'BR' })).toBe('us-east-1');
    expect(await regionFor({ 'cf-ipcountry': 'XX', 'x-client-region': 'JP' })).toBe(
      'ap-southeast-1',
    );
    expect(await regionFor({})).toBe('us-east-1');
  });

  it('proxies writes and their answers whole: status, body, Location, Geode-Session, correlation id', async () => {
    const opened = await call(
      router.url,
      'POST',
      '/v1/accounts',
      { 'cf-ipcountry': 'JP', 'x-correlation-id': 'router-e2e-1' },
      { owner: { name: 'Grace Hopper' }, currency: 'JPY' },
    );
    expect(opened.status).toBe(201);
    expect(opened.region).toBe('ap-southeast-1');
    expect(opened.headers.get('geode-session')).toEqual(expect.any(String));
    expect(opened.headers.get('x-correlation-id')).toBe('router-e2e-1');
    const accountId = opened.body!.accountId as string;
    expect(opened.headers.get('location')).toBe(`/v1/accounts/${accountId}`);
    // It was written where the router said: that geode holds it, the others do not.
    expect((await call(ap.url, 'GET', `/v1/accounts/${accountId}/events`)).status).toBe(200);
    expect((await call(eu.url, 'GET', `/v1/accounts/${accountId}/events`)).status).toBe(404);
    const deposited = await call(
      router.url,
      'POST',
      `/v1/accounts/${accountId}/deposits`,
      { 'cf-ipcountry': 'JP' },
      { amount: '1250' },
    );
    expect(deposited.status).toBe(201);
    const invalid = await call(
      router.url,
      'POST',
      `/v1/accounts/${accountId}/deposits`,
      { 'cf-ipcountry': 'JP' },
      { amount: 12.5 },
    );
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('content-type')).toContain('application/problem+json');
    expect(invalid.body).toMatchObject({ type: 'validation' });
  });

  it('answers /route, /router/status, /health and /metrics itself', async () => {
    const route = await call(router.url, 'GET', '/route', { 'cf-ipcountry': 'DE' });
    expect(route.body).toEqual({
      region: 'eu-west-1',
      endpoint: eu.url,
      alternatives: [
        { region: 'us-east-1', endpoint: us.url },
        { region: 'ap-southeast-1', endpoint: ap.url },
      ],
    });
    const status = await call(router.url, 'GET', '/router/status');
    expect(status.body!.geodes).toEqual(
      [eu, us, ap].map((geode): unknown =>
        expect.objectContaining({
          region: geode.region,
          url: geode.url,
          state: 'up',
          rttMs: expect.any(Number),
        }),
      ),
    );
    const healthy = await call(router.url, 'GET', '/health');
    expect(healthy).toMatchObject({
      status: 200,
      body: { status: 'ok', routable: ['eu-west-1', 'us-east-1', 'ap-southeast-1'] },
    });
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metrics).toMatch(/router_requests_total\{region="eu-west-1",status="4xx"\} \d+/);
    expect(metrics).toMatch(
      /router_upstream_response_seconds_bucket\{le="0\.005",region="ap-southeast-1"\} \d+/,
    );
    expect(metrics).toContain('router_geode_up{region="us-east-1"} 1');
    expect((await call(router.url, 'POST', '/route')).status).toBe(405);
  });

  it('moves traffic off a stopped geode within the detection time without failing a request, and back after hysteresis', async () => {
    const answers: { at: number; status: number; region: string | null }[] = [];
    let running = true;
    const client = (async () => {
      while (running) {
        const answer = await call(router.url, 'GET', '/v1/accounts/nobody/events', {
          'cf-ipcountry': 'DE',
        }).catch((error: Error) => ({
          status: 0,
          region: `${error.message}: ${String(error.cause)}`,
        }));
        answers.push({ at: performance.now(), status: answer.status, region: answer.region });
        await sleep(5);
      }
    })();
    try {
      await checkStopAndReturn();
    } finally {
      running = false;
      await client;
      if (!eu.running) await eu.restart();
    }
    expect(answers.filter((answer) => answer.status !== 404)).toEqual([]);

    async function checkStopAndReturn() {
      await waitFor('a few answers', () => answers.length > 5);
      await eu.stop();
      // Requests already in flight when the stop began were answered by the draining geode.
      const stoppedAt = performance.now();
      await waitFor('eu-west-1 down', async () => {
        const status = await call(router.url, 'GET', '/router/status');
        return (status.body!.geodes as { region: string; state: string }[])[0].state === 'down';
      });
      // Detection bound, from when the geode stopped answering (some time during its stop): failuresToDown
      // checks, each at most interval + timeout apart (passive failures only make it sooner), plus slack.
      const detectedMs = performance.now() - stoppedAt;
      expect(detectedMs).toBeLessThan(
        health.failuresToDown * (health.intervalMs + health.timeoutMs) + 500,
      );
      await sleep(200);
      const afterStop = answers.filter((answer) => answer.at > stoppedAt);
      expect(afterStop.length).toBeGreaterThan(5);
      expect(
        afterStop.filter((answer) => answer.status !== 404 || answer.region !== 'us-east-1'),
      ).toEqual([]);

      const restartedAt = performance.now();
      await eu.restart();
      // Hysteresis: successesToUp checks must succeed first, so the geode stays out for a while.
      const justAfter = await call(router.url, 'GET', '/v1/accounts/nobody/events', {
        'cf-ipcountry': 'DE',
      });
      expect(justAfter.region).toBe('us-east-1');
      await waitFor(
        'traffic back on eu-west-1',
        () => answers[answers.length - 1].region === 'eu-west-1',
      );
      const firstBack = answers.find(
        (answer) => answer.at > restartedAt && answer.region === 'eu-west-1',
      )!;
      expect(firstBack.at - restartedAt).toBeGreaterThanOrEqual(
        (health.successesToUp - 1) * health.intervalMs,
      );
    }
  });

  it('sends an idempotent request once more to the next geode when the first does not answer, never a plain write', async () => {
    // A router that checks too rarely to notice: only the request itself finds the geode gone.
    const slow = await startRouter({
      geodes: [eu, us].map((geode) => ({ region: geode.region, url: geode.url })),
      preferences: { DE: ['eu-west-1', 'us-east-1'] },
      health: { intervalMs: 600_000, timeoutMs: 300, failuresToDown: 3, successesToUp: 1 },
    });
    try {
      expect(slow.router.geodes.get('eu-west-1')!.health.routable).toBe(true);
      await eu.stop();
      const de = { 'cf-ipcountry': 'DE' };
      const plain = await call(slow.url, 'POST', '/v1/accounts', de, {
        owner: { name: 'No Key' },
        currency: 'EUR',
      });
      expect(plain).toMatchObject({
        status: 502,
        body: { type: 'geode-unreachable', region: 'eu-west-1' },
      });
      const read = await call(slow.url, 'GET', '/v1/accounts/nobody/events', de);
      expect(read).toMatchObject({ status: 404, region: 'us-east-1' });
      const keyed = await call(
        slow.url,
        'POST',
        '/v1/accounts',
        { ...de, 'idempotency-key': randomUUID() },
        { owner: { name: 'With Key' }, currency: 'EUR' },
      );
      expect(keyed).toMatchObject({ status: 201, region: 'us-east-1' });
      // Three passive failures in a row: out of rotation without a single active check.
      const status = await call(slow.url, 'GET', '/router/status');
      expect((status.body!.geodes as { state: string }[])[0].state).toBe('down');
      const metrics = await (await fetch(`${slow.url}/metrics`)).text();
      expect(metrics).toMatch(
        /router_failovers_total\{from="eu-west-1",to="us-east-1",reason="unreachable"\} 2/,
      );
    } finally {
      await slow.close();
      await eu.restart();
    }
  });

  it('never serves a residency-pinned account outside its regions: the next allowed one when the closest is down, else 503', async () => {
    await waitFor('eu-west-1 up', () => router.router.geodes.get('eu-west-1')!.health.routable);
    const accountId = randomUUID();
    const fromUs = { 'cf-ipcountry': 'US' };
    // The closest geode (us-east-1) refuses to open it; the router learns and sends it to the closest allowed one.
    const opened = await call(router.url, 'POST', '/v1/accounts', fromUs, {
      accountId,
      owner: { name: 'Pinned' },
      currency: 'EUR',
      residency: ['eu-west-1', 'ap-southeast-1'],
      homeRegion: 'eu-west-1',
    });
    expect(opened).toMatchObject({ status: 201, region: 'eu-west-1' });
    expect(router.router.residency.allowedRegions(accountId)).toEqual([
      'ap-southeast-1',
      'eu-west-1',
    ]);
    const metrics = await (await fetch(`${router.url}/metrics`)).text();
    expect(metrics).toMatch(
      /router_failovers_total\{from="us-east-1",to="eu-west-1",reason="residency"\} 1/,
    );

    // us-east-1 must see none of what follows (its own metrics count what it served).
    const eventsRoute = '/v1/accounts/:id/events';
    const depositsRoute = '/v1/accounts/:id/deposits';
    const servedByUs = async () =>
      (await servedCount(us.url, eventsRoute)) + (await servedCount(us.url, depositsRoute));
    const before = await servedByUs();
    expect(before).toBeGreaterThan(0); // the earlier tests' reads: the count is real
    const readFrom = (country: string) =>
      call(router.url, 'GET', `/v1/accounts/${accountId}/events`, { 'cf-ipcountry': country });
    const depositFrom = (country: string) =>
      call(
        router.url,
        'POST',
        `/v1/accounts/${accountId}/deposits`,
        { 'cf-ipcountry': country, 'idempotency-key': randomUUID() },
        { amount: '5' },
      );
    for (const country of ['US', 'DE'])
      expect(await readFrom(country)).toMatchObject({ status: 200, region: 'eu-west-1' });
    expect(await depositFrom('US')).toMatchObject({ status: 201, region: 'eu-west-1' });
    // JP's closest geode is allowed too (without replication it does not hold the account yet: 404, from there).
    expect(await readFrom('JP')).toMatchObject({ status: 404, region: 'ap-southeast-1' });
    const route = await call(router.url, 'GET', `/route?account=${accountId}`, fromUs);
    expect(route.body).toEqual({
      region: 'eu-west-1',
      endpoint: eu.url,
      alternatives: [{ region: 'ap-southeast-1', endpoint: ap.url }],
    });

    try {
      await eu.stop();
      await waitFor(
        'eu-west-1 down',
        () => !router.router.geodes.get('eu-west-1')!.health.routable,
      );
      // The closest allowed geode is down: the next allowed one, never the closest geode.
      for (const country of ['US', 'DE'])
        expect(await readFrom(country)).toMatchObject({ region: 'ap-southeast-1' });

      await ap.stop();
      await waitFor(
        'ap-southeast-1 down',
        () => !router.router.geodes.get('ap-southeast-1')!.health.routable,
      );
      for (const country of ['US', 'JP', 'DE']) {
        expect(await readFrom(country)).toMatchObject({
          status: 503,
          region: null,
          body: { type: 'no-allowed-region', allowedRegions: ['ap-southeast-1', 'eu-west-1'] },
        });
        expect(await depositFrom(country)).toMatchObject({
          status: 503,
          body: { type: 'no-allowed-region' },
        });
      }
      const pinnedRoute = await call(router.url, 'GET', `/route?account=${accountId}`, fromUs);
      expect(pinnedRoute).toMatchObject({ status: 503, body: { type: 'no-allowed-region' } });
      expect(await servedByUs()).toBe(before);
      // Other accounts are still served, by what is left.
      expect(
        (await call(router.url, 'GET', '/v1/accounts/nobody/events', { 'cf-ipcountry': 'DE' }))
          .region,
      ).toBe('us-east-1');
    } finally {
      await eu.restart();
      await ap.restart();
    }
  });
});
