import { answerJson, startFakeGeode, type FakeGeode } from './fake-geode';
import { startRouter, type RunningRouter } from './router-fixture';

/**
 * Read models (and so real `409 session-not-satisfied` answers) are being
 * built in parallel: these tests use stand-in geodes that answer it on demand.
 */
describe('session-token retries (fake geodes answering 409 session-not-satisfied, as read models may not exist yet)', () => {
  let eu: FakeGeode;
  let us: FakeGeode;
  let router: RunningRouter;
  /** Per geode: how it answers a request that carries a session token. */
  const refuse: Record<string, (token: string, seenBefore: number) => boolean> = {};
  // maxAttempts alone would allow 10 tries (4 waits): the time budget is what stops them sooner.
  const session = { retryBudgetMs: 250, retryWaitMs: 100, maxAttempts: 10 };

  const sessionAware =
    (region: string) =>
    (request: FakeGeode['seen'][number], res: import('node:http').ServerResponse) => {
      const token = request.headers['geode-session'];
      const geode = region === 'eu-west-1' ? eu : us;
      const seenBefore =
        geode.seen.filter((seen) => seen.headers['geode-session'] === token).length - 1;
      const refused =
        request.headers['x-test-refuse'] === 'always' ||
        (typeof token === 'string' && refuse[region]?.(token, seenBefore));
      if (refused)
        return answerJson(res, 409, {
          type: 'session-not-satisfied',
          title: 'Conflict',
          status: 409,
          detail: `this geode has not applied everything ${String(token)} covers yet`,
        });
      answerJson(res, 200, { servedBy: region, body: request.body });
    };

  beforeAll(async () => {
    eu = await startFakeGeode('eu-west-1', sessionAware('eu-west-1'));
    us = await startFakeGeode('us-east-1', sessionAware('us-east-1'));
    router = await startRouter({
      geodes: [eu, us].map((geode) => ({ region: geode.region, url: geode.url })),
      preferences: { DE: ['eu-west-1', 'us-east-1'] },
      session,
    });
  });
  afterAll(async () => {
    await router?.close();
    await eu?.close();
    await us?.close();
  });

  const read = async (token: string | undefined, init: RequestInit = {}) => {
    const started = performance.now();
    const response = await fetch(`${router.url}/v1/accounts/acc-1`, {
      ...init,
      headers: {
        'cf-ipcountry': 'DE',
        ...(token ? { 'geode-session': token } : {}),
        ...(init.headers as object),
      },
    });
    const body = (await response.json()) as Record<string, unknown>;
    return {
      status: response.status,
      region: response.headers.get('geode-region'),
      body,
      ms: performance.now() - started,
    };
  };
  const asked = (geode: FakeGeode, token: string) =>
    geode.seen.filter((seen) => seen.headers['geode-session'] === token).length;

  it('asks the next geode when the closest cannot satisfy the token', async () => {
    refuse['eu-west-1'] = () => true;
    refuse['us-east-1'] = () => false;
    const answer = await read('token-a');
    expect(answer).toMatchObject({
      status: 200,
      region: 'us-east-1',
      body: { servedBy: 'us-east-1' },
    });
    expect([asked(eu, 'token-a'), asked(us, 'token-a')]).toEqual([1, 1]);
  });

  it('waits a moment and asks again from the closest when no geode can satisfy it yet', async () => {
    refuse['eu-west-1'] = (_token, seenBefore) => seenBefore === 0;
    refuse['us-east-1'] = () => true;
    const answer = await read('token-b');
    expect(answer).toMatchObject({ status: 200, region: 'eu-west-1' });
    expect([asked(eu, 'token-b'), asked(us, 'token-b')]).toEqual([2, 1]);
    expect(answer.ms).toBeGreaterThanOrEqual(session.retryWaitMs);
  });

  it('passes the 409 on once its time budget is spent', async () => {
    refuse['eu-west-1'] = () => true;
    refuse['us-east-1'] = () => true;
    const answer = await read('token-c');
    expect(answer).toMatchObject({ status: 409, body: { type: 'session-not-satisfied' } });
    expect(answer.ms).toBeLessThan(session.retryBudgetMs + 800);
    const tries = asked(eu, 'token-c') + asked(us, 'token-c');
    expect(tries).toBeGreaterThanOrEqual(3);
    expect(tries).toBeLessThan(session.maxAttempts);
  });

  it('sends the same body again on the retry', async () => {
    refuse['eu-west-1'] = () => true;
    refuse['us-east-1'] = () => false;
    const body = JSON.stringify({ amount: '42', reference: 'x'.repeat(20_000) });
    const answer = await read('token-d', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json' },
    });
    expect(answer).toMatchObject({ status: 200, region: 'us-east-1', body: { body } });
  });

  it('does not retry a 409 session-not-satisfied for a request that carried no token', async () => {
    const before = eu.seen.length + us.seen.length;
    const answer = await read(undefined, { headers: { 'x-test-refuse': 'always' } });
    expect(answer).toMatchObject({
      status: 409,
      region: 'eu-west-1',
      body: { type: 'session-not-satisfied' },
    });
    expect(eu.seen.length + us.seen.length).toBe(before + 1);
  });
});
