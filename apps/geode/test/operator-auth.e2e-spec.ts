import { randomUUID } from 'node:crypto';
import { RunningGeode, startGeodeApp } from '../../../test/support/geode-app';
import { operatorAuthorization, TEST_OPERATOR } from '../../../libs/operator-auth/src/testing';

jest.setTimeout(60_000);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers, read loosely by the assertions
type Body = Record<string, any>;

const accountId = randomUUID();

/** Every operator route (ADR 0014), with a request that passes validation once authenticated. */
const ROUTES: { method: 'GET' | 'POST'; path: string; body?: unknown; authorized: number }[] = [
  { method: 'GET', path: '/admin/v1/projections', authorized: 200 },
  { method: 'GET', path: '/admin/v1/projections/ledger', authorized: 200 },
  { method: 'GET', path: '/admin/v1/projections/ledger/dead-letters', authorized: 200 },
  { method: 'POST', path: '/admin/v1/projections/nope/rebuild', body: {}, authorized: 404 },
  {
    method: 'POST',
    path: '/admin/v1/projections/nope/reset',
    body: { to: 'start' },
    authorized: 404,
  },
  { method: 'GET', path: '/admin/v1/audit/chains', authorized: 200 },
  { method: 'GET', path: '/admin/v1/events/recent', authorized: 200 },
  {
    method: 'POST',
    path: `/v1/conflicts/${randomUUID()}/resolve`,
    body: { outcome: {}, reason: 'kept the first' },
    authorized: 404,
  },
  {
    method: 'POST',
    path: `/v1/accounts/${accountId}/home-region`,
    body: { region: 'eu-west-1', reason: 'us-east-1 is down' },
    authorized: 404,
  },
];

async function send(
  geode: RunningGeode,
  route: (typeof ROUTES)[number],
  headers: Record<string, string> = {},
) {
  const response = await fetch(`${geode.url}${route.path}`, {
    method: route.method,
    headers: {
      ...headers,
      ...(route.body !== undefined && { 'content-type': 'application/json' }),
    },
    body: route.body === undefined ? undefined : JSON.stringify(route.body),
  });
  const text = await response.text();
  return {
    status: response.status,
    challenge: response.headers.get('www-authenticate'),
    contentType: response.headers.get('content-type') ?? '',
    body: (text ? JSON.parse(text) : null) as Body,
  };
}

const RESOLVE = `mutation ($id: ID!) { resolveConflict(id: $id, reason: "kept the first") { mergeEventId } }`;

async function graphql(geode: RunningGeode, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${geode.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables: { id: randomUUID() } }),
  });
  return (await response.json()) as Body;
}

describe('operator routes with operator tokens configured', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1');
  });
  afterAll(() => geode?.close());

  it.each(ROUTES.map((route) => [`${route.method} ${route.path}`, route] as const))(
    '%s: 401 without a token, 401 with a bad one, served with the token',
    async (_name, route) => {
      const missing = await send(geode, route);
      expect(missing).toMatchObject({
        status: 401,
        challenge: 'Bearer',
        body: { type: 'operator-authentication-required', status: 401 },
      });
      expect(missing.contentType).toContain('application/problem+json');
      for (const bad of [
        operatorAuthorization(`${TEST_OPERATOR.token}x`),
        { authorization: `Basic ${Buffer.from(`x:${TEST_OPERATOR.token}`).toString('base64')}` },
      ])
        expect(await send(geode, route, bad)).toMatchObject({
          status: 401,
          challenge: 'Bearer',
          body: { type: 'operator-authentication-failed' },
        });
      const served = await send(geode, route, operatorAuthorization());
      expect(served.status).toBe(route.authorized);
      expect(String(served.body?.type)).not.toMatch(/^operator-/);
    },
  );

  it('records the token operator on a home move, and refuses a body naming another', async () => {
    const opened = await fetch(`${geode.url}/v1/accounts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ owner: { name: 'Ada' }, currency: 'EUR', homeRegion: 'us-east-1' }),
    });
    const id = ((await opened.json()) as Body).accountId as string;
    const move = (body: Body) =>
      send(
        geode,
        { method: 'POST', path: `/v1/accounts/${id}/home-region`, body, authorized: 201 },
        operatorAuthorization(),
      );
    expect(
      await move({ region: 'eu-west-1', reason: 'us-east-1 is down', operator: 'mallory' }),
    ).toMatchObject({ status: 400, body: { type: 'validation', field: 'operator' } });
    const moved = await move({ region: 'eu-west-1', reason: 'us-east-1 is down' });
    expect(moved).toMatchObject({ status: 201, body: { from: 'us-east-1', to: 'eu-west-1' } });
    const events = (await (await fetch(`${geode.url}/v1/accounts/${id}/events`)).json()) as Body[];
    expect(events.find((event) => event.eventId === moved.body.moveEventId)?.data).toMatchObject({
      operator: TEST_OPERATOR.name,
      reason: 'us-east-1 is down',
    });
  });

  it('refuses the resolveConflict mutation without a token; queries and reads stay public', async () => {
    for (const headers of [{}, operatorAuthorization(`${TEST_OPERATOR.token}x`)]) {
      const refused = await graphql(geode, RESOLVE, headers);
      expect(refused.data).toBeNull();
      expect(refused.errors[0].extensions).toMatchObject({
        code: expect.stringMatching(/^operator-authentication-(required|failed)$/) as string,
        status: 401,
      });
    }
    const authorized = await graphql(geode, RESOLVE, operatorAuthorization());
    expect(authorized.errors[0].extensions.code).toBe('not-found');
    expect(await graphql(geode, '{ conflicts { conflictId } }')).toEqual({
      data: { conflicts: [] },
    });
    expect((await fetch(`${geode.url}/v1/conflicts`)).status).toBe(200);
    expect((await fetch(`${geode.url}/v1/accounts/${randomUUID()}/merges`)).status).toBe(200);
  });

  it('counts refusals in geode_operator_auth_refusals_total', async () => {
    const metrics = await (await fetch(`${geode.url}/metrics`)).text();
    expect(metrics).toMatch(
      /geode_operator_auth_refusals_total\{type="operator-authentication-required"[^}]*\} [1-9]/,
    );
    expect(metrics).toMatch(
      /geode_operator_auth_refusals_total\{type="operator-authentication-failed"[^}]*\} [1-9]/,
    );
  });
});

describe('operator routes with no operator tokens configured', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1', undefined, { GEODE_OPERATOR_TOKENS: '' });
  });
  afterAll(() => geode?.close());

  it('answers 403 operator-authentication-not-configured on every operator route, never serving anonymously', async () => {
    for (const route of ROUTES)
      for (const headers of [{}, operatorAuthorization()])
        expect(await send(geode, route, headers)).toMatchObject({
          status: 403,
          challenge: null,
          body: { type: 'operator-authentication-not-configured', status: 403 },
        });
    const mutation = await graphql(geode, RESOLVE, operatorAuthorization());
    expect(mutation.errors[0].extensions).toMatchObject({
      code: 'operator-authentication-not-configured',
      status: 403,
    });
    expect((await fetch(`${geode.url}/v1/conflicts`)).status).toBe(200);
  });
});
