import { accountStreamId } from '@geode/ledger';
import { MERGE_EVENT_TYPE } from '@geode/merge';
import { eventually as poll } from '../../../../libs/event-store/src/testing/eventually';
import { GeodeWorld } from '../../../../test/support/geode-world';
import {
  call,
  openAccount,
  waitForConvergence,
} from '../../../../test/replication/replication-world';

jest.setTimeout(90_000);

/** Generous: on a shared 2-core machine three apps and their projections can fall behind. */
const eventually = <T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000) =>
  poll(what, probe, timeoutMs);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];

/**
 * Issue #7 end to end: three geodes replicating over HTTP (links through
 * proxies). us-east-1 is cut off; it and eu-west-1 (the account's home) each
 * withdraw what the balance they see allows; the link heals. Every geode must
 * end with the same stream, the one merge event eu-west-1 wrote, the same
 * overdrawn balance, and the account flagged as resolved by that merge.
 */
describe('merges across three geodes (replication over HTTP)', () => {
  let world: GeodeWorld;
  beforeAll(async () => {
    world = await GeodeWorld.start([EU, US, AP]);
  });
  afterAll(() => world?.close());

  it('partition, concurrent overdraw, heal: one merge everywhere, the same state everywhere', async () => {
    const accountId = await openAccount(world.geode(EU));
    const streamId = accountStreamId(accountId);
    expect(
      (await call(world.geode(EU), 'POST', `/v1/accounts/${accountId}/deposits`, { amount: '100' }))
        .status,
    ).toBe(201);
    await waitForConvergence(world);

    world.isolate(US);
    const [inEu, inUs] = await Promise.all([
      call(world.geode(EU), 'POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '70' }),
      call(world.geode(US), 'POST', `/v1/accounts/${accountId}/withdrawals`, { amount: '80' }),
    ]);
    expect([inEu.status, inUs.status]).toEqual([201, 201]);
    world.rejoin(US);

    const mergeIds = await eventually(
      'one merge held everywhere',
      async () => {
        await waitForConvergence(world);
        const ids = await Promise.all(
          world.regions.map(async (region) =>
            (await world.geode(region).store().readStream(streamId))
              .filter((e) => e.type === MERGE_EVENT_TYPE)
              .map((e) => e.eventId),
          ),
        );
        return ids.every((list) => list.length === 1 && list[0] === ids[0][0]) ? ids : undefined;
      },
      30_000,
    );
    const mergeEventId = mergeIds[0][0];

    for (const region of world.regions) {
      const geode = world.geode(region);
      const account = await eventually(`${region} read model settled`, async () => {
        const read = await call(geode, 'GET', `/v1/accounts/${accountId}`);
        const conflict = read.body.conflict as { status?: string } | null;
        return read.body.balance === '-50' && conflict?.status === 'resolved'
          ? read.body
          : undefined;
      });
      expect(account).toMatchObject({
        status: 'overdrawn',
        servedBy: region,
        conflict: { status: 'resolved', mergeEventId },
      });
      const merges = (await call(geode, 'GET', `/v1/accounts/${accountId}/merges`)).body
        .items as Record<string, unknown>[];
      expect(merges).toEqual([
        expect.objectContaining({
          mergeEventId,
          resolver: { name: 'ledger.account', version: 1 },
          resolvedBy: { kind: 'region', region: EU },
        }),
      ]);
      const stream = await geode.store().readStream(streamId);
      expect(stream.find((e) => e.eventId === mergeEventId)?.dot.region).toBe(EU);
    }
    // The stream is the same set of events everywhere, and no region merged it again.
    const streams = await Promise.all(
      world.regions.map(async (region) =>
        (await world.geode(region).store().readStream(streamId)).map((e) => e.eventId).sort(),
      ),
    );
    expect(streams[1]).toEqual(streams[0]);
    expect(streams[2]).toEqual(streams[0]);
    expect(streams[0]).toHaveLength(5);
  });
});
