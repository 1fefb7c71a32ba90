import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RunningGeode, startGeodeApp } from '../../../../test/support/geode-app';
import { eventually } from '../../../../libs/event-store/src/testing/eventually';
import { operatorAuthorization } from '../../../../libs/operator-auth/src/testing';

jest.setTimeout(60_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read loosely by the assertions
type Body = Record<string, any>;

describe('the audit admin API: chains verified, recent events', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1');
  });
  afterAll(() => geode?.close());

  const get = async (path: string) => {
    const response = await fetch(`${geode.url}${path}`, { headers: operatorAuthorization() });
    return { status: response.status, body: (await response.json()) as Body };
  };
  const post = (path: string, body: unknown) =>
    fetch(`${geode.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('verifies every origin held, lists the latest events newest first, and finds a tampered entry', async () => {
    const accountId = randomUUID();
    expect(
      (await post('/v1/accounts', { accountId, owner: { name: 'Ada' }, currency: 'EUR' })).status,
    ).toBe(201);
    expect((await post(`/v1/accounts/${accountId}/deposits`, { amount: '500' })).status).toBe(201);

    const chains = await eventually('both events stamped', async () => {
      const answer = await get('/admin/v1/audit/chains');
      return answer.body.chains?.[0]?.checked >= 2 ? answer : undefined;
    });
    expect(chains.status).toBe(200);
    expect(chains.body).toMatchObject({ region: 'eu-west-1', verified: true });
    expect(chains.body.chains[0]).toMatchObject({ origin: 'eu-west-1', firstBroken: null });

    const recent = await get('/admin/v1/events/recent?limit=1');
    expect(recent.status).toBe(200);
    expect(recent.body.events).toHaveLength(1);
    expect(recent.body.events[0]).toMatchObject({ type: 'ledger.FundsDeposited', redacted: false });

    // Tamper with the stored data of the first event: verification must name it.
    const client = new Client({ connectionString: geode.database.url });
    await client.connect();
    try {
      await client.query(
        `UPDATE geode_events SET data = '{"tampered":true}'::jsonb
          WHERE event_id = (SELECT event_id FROM geode_origin_log WHERE origin_region = 'eu-west-1' AND origin_seq = 1)`,
      );
    } finally {
      await client.end();
    }
    const broken = await get('/admin/v1/audit/chains?origin=eu-west-1');
    expect(broken.body.verified).toBe(false);
    expect(broken.body.chains[0].firstBroken).toMatchObject({ seq: 1 });
  });

  it.each([
    ['/admin/v1/audit/chains?origin=EU', 'origin'],
    ['/admin/v1/events/recent?limit=0', 'limit'],
    ['/admin/v1/events/recent?limit=abc', 'limit'],
  ])('%s is a 400 validation problem', async (path, field) => {
    const response = await fetch(`${geode.url}${path}`, { headers: operatorAuthorization() });
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({
      type: expect.stringContaining('validation'),
      field,
    });
  });
});
