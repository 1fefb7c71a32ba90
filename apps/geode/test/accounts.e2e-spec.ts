import { randomUUID } from 'node:crypto';
import { RunningGeode, startGeodeApp } from '../../../test/support/geode-app';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { accountStreamId, decideOpenAccount, initialState, toEventRecord } from '@geode/ledger';
import { decodeSessionToken } from '../src/accounts/session-token';

jest.setTimeout(60_000);

describe('account commands over HTTP', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1');
  });
  afterAll(() => geode.close());

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${geode.url}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    };
  };
  const open = async (extra: Record<string, unknown> = {}) => {
    const response = await call('POST', '/v1/accounts', {
      owner: { name: 'Ada Lovelace', email: 'ada@example.com' },
      currency: 'EUR',
      ...extra,
    });
    expect(response.status).toBe(201);
    return response.body!.accountId as string;
  };
  const events = async (id: string) =>
    (await call('GET', `/v1/accounts/${id}/events`)).body as unknown as {
      type: string;
      data: Record<string, unknown>;
    }[];

  it('opens, deposits, withdraws, transfers, freezes and closes, answering with session and region', async () => {
    const opened = await call('POST', '/v1/accounts', {
      owner: { name: 'Ada Lovelace' },
      currency: 'EUR',
    });
    expect(opened.status).toBe(201);
    expect(opened.body).toEqual({
      accountId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      revision: 1,
    });
    expect(opened.headers.get('geode-region')).toBe('eu-west-1');
    expect(decodeSessionToken(opened.headers.get('geode-session')!)).toMatchObject({
      v: 1,
      region: 'eu-west-1',
    });
    const a = opened.body!.accountId as string;
    const b = await open();

    const deposited = await call('POST', `/v1/accounts/${a}/deposits`, {
      amount: '1250',
      reference: 'salary',
    });
    expect(deposited).toMatchObject({
      status: 201,
      body: { accountId: a, eventId: expect.any(String), revision: 2 },
    });
    expect(
      (await call('POST', `/v1/accounts/${a}/withdrawals`, { amount: '250' })).body,
    ).toMatchObject({ revision: 3 });
    const transfer = await call('POST', '/v1/transfers', { from: a, to: b, amount: '400' });
    expect(transfer).toMatchObject({ status: 201, body: { transferId: expect.any(String) } });

    expect((await call('POST', `/v1/accounts/${a}/freeze`, { reason: 'review' })).status).toBe(200);
    expect((await call('POST', `/v1/accounts/${a}/deposits`, { amount: '1' })).body).toMatchObject({
      type: 'account-frozen',
      status: 409,
    });
    expect((await call('POST', `/v1/accounts/${a}/unfreeze`)).status).toBe(200);
    expect((await call('POST', `/v1/accounts/${a}/close`)).body).toMatchObject({
      type: 'balance-not-zero',
    });
    expect((await call('POST', `/v1/accounts/${a}/withdrawals`, { amount: '600' })).status).toBe(
      201,
    );
    expect((await call('POST', `/v1/accounts/${a}/close`)).status).toBe(200);
    expect((await call('POST', `/v1/accounts/${a}/deposits`, { amount: '1' })).body).toMatchObject({
      type: 'account-closed',
    });

    const audit = await events(a);
    expect(audit.map((e) => e.type)).toEqual([
      'ledger.AccountOpened',
      'ledger.FundsDeposited',
      'ledger.FundsWithdrawn',
      'ledger.TransferSent',
      'ledger.AccountFrozen',
      'ledger.AccountUnfrozen',
      'ledger.FundsWithdrawn',
      'ledger.AccountClosed',
    ]);
    expect(audit[1]).toMatchObject({
      data: { amount: '1250' },
      dot: { region: 'eu-west-1', n: 2 },
      deps: { 'eu-west-1': 1 },
    });
    expect((await events(b)).map((e) => e.type)).toEqual([
      'ledger.AccountOpened',
      'ledger.TransferReceived',
    ]);
  });

  it('changes owner details and tags', async () => {
    const id = await open();
    expect(
      (await call('PATCH', `/v1/accounts/${id}`, { owner: { email: 'ada@lovelace.org' } })).body,
    ).toEqual({ accountId: id, revision: 2 });
    expect((await call('POST', `/v1/accounts/${id}/tags/vip`)).body).toEqual({
      accountId: id,
      revision: 3,
    });
    expect((await call('POST', `/v1/accounts/${id}/tags/vip`)).body).toEqual({
      accountId: id,
      revision: 3,
    });
    expect((await call('DELETE', `/v1/accounts/${id}/tags/vip`)).body).toEqual({
      accountId: id,
      revision: 4,
    });
  });

  it('refuses what the ledger refuses, with stable problem types', async () => {
    const eur = await open();
    const usd = await open({ currency: 'USD' });
    const cases: [string, string, unknown, number, string][] = [
      ['POST', `/v1/accounts/${eur}/withdrawals`, { amount: '1' }, 422, 'insufficient-funds'],
      ['POST', `/v1/accounts/${randomUUID()}/deposits`, { amount: '1' }, 404, 'not-found'],
      ['POST', '/v1/transfers', { from: eur, to: usd, amount: '1' }, 422, 'currency-mismatch'],
      [
        'POST',
        '/v1/accounts',
        { accountId: eur, owner: { name: 'Twice' }, currency: 'EUR' },
        409,
        'already-exists',
      ],
      [
        'POST',
        '/v1/accounts',
        { owner: { name: 'Pinned' }, currency: 'EUR', residency: ['us-east-1'] },
        409,
        'residency-violation',
      ],
    ];
    for (const [method, path, body, status, type] of cases) {
      const response = await call(method, path, body);
      expect({ path, status: response.status, type: response.body?.type }).toEqual({
        path,
        status,
        type,
      });
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('refuses a write for an account pinned to other regions with 409 naming them', async () => {
    // As replication would bring it: an account opened in us-east-1, held only there.
    const accountId = randomUUID();
    const [opened] = decideOpenAccount(
      {
        type: 'OpenAccount',
        data: { accountId, ownerName: 'Pinned', currency: 'EUR', residency: ['us-east-1'] },
        metadata: { eventId: randomUUID(), at: new Date().toISOString(), region: 'us-east-1' },
      },
      initialState(),
    );
    await geode.app
      .get<EventStore>(EVENT_STORE)
      .append(accountStreamId(accountId), [{ ...toEventRecord(opened), metadata: {} }], {
        expectedRevision: 'no_stream',
      });

    const response = await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '10' });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      type: 'residency-violation',
      allowedRegions: ['us-east-1'],
    });
    expect((await events(accountId)).map((e) => e.type)).toEqual(['ledger.AccountOpened']);
  });

  it('refuses bad input with 4xx problems, never a 500, and writes nothing', async () => {
    const id = await open();
    const bodies: [string, unknown][] = [
      ['negative amount', { amount: '-5' }],
      ['zero amount', { amount: '0' }],
      ['fractional amount', { amount: '1.5' }],
      ['non-numeric amount', { amount: 'ten' }],
      ['numeric amount', { amount: 10 }],
      ['amount beyond 2^63-1', { amount: '9223372036854775808' }],
      ['unknown field', { amount: '5', color: 'red' }],
      ['missing amount', {}],
    ];
    for (const path of [`/v1/accounts/${id}/deposits`, `/v1/accounts/${id}/withdrawals`]) {
      for (const [name, body] of bodies) {
        const response = await call('POST', path, body);
        expect({ name, path, status: response.status, type: response.body?.type }).toEqual({
          name,
          path,
          status: 400,
          type: 'validation',
        });
      }
    }
    const opens: [string, unknown][] = [
      ['unknown currency', { owner: { name: 'X' }, currency: 'XXY' }],
      ['unknown field', { owner: { name: 'X' }, currency: 'EUR', vip: true }],
      ['malformed account id', { accountId: 'not-a-uuid', owner: { name: 'X' }, currency: 'EUR' }],
      ['owner not an object', { owner: 'X', currency: 'EUR' }],
    ];
    for (const [name, body] of opens) {
      const response = await call('POST', '/v1/accounts', body);
      expect({ name, status: response.status, type: response.body?.type }).toEqual({
        name,
        status: 400,
        type: 'validation',
      });
    }
    const other = await open();
    const elsewhere: [string, string, string, unknown][] = [
      ['transfer to itself', 'POST', '/v1/transfers', { from: id, to: id, amount: '1' }],
      [
        'transfer with a negative amount',
        'POST',
        '/v1/transfers',
        { from: id, to: other, amount: '-1' },
      ],
      [
        'transfer with an unknown field',
        'POST',
        '/v1/transfers',
        { from: id, to: other, amount: '1', memo: 'x' },
      ],
      [
        'transfer with a malformed id',
        'POST',
        '/v1/transfers',
        { transferId: 'nope', from: id, to: other, amount: '1' },
      ],
      [
        'owner change with an unknown field',
        'PATCH',
        `/v1/accounts/${id}`,
        { owner: { name: 'X' }, age: 3 },
      ],
      ['owner change with an empty name', 'PATCH', `/v1/accounts/${id}`, { owner: { name: '' } }],
      [
        'owner change with a malformed email',
        'PATCH',
        `/v1/accounts/${id}`,
        { owner: { email: 'not an email' } },
      ],
      ['freeze with an unknown field', 'POST', `/v1/accounts/${id}/freeze`, { why: 'x' }],
      [
        'a malformed tag',
        'POST',
        `/v1/accounts/${id}/tags/${encodeURIComponent('Not A Tag!')}`,
        undefined,
      ],
      [
        'a malformed account id',
        'POST',
        `/v1/accounts/${encodeURIComponent('bad id!')}/deposits`,
        { amount: '1' },
      ],
    ];
    for (const [name, method, path, body] of elsewhere) {
      const response = await call(method, path, body);
      expect({ name, status: response.status, type: response.body?.type }).toEqual({
        name,
        status: 400,
        type: 'validation',
      });
    }
    expect((await events(id)).map((e) => e.type)).toEqual(['ledger.AccountOpened']);
    expect((await events(other)).map((e) => e.type)).toEqual(['ledger.AccountOpened']);
  });

  it('documents the API with OpenAPI at /docs', async () => {
    const document = (await (await fetch(`${geode.url}/docs-json`)).json()) as {
      paths: Record<
        string,
        Record<string, { requestBody?: { content: Record<string, { schema: unknown }> } }>
      >;
    };
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining([
        '/v1/accounts',
        '/v1/accounts/{id}/deposits',
        '/v1/transfers',
        '/v1/accounts/{id}/events',
      ]),
    );
    expect(
      document.paths['/v1/accounts'].post.requestBody?.content['application/json'].schema,
    ).toMatchObject({
      type: 'object',
      required: ['owner', 'currency'],
      additionalProperties: false,
    });
    expect((await fetch(`${geode.url}/docs`)).status).toBe(200);
  });

  it('keeps the exact balance under 50 concurrent deposits to one account', async () => {
    const id = await open();
    const responses = await Promise.all(
      Array.from({ length: 50 }, () =>
        call('POST', `/v1/accounts/${id}/deposits`, { amount: '7' }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 50 }, () => 201));
    const deposits = (await events(id)).filter((e) => e.type === 'ledger.FundsDeposited');
    expect(deposits).toHaveLength(50);
    expect(deposits.reduce((sum, e) => sum + BigInt(e.data.amount as string), 0n)).toBe(350n);
  });
});
