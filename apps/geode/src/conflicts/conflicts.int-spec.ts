import { randomUUID } from 'node:crypto';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { MERGE_EVENT_TYPE } from '@geode/merge';
import { getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import {
  accountMergePolicy,
  accountStreamId,
  foldAccountStream,
  MERGE_EVENT_TYPE as LEDGER_MERGE_TYPE,
} from '@geode/ledger';
import { eventually as poll, sleep } from '../../../../libs/event-store/src/testing/eventually';
import { readOriginFeed, stampAll } from '../../../../libs/event-store/src/testing/origin-feed';
import {
  createStoreUnderTest,
  type StoreUnderTest,
} from '../../../../libs/event-store/src/testing/postgres-event-store.factory';
import { startGeodeApp, type RunningGeode } from '../../../../test/support/geode-app';
import { operatorAuthorization, TEST_OPERATOR } from '../../../../libs/operator-auth/src/testing';
import { GEODE_CONFIG } from '../config/geode-config.provider';
import { Merger, MERGER_INTERVAL_MS } from './merger';

jest.setTimeout(60_000);

/** Generous: on a shared 2-core machine three apps and their projections can fall behind. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  poll(what, probe, timeoutMs);

type Body = Record<string, unknown>;

/** Calls a geode as an operator's tool would: resolving and /admin need the operator token (ADR 0014). */
async function callGeode(geode: RunningGeode, method: string, path: string, body?: unknown) {
  const response = await fetch(`${geode.url}${path}`, {
    method,
    headers: {
      ...operatorAuthorization(),
      ...(body !== undefined && { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Body };
}

/** An account opened in the geode with 100 deposited, its opening and deposit known in `regions` too. */
async function fundedAccount(geode: RunningGeode, ...regions: StoreUnderTest[]) {
  const opened = await callGeode(geode, 'POST', '/v1/accounts', {
    owner: { name: 'Cy' },
    currency: 'EUR',
  });
  const accountId = opened.body.accountId as string;
  await callGeode(geode, 'POST', `/v1/accounts/${accountId}/deposits`, { amount: '100' });
  const streamId = accountStreamId(accountId);
  await allStamped(geode, streamId);
  const feed = await readOriginFeed(geode.database.url, 'eu-west-1', null);
  for (const region of regions) await region.store.applyReplicated(feed);
  return { accountId, streamId };
}

/** Waits until the geode's sequencer stamped every event of the stream (so its origin log ships them). */
async function allStamped(geode: RunningGeode, streamId: string): Promise<void> {
  const store = geode.app.get<EventStore>(EVENT_STORE);
  await eventually(`${streamId} stamped`, async () =>
    (await store.readStream(streamId)).every((e) => e.origin !== null) ? true : undefined,
  );
}

/** Withdraws in the geode (eu-west-1) and waits until the withdrawal is stamped. */
async function withdrawHere(geode: RunningGeode, accountId: string, amount: string) {
  const withdrawn = await callGeode(geode, 'POST', `/v1/accounts/${accountId}/withdrawals`, {
    amount,
  });
  expect(withdrawn.status).toBe(201);
  await allStamped(geode, accountStreamId(accountId));
}

const money = (accountId: string, type: string, amount: string) => ({
  eventId: randomUUID(),
  type,
  schemaVersion: 1,
  data: { accountId, amount, at: new Date().toISOString() },
});

/** Stamps a region's first `count` local events and returns its whole origin log. */
async function shipped(region: StoreUnderTest, name: string, count: number) {
  await stampAll(region.database.url, name, count);
  return readOriginFeed(region.database.url, name, null);
}

/**
 * A fork made for real (issue #7): a geode in eu-west-1 (the account's home)
 * withdraws while a second region's store, us-east-1, withdraws concurrently;
 * us-east-1's event reaches the geode through `applyReplicated`, as the
 * replication puller would hand it over. The geode must detect the fork,
 * merge it once, and show it on the account.
 */
describe('forks and merges in a geode (real PostgreSQL)', () => {
  let geode: RunningGeode;
  let us: StoreUnderTest;
  beforeAll(async () => {
    geode = await startGeodeApp('eu-west-1');
    us = await createStoreUnderTest({ region: 'us-east-1' });
  });
  afterAll(async () => {
    await us?.close();
    await geode?.close();
  });

  const call = (method: string, path: string, body?: unknown) =>
    callGeode(geode, method, path, body);

  it('agrees with the ledger on the merge event type', () => {
    expect(LEDGER_MERGE_TYPE).toBe(MERGE_EVENT_TYPE);
  });

  it('detects concurrent withdrawals that overdraw, merges them once, and shows it', async () => {
    const opened = await call('POST', '/v1/accounts', { owner: { name: 'Ada' }, currency: 'EUR' });
    expect(opened.status).toBe(201);
    const accountId = opened.body.accountId as string;
    const streamId = accountStreamId(accountId);
    expect(
      (await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '100' })).status,
    ).toBe(201);

    // us-east-1 learns the account (opening + deposit), then withdraws 80 on what it knows.
    const euFeed = await eventually('eu events stamped', async () => {
      const feed = await readOriginFeed(geode.database.url, 'eu-west-1', null);
      return feed.length >= 2 ? feed : undefined;
    });
    await us.store.applyReplicated(euFeed);
    await us.store.append(
      streamId,
      [
        {
          eventId: randomUUID(),
          type: 'ledger.FundsWithdrawn',
          schemaVersion: 1,
          data: { accountId, amount: '80', at: new Date().toISOString() },
        },
      ],
      { expectedRevision: 2 },
    );
    await stampAll(us.database.url, 'us-east-1', 1);

    // Meanwhile eu-west-1 withdraws 70: both fit the balance each region saw.
    expect(
      (await call('POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '70' })).status,
    ).toBe(201);
    const store = geode.app.get<EventStore>(EVENT_STORE);
    await store.applyReplicated(await readOriginFeed(us.database.url, 'us-east-1', null));

    const conflict = await eventually('fork detected and merged', async () => {
      const list = await call('GET', '/v1/conflicts?status=resolved');
      const items = list.body.items as Body[];
      return items.find((c) => c.streamId === streamId);
    });
    expect(conflict).toMatchObject({ detectedInRegion: 'eu-west-1', status: 'resolved' });
    expect(conflict.heads).toHaveLength(2);

    const account = await eventually('read model shows the merge', async () => {
      const read = await call('GET', `/v1/accounts/${accountId}`);
      return read.body.balance === '-50' ? read.body : undefined;
    });
    expect(account).toMatchObject({
      status: 'overdrawn',
      conflict: { status: 'resolved', mergeEventId: conflict.mergeEventId, heads: conflict.heads },
    });

    const merges = await eventually('merge history', async () => {
      const read = await call('GET', `/v1/accounts/${accountId}/merges`);
      const items = read.body.items as Body[];
      return items.length > 0 ? items : undefined;
    });
    expect(merges).toHaveLength(1);
    expect(merges[0]).toMatchObject({
      mergeEventId: conflict.mergeEventId,
      strategy: 'resolver',
      resolver: { name: 'ledger.account', version: 1 },
      outcome: { rules: ['ledger.overdraft@1'], after: { status: 'overdrawn', balance: '-50' } },
      compensations: [{ kind: 'flag-for-review' }],
      resolvedBy: { kind: 'region', region: 'eu-west-1' },
    });

    // Merged once: more merger passes, and a direct second try, change nothing.
    await sleep(3 * MERGER_INTERVAL_MS);
    expect(await geode.app.get(Merger).mergeStream(streamId)).toBe('no-fork');
    const stream = await store.readStream(streamId);
    expect(stream.filter((e) => e.type === MERGE_EVENT_TYPE)).toHaveLength(1);

    const metrics = await (await fetch(`${geode.url}/metrics`)).text();
    expect(metrics).toMatch(/geode_merge_attempts_total\{result="merged"[^}]*\} 1/);
    expect(metrics).toMatch(/geode_conflicts_pending(\{[^}]*\})? 0/);

    // The command side folds the merge too: a further withdrawal is refused, a deposit is fine.
    expect(
      (await call('POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '1' })).status,
    ).toBe(422);
    expect(
      (await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '60' })).status,
    ).toBe(201);
  });

  // Regions of their own, one per test (not us-east-1): the other tests' stamp counts stay as they
  // are, and no two tests write two histories for one origin.

  /**
   * Only a merge closes a fork (ADR 0012): a deposit written after both
   * withdrawals were known has seen them both, yet the overdraft must still be
   * merged by the resolver, not hidden behind that later ordinary event.
   */
  it('merges a fork that a later ordinary write had joined', async () => {
    const sa = await createStoreUnderTest({ region: 'sa-east-1' });
    try {
      const { accountId, streamId } = await fundedAccount(geode, sa);
      const saWithdrawal = money(accountId, 'ledger.FundsWithdrawn', '80');
      await sa.store.append(streamId, [saWithdrawal], { expectedRevision: 2 });
      await withdrawHere(geode, accountId, '70');
      // sa-east-1 hears of eu-west-1's withdrawal, then deposits: its deposit had seen both.
      const store = geode.app.get<EventStore>(EVENT_STORE);
      await sa.store.applyReplicated(await readOriginFeed(geode.database.url, 'eu-west-1', null));
      const deposit = money(accountId, 'ledger.FundsDeposited', '5');
      await sa.store.append(streamId, [deposit], { expectedRevision: 4 });
      await store.applyReplicated(await shipped(sa, 'sa-east-1', 2));

      const conflict = await eventually('hidden fork merged', async () => {
        const list = await call('GET', '/v1/conflicts?status=resolved');
        return (list.body.items as Body[]).find((c) => c.streamId === streamId);
      });
      expect(conflict.heads).toHaveLength(2);
      expect(conflict.heads).toContain(saWithdrawal.eventId);
      expect(conflict.heads).not.toContain(deposit.eventId);
      const account = await eventually('merge applied', async () => {
        const read = await call('GET', `/v1/accounts/${accountId}`);
        return (read.body.conflict as Body | null)?.status === 'resolved' ? read.body : undefined;
      });
      expect(account).toMatchObject({ balance: '-45', status: 'overdrawn' });
      const merges = (await call('GET', `/v1/accounts/${accountId}/merges`)).body.items as Body[];
      expect(merges).toHaveLength(1);
      expect(merges[0]).toMatchObject({
        outcome: { rules: ['ledger.overdraft@1'] },
        compensations: [{ kind: 'flag-for-review' }],
      });
      // The merge follows the deposit too: nothing is left forked.
      expect(await geode.app.get(Merger).mergeStream(streamId)).toBe('no-fork');
    } finally {
      await sa.close();
    }
  });

  it('finds the fork when the joining write of a third region arrives before a head', async () => {
    const ca = await createStoreUnderTest({ region: 'ca-central-1' });
    const ap = await createStoreUnderTest({ region: 'ap-northeast-1' });
    try {
      const { accountId, streamId } = await fundedAccount(geode, ca, ap);
      const caWithdrawal = money(accountId, 'ledger.FundsWithdrawn', '80');
      await ca.store.append(streamId, [caWithdrawal], { expectedRevision: 2 });
      const caFeed = await shipped(ca, 'ca-central-1', 1);
      await withdrawHere(geode, accountId, '70');
      const store = geode.app.get<EventStore>(EVENT_STORE);
      // ap-northeast-1 holds both withdrawals and deposits; its deposit reaches eu-west-1 first.
      await ap.store.applyReplicated(await readOriginFeed(geode.database.url, 'eu-west-1', null));
      await ap.store.applyReplicated(caFeed);
      await ap.store.append(streamId, [money(accountId, 'ledger.FundsDeposited', '5')], {
        expectedRevision: 4,
      });
      await store.applyReplicated(await shipped(ap, 'ap-northeast-1', 1));
      await sleep(3 * MERGER_INTERVAL_MS);
      // Nothing held is concurrent yet: the deposit had seen eu-west-1's withdrawal.
      expect(await geode.app.get(Merger).mergeStream(streamId)).toBe('no-fork');
      await store.applyReplicated(caFeed);

      const conflict = await eventually('fork found and merged', async () => {
        const list = await call('GET', '/v1/conflicts?status=resolved');
        return (list.body.items as Body[]).find((c) => c.streamId === streamId);
      });
      expect(conflict.heads).toContain(caWithdrawal.eventId);
      const account = await eventually('merge applied', async () => {
        const read = await call('GET', `/v1/accounts/${accountId}`);
        return (read.body.conflict as Body | null)?.status === 'resolved' ? read.body : undefined;
      });
      expect(account).toMatchObject({ balance: '-45', status: 'overdrawn' });
    } finally {
      await ap.close();
      await ca.close();
    }
  });

  it('keeps a manual fork pending until an operator resolves it, once', async () => {
    // Two regions open the same account id with different owners before hearing of each other.
    const accountId = randomUUID();
    const streamId = accountStreamId(accountId);
    await us.store.append(
      streamId,
      [
        {
          eventId: randomUUID(),
          type: 'ledger.AccountOpened',
          schemaVersion: 1,
          data: {
            accountId,
            ownerName: 'Bob',
            ownerEmail: null,
            currency: 'EUR',
            residency: null,
            homeRegion: 'eu-west-1',
            at: new Date().toISOString(),
          },
        },
      ],
      { expectedRevision: 'no_stream' },
    );
    await stampAll(us.database.url, 'us-east-1', 2);
    const opened = await call('POST', '/v1/accounts', {
      accountId,
      owner: { name: 'Ada' },
      currency: 'EUR',
    });
    expect(opened.status).toBe(201);
    const store = geode.app.get<EventStore>(EVENT_STORE);
    await store.applyReplicated(await readOriginFeed(us.database.url, 'us-east-1', null));

    const pending = await eventually('manual fork detected', async () => {
      const list = await call('GET', '/v1/conflicts?status=pending');
      return (list.body.items as Body[]).find((c) => c.streamId === streamId);
    });
    const account = await eventually('account flagged', async () => {
      const read = await call('GET', `/v1/accounts/${accountId}`);
      return (read.body.conflict as Body | null)?.status === 'pending' ? read.body : undefined;
    });
    expect(account.conflict).toEqual({
      forkedAt: pending.forkedAt,
      heads: pending.heads,
      status: 'pending',
      mergeEventId: null,
    });
    // The merger leaves it to an operator.
    await sleep(3 * MERGER_INTERVAL_MS);
    expect(await geode.app.get(Merger).mergeStream(streamId)).toBe('manual');
    expect((await call('GET', `/v1/accounts/${accountId}/merges`)).body.items).toEqual([]);

    const id = pending.conflictId as string;
    const refused = await call('POST', `/v1/conflicts/${id}/resolve`, {
      outcome: { balanceAdjustment: 'lots' },
      reason: 'kept the earliest opening',
    });
    expect(refused.status).toBe(422);
    const resolved = await call('POST', `/v1/conflicts/${id}/resolve`, {
      outcome: {},
      reason: 'kept the earliest opening',
      // Optional: the token names the operator; a body that names one must name the same.
      operator: TEST_OPERATOR.name,
    });
    expect(resolved.status).toBe(201);
    expect(resolved.body.merge).toMatchObject({
      strategy: 'manual',
      resolver: { name: 'manual', version: 1 },
      resolvedBy: {
        kind: 'operator',
        region: 'eu-west-1',
        operator: TEST_OPERATOR.name,
        reason: 'kept the earliest opening',
      },
    });
    const after = await eventually('fork resolved', async () => {
      const read = await call('GET', `/v1/accounts/${accountId}`);
      return (read.body.conflict as Body | null)?.status === 'resolved' ? read.body : undefined;
    });
    expect(after.conflict).toMatchObject({ mergeEventId: resolved.body.mergeEventId });
    const again = await call('POST', `/v1/conflicts/${id}/resolve`, {
      outcome: {},
      reason: 'twice',
    });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('conflict-resolved');
    const merges = (await call('GET', `/v1/accounts/${accountId}/merges`)).body.items as Body[];
    expect(merges.map((m) => m.mergeEventId)).toEqual([resolved.body.mergeEventId]);

    // The same over GraphQL: the queue, the account's conflict and merges, and the mutation.
    const graphql = await call('POST', '/graphql', {
      query: `query ($id: ID!) {
        conflicts(status: "resolved") { conflictId status mergeEventId }
        account(id: $id) {
          conflict { status mergeEventId }
          merges { mergeEventId strategy resolver { name version } resolvedBy }
        }
      }`,
      variables: { id: accountId },
    });
    const data = graphql.body.data as {
      conflicts: Body[];
      account: { conflict: Body; merges: Body[] };
    };
    expect(data.conflicts).toContainEqual({
      conflictId: id,
      status: 'resolved',
      mergeEventId: resolved.body.mergeEventId,
    });
    expect(data.account.conflict).toEqual({
      status: 'resolved',
      mergeEventId: resolved.body.mergeEventId,
    });
    expect(data.account.merges).toEqual([
      {
        mergeEventId: resolved.body.mergeEventId,
        strategy: 'manual',
        resolver: { name: 'manual', version: 1 },
        resolvedBy: expect.stringContaining(TEST_OPERATOR.name) as string,
      },
    ]);
    const mutation = await call('POST', '/graphql', {
      query: `mutation ($id: ID!) { resolveConflict(id: $id, reason: "again") { mergeEventId } }`,
      variables: { id },
    });
    expect((mutation.body.errors as { extensions: Body }[])[0].extensions.code).toBe(
      'conflict-resolved',
    );
  });

  it('merges new forks with a new resolver version while old merges keep their recorded outcome', async () => {
    const store = geode.app.get<EventStore>(EVENT_STORE);
    const withdrawInUs = async (accountId: string, amount: string, stamped: number) => {
      const streamId = accountStreamId(accountId);
      await us.store.applyReplicated(await readOriginFeed(geode.database.url, 'eu-west-1', null));
      const held = await us.store.readStream(streamId);
      await us.store.append(
        streamId,
        [
          {
            eventId: randomUUID(),
            type: 'ledger.FundsWithdrawn',
            schemaVersion: 1,
            data: { accountId, amount, at: new Date().toISOString() },
          },
        ],
        { expectedRevision: held.length },
      );
      await stampAll(us.database.url, 'us-east-1', stamped);
    };
    const opened = await call('POST', '/v1/accounts', { owner: { name: 'Ada' }, currency: 'EUR' });
    const accountId = opened.body.accountId as string;
    const streamId = accountStreamId(accountId);
    await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '100' });
    await eventually('eu events stamped', async () =>
      (await store.readStream(streamId)).every((e) => e.origin !== null) ? true : undefined,
    );

    // Fork 1, merged by the geode's own merger: resolver version 1, no fee.
    await withdrawInUs(accountId, '80', 3);
    await call('POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '70' });
    await store.applyReplicated(await readOriginFeed(us.database.url, 'us-east-1', null));
    await eventually('fork 1 merged', async () =>
      (await store.readStream(streamId)).some((e) => e.type === MERGE_EVENT_TYPE)
        ? true
        : undefined,
    );

    // The deployment changes its resolver: version 2 charges a fee of 7.
    await geode.app.get(Merger).onModuleDestroy();
    const v2 = new Merger(
      store,
      [
        accountMergePolicy({
          overdraftCompensation: { kind: 'fee', amount: 7n },
          resolverVersion: 2,
        }),
      ],
      geode.app.get(GEODE_CONFIG),
      geode.app.get<DataSource>(getDataSourceToken()),
    );
    await eventually('eu merge stamped', async () =>
      (await store.readStream(streamId)).every((e) => e.origin !== null) ? true : undefined,
    );
    await withdrawInUs(accountId, '5', 4);
    await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '10' });
    await store.applyReplicated(await readOriginFeed(us.database.url, 'us-east-1', null));
    // While it waits, an operator may not take it over: the resolver settles it.
    const waiting = await eventually('fork 2 detected', async () => {
      const list = await call('GET', '/v1/conflicts?status=pending');
      return (list.body.items as Body[]).find((c) => c.streamId === streamId);
    });
    const takeover = await call('POST', `/v1/conflicts/${waiting.conflictId as string}/resolve`, {
      outcome: {},
      reason: 'impatient',
    });
    expect([takeover.status, takeover.body.type]).toEqual([409, 'fork-automatic']);
    const attempts = await eventually('fork 2 merged by version 2', async () => {
      const done = await v2.mergePending();
      return done.get(streamId) === 'merged' ? done : undefined;
    });
    expect(attempts.get(streamId)).toBe('merged');

    const merges = await eventually('both merges projected', async () => {
      const items = (await call('GET', `/v1/accounts/${accountId}/merges`)).body.items as Body[];
      return items.length === 2 ? items : undefined;
    });
    expect(merges.map((m) => [m.resolver, (m.outcome as Body).balanceAdjustment])).toEqual([
      [{ name: 'ledger.account', version: 1 }, '0'],
      [{ name: 'ledger.account', version: 2 }, '-7'],
    ]);
    // Replay: the fold gives version 1's outcome to the old merge and version 2's to the new one.
    expect(foldAccountStream(await store.readStream(streamId))).toMatchObject({ balance: -52n });
    const read = await eventually('read model caught up', async () => {
      const body = (await call('GET', `/v1/accounts/${accountId}`)).body;
      return body.balance === '-52' ? body : undefined;
    });
    expect(read).toMatchObject({ status: 'overdrawn', conflict: { status: 'resolved' } });
  });

  it('rebuilds the conflict queue by replay to the same rows, writing no merge', async () => {
    const store = geode.app.get<EventStore>(EVENT_STORE);
    const snapshot = async () => {
      const rows = await geode.app.get<DataSource>(getDataSourceToken()).query<{ dump: string }[]>(
        `SELECT (SELECT string_agg(c::text, E'\\n' ORDER BY c::text COLLATE "C") FROM conflicts.conflicts c)
               || E'\\n' ||
                  (SELECT string_agg(m::text, E'\\n' ORDER BY m::text COLLATE "C") FROM conflicts.merges m) AS dump`,
      );
      return rows[0].dump;
    };
    const mergeCount = async () =>
      (await store.readAll({ limit: 10_000 })).filter((e) => e.event.type === MERGE_EVENT_TYPE)
        .length;
    const before = await snapshot();
    expect(before).toContain('resolved');
    expect(before).toContain('ledger.account');
    const merges = await mergeCount();
    expect(merges).toBeGreaterThanOrEqual(3);
    const started = await fetch(`${geode.url}/admin/v1/projections/conflicts/rebuild`, {
      method: 'POST',
      headers: operatorAuthorization(),
    });
    expect(started.status).toBe(202);
    await eventually('rebuild done', async () => {
      const body = (await (
        await fetch(`${geode.url}${started.headers.get('location')}`, {
          headers: operatorAuthorization(),
        })
      ).json()) as { rebuild?: { phase: string } };
      return body.rebuild?.phase === 'done' ? true : undefined;
    });
    expect(await snapshot()).toBe(before);
    expect(await mergeCount()).toBe(merges);
  });

  it('refuses bad conflict requests as problems', async () => {
    expect((await call('GET', '/v1/conflicts?status=maybe')).status).toBe(400);
    expect(
      (await call('POST', `/v1/conflicts/${randomUUID()}/resolve`, { outcome: {}, reason: 'x' }))
        .status,
    ).toBe(404);
    expect(
      (await call('POST', `/v1/conflicts/${randomUUID()}/resolve`, { reason: 'x' })).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1/conflicts/nope/resolve', { outcome: {}, reason: 'x' })).status,
    ).toBe(400);
  });
});

describe('merge settings and the fence for operators (real PostgreSQL)', () => {
  const call = callGeode;

  it('charges the configured overdraft fee and records the configured resolver version', async () => {
    const geode = await startGeodeApp('eu-west-1', undefined, {
      GEODE_OVERDRAFT_FEE: '300',
      GEODE_LEDGER_RESOLVER_VERSION: '7',
    });
    const other = await createStoreUnderTest({ region: 'us-east-1' });
    try {
      const { accountId } = await fundedAccount(geode, other);
      await other.store.append(
        accountStreamId(accountId),
        [money(accountId, 'ledger.FundsWithdrawn', '80')],
        { expectedRevision: 2 },
      );
      const otherFeed = await shipped(other, 'us-east-1', 1);
      await call(geode, 'POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '70' });
      await geode.app.get<EventStore>(EVENT_STORE).applyReplicated(otherFeed);

      const merges = await eventually('merge with the fee', async () => {
        const read = await call(geode, 'GET', `/v1/accounts/${accountId}/merges`);
        const items = read.body.items as Body[];
        return items.length > 0 ? items : undefined;
      });
      expect(merges[0]).toMatchObject({
        resolver: { name: 'ledger.account', version: 7 },
        outcome: { rules: ['ledger.overdraft@7'], balanceAdjustment: '-300' },
        compensations: [{ kind: 'flag-for-review' }, { kind: 'fee', amount: '300' }],
      });
      const account = await eventually('fee applied', async () => {
        const read = await call(geode, 'GET', `/v1/accounts/${accountId}`);
        return read.body.balance === '-350' ? read.body : undefined;
      });
      expect(account.status).toBe('overdrawn');
    } finally {
      await other.close();
      await geode.close();
    }
  });

  it('refuses an operator resolution while the region may not merge yet', async () => {
    // A peer is configured but never heard from: after a start, nothing merges until it is.
    const geode = await startGeodeApp('eu-west-1', undefined, {
      GEODE_PEERS: 'us-east-1=http://127.0.0.1:9',
    });
    const other = await createStoreUnderTest({ region: 'us-east-1' });
    try {
      const accountId = randomUUID();
      const opening = (ownerName: string) => ({
        eventId: randomUUID(),
        type: 'ledger.AccountOpened',
        schemaVersion: 1,
        data: {
          accountId,
          ownerName,
          ownerEmail: null,
          currency: 'EUR',
          residency: null,
          homeRegion: 'eu-west-1',
          at: new Date().toISOString(),
        },
      });
      await other.store.append(accountStreamId(accountId), [opening('Bob')], {
        expectedRevision: 'no_stream',
      });
      await stampAll(other.database.url, 'us-east-1', 1);
      await call(geode, 'POST', '/v1/accounts', {
        accountId,
        owner: { name: 'Ada' },
        currency: 'EUR',
      });
      await geode.app
        .get<EventStore>(EVENT_STORE)
        .applyReplicated(await readOriginFeed(other.database.url, 'us-east-1', null));
      const pending = await eventually('manual fork pending', async () => {
        const list = await call(geode, 'GET', '/v1/conflicts?status=pending');
        return (list.body.items as Body[]).find((c) => c.streamId === accountStreamId(accountId));
      });
      const refused = await call(
        geode,
        'POST',
        `/v1/conflicts/${pending.conflictId as string}/resolve`,
        {
          outcome: { reopen: false },
          reason: 'kept the first opening',
        },
      );
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ type: 'merge-fenced', status: 409 });
      expect(refused.body.detail).toMatch(/no peer heard from since start/);
      const stream = await geode.app
        .get<EventStore>(EVENT_STORE)
        .readStream(accountStreamId(accountId));
      expect(stream.filter((e) => e.type === MERGE_EVENT_TYPE)).toHaveLength(0);
    } finally {
      await other.close();
      await geode.close();
    }
  });
});
