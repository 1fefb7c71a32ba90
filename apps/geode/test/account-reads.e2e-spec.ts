import { randomUUID } from 'node:crypto';
import { RunningGeode, startGeodeApp } from '../../../test/support/geode-app';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { sleep } from '../../../libs/event-store/src/testing/eventually';
import { accountStreamId } from '@geode/ledger';
import { encodeSessionToken } from '../src/accounts/session-token';
import { LedgerReadRepository } from '../src/read-models/ledger-read-repository';

jest.setTimeout(60_000);

type Body = Record<string, unknown>;

describe('account reads over REST and GraphQL (issue #5)', () => {
  let geode: RunningGeode;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1');
  });
  afterAll(() => geode?.close());

  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${geode.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text ? JSON.parse(text) : undefined) as Body,
    };
  };
  const graphql = (query: string, variables: Body = {}, headers: Record<string, string> = {}) =>
    call('POST', '/graphql', { query, variables }, headers);

  /** Opens an account; returns its id and the write's session token. */
  const open = async (owner: { name: string; email?: string }, tags: string[] = []) => {
    const opened = await call('POST', '/v1/accounts', { owner, currency: 'EUR' });
    expect(opened.status).toBe(201);
    const accountId = opened.body.accountId as string;
    let session = opened.headers.get('geode-session')!;
    for (const tag of tags) {
      const tagged = await call('POST', `/v1/accounts/${accountId}/tags/${tag}`);
      expect(tagged.status).toBe(200);
      session = tagged.headers.get('geode-session')!;
    }
    return { accountId, session };
  };

  it('reads its own writes with the session token, from the read model', async () => {
    const { accountId } = await open({ name: 'Ada Lovelace', email: 'ada@example.com' });
    await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '1250' });
    const withdrawn = await call('POST', `/v1/accounts/${accountId}/withdrawals`, {
      amount: '250',
    });
    const session = withdrawn.headers.get('geode-session')!;

    const read = await call('GET', `/v1/accounts/${accountId}`, undefined, {
      'geode-session': session,
    });
    expect(read.status).toBe(200);
    expect(read.headers.get('geode-region')).toBe('eu-west-1');
    expect(read.body).toEqual({
      accountId,
      owner: { name: 'Ada Lovelace', email: 'ada@example.com' },
      currency: 'EUR',
      balance: '1000',
      status: 'open',
      tags: [],
      homeRegion: 'eu-west-1',
      residency: null,
      revision: 3,
      lastEventAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      conflict: null,
      servedBy: 'eu-west-1',
      asOf: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    const entries = await call('GET', `/v1/accounts/${accountId}/entries`, undefined, {
      'geode-session': session,
    });
    expect(entries.body).toEqual({
      accountId,
      items: [
        expect.objectContaining({ kind: 'deposit', amount: '1250', currency: 'EUR' }),
        expect.objectContaining({ kind: 'withdrawal', amount: '-250', currency: 'EUR' }),
      ],
      nextCursor: null,
    });
  });

  it('shows residency, owner changes and tags as the last writes left them', async () => {
    const opened = await call('POST', '/v1/accounts', {
      owner: { name: 'Resident', email: 'r@example.com' },
      currency: 'CHF',
      residency: ['eu-central-1', 'eu-west-1'],
    });
    const accountId = opened.body.accountId as string;
    await call('PATCH', `/v1/accounts/${accountId}`, { owner: { email: null } });
    await call('POST', `/v1/accounts/${accountId}/tags/b-tag`);
    await call('POST', `/v1/accounts/${accountId}/tags/a-tag`);
    const removed = await call('DELETE', `/v1/accounts/${accountId}/tags/b-tag`);
    const read = await call('GET', `/v1/accounts/${accountId}`, undefined, {
      'geode-session': removed.headers.get('geode-session')!,
    });
    expect(read.body).toMatchObject({
      owner: { name: 'Resident', email: null },
      currency: 'CHF',
      residency: ['eu-central-1', 'eu-west-1'],
      tags: ['a-tag'],
      revision: 5,
    });
  });

  it('read-your-writes holds for every write, read at once', async () => {
    const { accountId } = await open({ name: 'Eager Reader' });
    for (let i = 1; i <= 10; i++) {
      const deposited = await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '1' });
      const read = await call('GET', `/v1/accounts/${accountId}`, undefined, {
        'geode-session': deposited.headers.get('geode-session')!,
      });
      expect(read.body).toMatchObject({ balance: String(i), revision: i + 1 });
    }
  });

  it('waits while the event a session names is not held yet, and answers once it is', async () => {
    const { accountId } = await open({ name: 'Patient Reader' });
    const eventId = randomUUID();
    const token = encodeSessionToken({ v: 1, region: 'us-east-1', knowledge: {}, event: eventId });
    const reading = call('GET', `/v1/accounts/${accountId}`, undefined, { 'geode-session': token });
    await sleep(300);
    // The event arrives (as replication would bring it) while the read waits.
    const store = geode.app.get<EventStore>(EVENT_STORE);
    const streamId = accountStreamId(accountId);
    const info = await store.streamInfo(streamId);
    await store.append(
      streamId,
      [
        {
          eventId,
          type: 'ledger.FundsDeposited',
          schemaVersion: 1,
          data: { accountId, amount: '42', at: new Date().toISOString() },
        },
      ],
      { expectedRevision: info!.revision },
    );
    const read = await reading;
    expect(read).toMatchObject({ status: 200, body: { accountId, balance: '42' } });
  });

  it('lists accounts by owner, status and tag, a page at a time', async () => {
    const owner = `Owner ${randomUUID()}`;
    const opened = [];
    for (let i = 0; i < 5; i++)
      opened.push(await open({ name: owner }, i % 2 === 0 ? ['gold'] : []));
    const frozen = await call('POST', `/v1/accounts/${opened[4].accountId}/freeze`);
    const session = frozen.headers.get('geode-session')!;
    const ids = opened.map((a) => a.accountId).sort();

    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const query: string = `/v1/accounts?owner=${encodeURIComponent(owner.toUpperCase())}&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await call('GET', query, undefined, { 'geode-session': session });
      expect(page.status).toBe(200);
      pages.push((page.body.items as Body[]).map((a) => a.accountId as string));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(pages).toEqual([ids.slice(0, 2), ids.slice(2, 4), ids.slice(4)]);

    const gold = await call('GET', `/v1/accounts?owner=${encodeURIComponent(owner)}&tag=gold`);
    expect((gold.body.items as Body[]).map((a) => a.accountId).sort()).toEqual(
      [opened[0], opened[2], opened[4]].map((a) => a.accountId).sort(),
    );
    const frozenOnly = await call(
      'GET',
      `/v1/accounts?owner=${encodeURIComponent(owner)}&status=frozen`,
    );
    expect(frozenOnly.body.items).toEqual([
      expect.objectContaining({ accountId: opened[4].accountId, status: 'frozen', tags: ['gold'] }),
    ]);
  });

  it('pages an account statement by cursor', async () => {
    const { accountId } = await open({ name: 'Grace Hopper' });
    let session = '';
    for (let i = 1; i <= 5; i++) {
      const deposited = await call('POST', `/v1/accounts/${accountId}/deposits`, {
        amount: String(i),
      });
      session = deposited.headers.get('geode-session')!;
    }
    const amounts: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(
        'GET',
        `/v1/accounts/${accountId}/entries?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        undefined,
        { 'geode-session': session },
      );
      amounts.push(...(page.body.items as Body[]).map((line) => line.amount as string));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(amounts).toEqual(['1', '2', '3', '4', '5']);
  });

  it('answers problems: 404 for an unknown account, 400 for a bad cursor, limit or filter', async () => {
    const missing = await call('GET', `/v1/accounts/no-such-account`);
    expect(missing).toMatchObject({
      status: 404,
      body: { type: 'not-found', accountId: 'no-such-account' },
    });
    expect(missing.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await call('GET', `/v1/accounts/no-such-account/entries`)).status).toBe(404);
    for (const query of [
      'limit=0',
      'limit=501',
      'limit=ten',
      'cursor=nonsense',
      'status=asleep',
      'tag=NOT%20A%20TAG',
    ]) {
      const refused = await call('GET', `/v1/accounts?${query}`);
      expect(refused).toMatchObject({ status: 400, body: { type: 'validation' } });
    }
    // A statement's cursor is not a list's cursor.
    const { accountId } = await open({ name: 'Cursor Mixer' });
    const accounts = await call('GET', `/v1/accounts?limit=1`);
    const listCursor = accounts.body.nextCursor as string;
    expect(listCursor).toEqual(expect.any(String));
    const mixed = await call('GET', `/v1/accounts/${accountId}/entries?cursor=${listCursor}`);
    expect(mixed).toMatchObject({ status: 400, body: { type: 'validation', field: 'cursor' } });
    const badToken = await call('GET', `/v1/accounts/${accountId}`, undefined, {
      'geode-session': 'garbage',
    });
    expect(badToken).toMatchObject({ status: 400, body: { type: 'validation' } });
  });

  it('refuses a session this geode cannot cover with 409 session-not-satisfied, within the bound', async () => {
    const { accountId } = await open({ name: 'Impatient Reader' });
    const elsewhere = randomUUID();
    const token = encodeSessionToken({
      v: 1,
      region: 'us-east-1',
      knowledge: { 'us-east-1': 7 },
      event: elsewhere,
    });
    const started = Date.now();
    const refused = await call('GET', `/v1/accounts/${accountId}`, undefined, {
      'geode-session': token,
    });
    const waited = Date.now() - started;
    expect(refused).toMatchObject({
      status: 409,
      body: {
        type: 'session-not-satisfied',
        missing: { event: elsewhere, origins: { 'us-east-1': { need: 7, have: 0 } } },
      },
    });
    expect(waited).toBeGreaterThanOrEqual(1_900);
    expect(waited).toBeLessThan(4_000);

    const overGraphql = await graphql(
      `{ account(id: "${accountId}") { accountId } }`,
      {},
      { 'geode-session': token },
    );
    expect(overGraphql).toMatchObject({ status: 409, body: { type: 'session-not-satisfied' } });
  });

  it('serves the same data over GraphQL as over REST, and loads entries without N+1', async () => {
    const owner = `GraphQL ${randomUUID()}`;
    const a = await open({ name: owner, email: 'gq@example.com' }, ['vip']);
    const b = await open({ name: owner });
    const c = await open({ name: owner });
    await call('POST', `/v1/accounts/${a.accountId}/deposits`, { amount: '900' });
    await call('POST', '/v1/transfers', { from: a.accountId, to: b.accountId, amount: '300' });
    const last = await call('POST', `/v1/accounts/${c.accountId}/deposits`, { amount: '5' });
    const session = last.headers.get('geode-session')!;

    const rest = await call('GET', `/v1/accounts?owner=${encodeURIComponent(owner)}`, undefined, {
      'geode-session': session,
    });
    const restAccounts = rest.body.items as Body[];
    const restEntries = await Promise.all(
      restAccounts.map(
        async (account) =>
          (await call('GET', `/v1/accounts/${String(account.accountId)}/entries`)).body.items,
      ),
    );

    const reads = geode.app.get(LedgerReadRepository);
    const entriesOf = jest.spyOn(reads, 'entriesOf');
    const answer = await graphql(
      `
        query Accounts($owner: String) {
          accounts(owner: $owner, first: 10) {
            nodes {
              accountId
              owner {
                name
                email
              }
              currency
              balance
              status
              tags
              homeRegion
              residency
              revision
              lastEventAt
              conflict {
                status
                mergeEventId
              }
              servedBy
              entries(first: 10) {
                nodes {
                  eventId
                  accountId
                  kind
                  amount
                  currency
                  transferId
                  counterpartyId
                  occurredAt
                }
                pageInfo {
                  hasNextPage
                  endCursor
                }
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      `,
      { owner },
      { 'geode-session': session },
    );
    expect(answer.status).toBe(200);
    expect(answer.body.errors).toBeUndefined();
    const connection = (answer.body.data as Body).accounts as { nodes: Body[]; pageInfo: Body };
    expect(connection.pageInfo).toEqual({ hasNextPage: false, endCursor: null });
    expect(connection.nodes).toHaveLength(3);
    expect(entriesOf).toHaveBeenCalledTimes(1); // one statement for the entries of all three accounts
    entriesOf.mockRestore();

    const withoutAsOf = ({ asOf: _asOf, ...rest }: Body) => rest;
    expect(connection.nodes.map(({ entries: _entries, ...account }) => account)).toEqual(
      restAccounts.map(withoutAsOf),
    );
    expect(connection.nodes.map((node) => (node.entries as { nodes: Body[] }).nodes)).toEqual(
      restEntries,
    );
    expect(restEntries.flat()).toHaveLength(4);

    const single = await graphql(
      `
        query One($id: ID!) {
          account(id: $id) {
            accountId
            balance
            tags
          }
        }
      `,
      {
        id: a.accountId,
      },
    );
    expect(single.body.data).toEqual({
      account: { accountId: a.accountId, balance: '600', tags: ['vip'] },
    });
    const none = await graphql(`
      {
        account(id: "no-such-account") {
          accountId
        }
      }
    `);
    expect(none.body).toEqual({ data: { account: null } });
  });

  it('gives GraphQL clients the problem types as error codes', async () => {
    const refused = await graphql(`
      {
        accounts(first: 1000) {
          nodes {
            accountId
          }
        }
      }
    `);
    expect(refused.status).toBe(200);
    expect(refused.body.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'validation', status: 400 }),
      }),
    ]);
    const badCursor = await graphql(`
      {
        accounts(after: "nope") {
          nodes {
            accountId
          }
        }
      }
    `);
    expect(badCursor.body.errors).toEqual([
      expect.objectContaining({
        extensions: expect.objectContaining({ code: 'validation', field: 'cursor' }),
      }),
    ]);
  });
});
