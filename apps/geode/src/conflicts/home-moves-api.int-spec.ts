import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { EVENT_STORE, type EventStore } from '@geode/event-store';
import { HOME_MOVE_EVENT_TYPE, MERGE_EVENT_TYPE } from '@geode/merge';
import { accountStreamId } from '@geode/ledger';
import { eventually as poll, sleep } from '../../../../libs/event-store/src/testing/eventually';
import { readOriginFeed, stampAll } from '../../../../libs/event-store/src/testing/origin-feed';
import {
  createStoreUnderTest,
  type StoreUnderTest,
} from '../../../../libs/event-store/src/testing/postgres-event-store.factory';
import { startGeodeApp, type RunningGeode } from '../../../../test/support/geode-app';
import { operatorAuthorization } from '../../../../libs/operator-auth/src/testing';
import { LEDGER_READ_SCHEMA } from '../read-models/ledger-projection';
import { MERGER_INTERVAL_MS } from './merger';

jest.setTimeout(60_000);

/** The token of the operator ops@geode: the move is recorded under that name, not the body's. */
const OPS_TOKEN = 'ops-geode-token-Vb7kQ2mX9rT4wZ8cN3pL6hJ1sD5fG0aY';

const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  poll(what, probe, timeoutMs);

type Body = Record<string, unknown>;

/**
 * `POST /v1/accounts/{id}/home-region` on a real geode (us-east-1) for an
 * account homed in eu-west-1 (down: no geode runs there), forked by a
 * concurrent withdrawal from ap-southeast-1's store.
 */
describe('moving an account home over HTTP (real PostgreSQL)', () => {
  let geode: RunningGeode;
  let ap: StoreUnderTest;
  beforeAll(async () => {
    geode = await startGeodeApp('us-east-1', undefined, {
      GEODE_OPERATOR_TOKENS: `ops@geode:${OPS_TOKEN}`,
    });
    ap = await createStoreUnderTest({ region: 'ap-southeast-1' });
  });
  afterAll(async () => {
    await ap?.close();
    await geode?.close();
  });

  // As an operator's tool would: moving a home needs the operator token (ADR 0014).
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${geode.url}${path}`, {
      method,
      headers: {
        ...operatorAuthorization(OPS_TOKEN),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : undefined) as Body };
  };
  const moveHome = (accountId: string, body: unknown) =>
    call('POST', `/v1/accounts/${accountId}/home-region`, body);

  it('refuses bad requests with problems, moves the home, and the new home merges the pending fork once', async () => {
    const opened = await call('POST', '/v1/accounts', {
      owner: { name: 'Ada' },
      currency: 'EUR',
      homeRegion: 'eu-west-1',
    });
    expect(opened.status).toBe(201);
    const accountId = opened.body.accountId as string;
    const streamId = accountStreamId(accountId);
    expect(
      (await call('POST', `/v1/accounts/${accountId}/deposits`, { amount: '100' })).status,
    ).toBe(201);
    const store = geode.app.get<EventStore>(EVENT_STORE);
    await eventually('us events stamped', async () =>
      (await store.readStream(streamId)).every((e) => e.origin !== null) ? true : undefined,
    );

    // The fork: ap-southeast-1 withdraws 70 on what it knows, us-east-1 withdraws 80.
    await ap.store.applyReplicated(await readOriginFeed(geode.database.url, 'us-east-1', null));
    await ap.store.append(
      streamId,
      [
        {
          eventId: randomUUID(),
          type: 'ledger.FundsWithdrawn',
          schemaVersion: 1,
          data: { accountId, amount: '70', at: new Date().toISOString() },
        },
      ],
      { expectedRevision: 2 },
    );
    await stampAll(ap.database.url, 'ap-southeast-1', 1);
    expect(
      (await call('POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '80' })).status,
    ).toBe(201);
    await store.applyReplicated(await readOriginFeed(ap.database.url, 'ap-southeast-1', null));

    // Pending and flagged: the home (eu-west-1) is down, nobody else merges.
    const pending = await eventually('fork pending', async () => {
      const read = await call('GET', `/v1/accounts/${accountId}`);
      return (read.body.conflict as Body | null)?.status === 'pending' ? read.body : undefined;
    });
    expect(pending).toMatchObject({ balance: '-50', homeRegion: 'eu-west-1' });
    await sleep(3 * MERGER_INTERVAL_MS);
    expect((await store.readStream(streamId)).some((e) => e.type === MERGE_EVENT_TYPE)).toBe(false);

    // Problems, nothing written.
    const bad = [
      [{}, 400, 'validation', 'region'],
      [{ region: 'US', reason: 'x' }, 400, 'validation', 'region'],
      [{ region: 'us-east-1', reason: ' ' }, 400, 'validation', 'reason'],
      [{ region: 'us-east-1', reason: 'x', extra: 1 }, 400, 'validation', 'extra'],
      // The token names the operator: a body naming another one is refused.
      [{ region: 'us-east-1', reason: 'x', operator: 'mallory' }, 400, 'validation', 'operator'],
      [{ region: 'ap-southeast-1', reason: 'x' }, 409, 'not-new-home', undefined],
    ] as const;
    for (const [body, status, type, field] of bad) {
      const answer = await moveHome(accountId, body);
      expect(answer).toMatchObject({ status, body: { type, status } });
      if (field) expect(answer.body.field).toBe(field);
    }
    expect((await moveHome('not an id!', { region: 'us-east-1', reason: 'x' })).status).toBe(400);
    expect(
      await moveHome(randomUUID(), { region: 'us-east-1', reason: 'eu-west-1 is down' }),
    ).toMatchObject({ status: 404, body: { type: 'not-found' } });
    expect((await store.readStream(streamId)).some((e) => e.type === HOME_MOVE_EVENT_TYPE)).toBe(
      false,
    );

    const moved = await moveHome(accountId, {
      region: 'us-east-1',
      reason: 'eu-west-1 is down',
    });
    expect(moved).toMatchObject({
      status: 201,
      body: { accountId, from: 'eu-west-1', to: 'us-east-1', moveEventId: expect.any(String) },
    });
    expect(await moveHome(accountId, { region: 'us-east-1', reason: 'again' })).toMatchObject({
      status: 409,
      body: { type: 'home-unchanged' },
    });

    // The new home's merger closes the fork, once; the audit view shows the move.
    const resolved = await eventually('fork merged by the new home', async () => {
      const read = await call('GET', `/v1/accounts/${accountId}`);
      return (read.body.conflict as Body | null)?.status === 'resolved' ? read.body : undefined;
    });
    expect(resolved).toMatchObject({ balance: '-50', status: 'overdrawn' });
    await sleep(3 * MERGER_INTERVAL_MS);
    const stream = await store.readStream(streamId);
    const merges = stream.filter((e) => e.type === MERGE_EVENT_TYPE);
    expect(merges).toHaveLength(1);
    expect(merges[0].data).toMatchObject({
      resolvedBy: { kind: 'region', region: 'us-east-1' },
      heads: expect.arrayContaining([moved.body.moveEventId]),
    });
    const audit = await call('GET', `/v1/accounts/${accountId}/events`);
    expect(audit.body).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          eventId: moved.body.moveEventId,
          type: HOME_MOVE_EVENT_TYPE,
          data: {
            streamId,
            from: 'eu-west-1',
            to: 'us-east-1',
            reason: 'eu-west-1 is down',
            operator: 'ops@geode',
          },
        }),
      ]),
    );
    // The ledger read model does not count the move as an unreadable event.
    const client = new Client({ connectionString: geode.database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${LEDGER_READ_SCHEMA}.skipped_events WHERE event_id = $1`,
        [moved.body.moveEventId],
      );
      expect(rows[0].n).toBe('0');
    } finally {
      await client.end();
    }
  });
});
