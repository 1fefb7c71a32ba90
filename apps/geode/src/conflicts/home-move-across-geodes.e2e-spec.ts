import { accountStreamId } from '@geode/ledger';
import { HOME_MOVE_EVENT_TYPE, MERGE_EVENT_TYPE } from '@geode/merge';
import { eventually as poll, sleep } from '../../../../libs/event-store/src/testing/eventually';
import { GeodeWorld } from '../../../../test/support/geode-world';
import { operatorAuthorization, TEST_OPERATOR } from '../../../../libs/operator-auth/src/testing';
import {
  call,
  openAccount,
  waitForConvergence,
} from '../../../../test/replication/replication-world';
import { MERGER_INTERVAL_MS } from './merger';

jest.setTimeout(120_000);

/** Generous: on a shared 2-core machine three apps and their projections can fall behind. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000) =>
  poll(what, probe, timeoutMs);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

type Body = Record<string, unknown>;

/**
 * Issue #7, home region down: three geodes replicating over HTTP. The
 * account's home (eu-west-1) is stopped; us-east-1 and ap-southeast-2 overdraw
 * it concurrently. The fork stays pending (and flagged) everywhere; an
 * operator moves the home to us-east-1, which merges it; eu-west-1 comes back
 * and everyone converges on that one merge.
 */
describe('moving a home region across three geodes (replication over HTTP)', () => {
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP]);
  });
  afterAll(() => world?.close());

  const streamOf = async (region: string, streamId: string) =>
    world.geode(region).store().readStream(streamId);

  it('home down: fork pending everywhere; operator moves home; the new home merges once; all converge', async () => {
    const accountId = await openAccount(world.geode(EU));
    const streamId = accountStreamId(accountId);
    const deposit = await call(world.geode(EU), 'POST', `/v1/accounts/${accountId}/deposits`, {
      amount: '100',
    });
    expect(deposit.status).toBe(201);
    await waitForConvergence(world);
    await world.stopGeode(EU);

    world.partition(US, AP);
    const [inUs, inAp] = await Promise.all([
      call(world.geode(US), 'POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '70' }),
      call(world.geode(AP), 'POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '80' }),
    ]);
    expect([inUs.status, inAp.status]).toEqual([201, 201]);
    world.heal(US, AP);

    // Pending and flagged in both running regions; provisional state shown.
    for (const region of [US, AP]) {
      const account = await eventually(`${region} shows the fork pending`, async () => {
        const read = await call(world.geode(region), 'GET', `/v1/accounts/${accountId}`);
        const conflict = read.body.conflict as Body | null;
        return conflict?.status === 'pending' && read.body.balance === '-50'
          ? read.body
          : undefined;
      });
      expect(account).toMatchObject({ homeRegion: EU, status: 'overdrawn' });
    }
    await sleep(5 * MERGER_INTERVAL_MS);
    for (const region of [US, AP])
      expect((await streamOf(region, streamId)).some((e) => e.type === MERGE_EVENT_TYPE)).toBe(
        false,
      );

    // The operator asks ap-southeast-2 to make us-east-1 home: refused, it goes to us-east-1.
    const wrongGeode = await call(
      world.geode(AP),
      'POST',
      `/v1/accounts/${accountId}/home-region`,
      {
        region: US,
        reason: 'eu-west-1 is down',
      },
      operatorAuthorization(),
    );
    expect(wrongGeode).toMatchObject({ status: 409, body: { type: 'not-new-home' } });
    const moved = await call(
      world.geode(US),
      'POST',
      `/v1/accounts/${accountId}/home-region`,
      { region: US, reason: 'eu-west-1 is down' },
      operatorAuthorization(),
    );
    expect(moved).toMatchObject({ status: 201, body: { from: EU, to: US } });

    // us-east-1 merges once ap-southeast-2 has the move; both hold the same single merge.
    const mergeId = await eventually(
      'one merge, by us-east-1, in both running regions',
      async () => {
        const merges = await Promise.all(
          [US, AP].map(async (region) =>
            (await streamOf(region, streamId)).filter((e) => e.type === MERGE_EVENT_TYPE),
          ),
        );
        return merges.every((list) => list.length === 1 && list[0].eventId === merges[0][0].eventId)
          ? merges[0][0]
          : undefined;
      },
    );
    expect(mergeId.dot.region).toBe(US);

    // eu-west-1 comes back: it learns the move and the merge, and merges nothing itself.
    await world.startGeode(EU);
    await waitForConvergence(world, 30_000);
    await sleep(5 * MERGER_INTERVAL_MS);
    await waitForConvergence(world, 30_000);
    const streams = await Promise.all(world.regions.map((region) => streamOf(region, streamId)));
    for (const stream of streams) {
      expect(stream.map((e) => e.eventId).sort()).toEqual(streams[0].map((e) => e.eventId).sort());
      expect(stream.filter((e) => e.type === MERGE_EVENT_TYPE).map((e) => e.eventId)).toEqual([
        mergeId.eventId,
      ]);
      const homeMoves = stream.filter((e) => e.type === HOME_MOVE_EVENT_TYPE);
      expect(homeMoves).toHaveLength(1);
      // Recorded under the operator token's name (ADR 0014).
      expect(homeMoves[0].data).toMatchObject({ operator: TEST_OPERATOR.name });
    }
    for (const region of world.regions) {
      const account = await eventually(`${region} read model settled`, async () => {
        const read = await call(world.geode(region), 'GET', `/v1/accounts/${accountId}`);
        const conflict = read.body.conflict as Body | null;
        return conflict?.status === 'resolved' ? read.body : undefined;
      });
      expect(account).toMatchObject({
        balance: '-50',
        status: 'overdrawn',
        conflict: { status: 'resolved', mergeEventId: mergeId.eventId },
      });
    }
  });
});
