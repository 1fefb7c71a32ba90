import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { systemWallClock } from '@geode/clock';
import type { NewEvent, StoredEvent } from '@geode/event-store';
import { HOME_MOVE_EVENT_TYPE, MERGE_EVENT_TYPE, mergeAuthority } from '@geode/merge';
import {
  accountMergePolicy,
  accountStreamId,
  accountStreamMetadata,
  foldAccountStream,
  type AccountOpened,
} from '@geode/ledger';
import { LagTracker } from '@geode/replication';
import { readOriginFeed, stampAll } from '../../../../libs/event-store/src/testing/origin-feed';
import {
  createStoreUnderTest,
  type StoreUnderTest,
} from '../../../../libs/event-store/src/testing/postgres-event-store.factory';
import type { GeodeConfig } from '../config/geode-config';
import { PeerAcknowledgements } from '../replication/peer-acknowledgements';
import { HomeMoves } from './home-moves';
import { MergeFence } from './merge-fence';
import { Merger } from './merger';

jest.setTimeout(60_000);

const [EU, US, AP] = ['eu-west-1', 'us-east-1', 'ap-southeast-1'];
const REGIONS = [EU, US, AP];

/**
 * One region as the merge machinery sees it: its real store (PostgreSQL), the
 * geode's merger, fence and home-move service over it, and the replication
 * state the fence reads (a real lag tracker and acknowledgement book, fed here
 * as the pullers and feeds would).
 */
interface Region {
  name: string;
  under: StoreUnderTest;
  stamped: number;
  lag: LagTracker;
  acks: PeerAcknowledgements;
  merger: Merger;
  moves: HomeMoves;
}

async function openRegion(name: string): Promise<Region> {
  const under = await createStoreUnderTest({ region: name });
  const config = {
    region: name,
    replication: {
      peers: REGIONS.filter((r) => r !== name).map((r) => ({ region: r, url: 'http://x' })),
    },
  } as unknown as GeodeConfig;
  const lag = new LagTracker(systemWallClock);
  const acks = new PeerAcknowledgements();
  const fence = new MergeFence(config, under.store, lag, acks);
  // mergeStream (what this test drives) reads no table of its own: no data source needed.
  const merger = new Merger(
    under.store,
    [accountMergePolicy()],
    config,
    undefined as unknown as DataSource,
    undefined,
    fence,
  );
  return {
    name,
    under,
    stamped: 0,
    lag,
    acks,
    merger,
    moves: new HomeMoves(under.store, config, [accountMergePolicy()]),
  };
}

describe('moving a stream home region: one merger per fork (real PostgreSQL)', () => {
  const regions = new Map<string, Region>();
  const region = (name: string) => regions.get(name)!;

  beforeAll(async () => {
    for (const name of REGIONS) regions.set(name, await openRegion(name));
  });
  afterAll(async () => {
    for (const r of regions.values()) await r.under.close();
  });

  /** Stamps what `r` wrote locally, as its sequencer would. */
  async function stamp(r: Region, written: number): Promise<void> {
    r.stamped += written;
    await stampAll(r.under.database.url, r.name, r.stamped);
  }

  /** `to` pulls everything `from` holds of `from`'s own origin. */
  async function pull(to: Region, from: Region): Promise<void> {
    await to.under.store.applyReplicated(
      await readOriginFeed(from.under.database.url, from.name, null),
    );
  }

  /** `to` pulls every origin from every other region (replication healed). */
  async function catchUp(to: Region): Promise<void> {
    for (const origin of REGIONS)
      if (origin !== to.name)
        for (const from of regions.values())
          if (from.name !== to.name)
            await to.under.store.applyReplicated(
              await readOriginFeed(from.under.database.url, origin, null),
            );
  }

  /** What a peer's hello/heartbeat and acknowledgement tell `r`. */
  async function hear(r: Region, peer: Region): Promise<void> {
    const vector = await peer.under.store.knowledge();
    r.lag.observeLocal(await r.under.store.knowledge());
    r.lag.observePeer(peer.name, vector);
    r.acks.record(peer.name, vector, Date.now());
  }

  const events = async (r: Region, streamId: string): Promise<StoredEvent[]> =>
    r.under.store.readStream(streamId);
  const mergesIn = async (r: Region, streamId: string) =>
    (await events(r, streamId)).filter((e) => e.type === MERGE_EVENT_TYPE);

  const money = (type: string, accountId: string, amount: string): NewEvent => ({
    eventId: randomUUID(),
    type,
    schemaVersion: 1,
    data: { accountId, amount, at: new Date().toISOString() },
  });

  /**
   * An account homed in eu-west-1 with 100 in it; then eu-west-1 goes down
   * (it holds `euHolds` of what follows) while us-east-1 withdraws 80 and
   * ap-southeast-1 withdraws 70 concurrently: a fork only the home may merge.
   */
  async function forkWhileHomeIsDown(): Promise<{ accountId: string; streamId: string }> {
    const accountId = randomUUID();
    const streamId = accountStreamId(accountId);
    const eu = region(EU);
    const opened: AccountOpened = {
      type: 'ledger.AccountOpened',
      data: {
        accountId,
        ownerName: 'Ada',
        ownerEmail: null,
        currency: 'EUR',
        residency: null,
        homeRegion: EU,
        at: new Date().toISOString(),
      },
      metadata: { eventId: randomUUID() },
    };
    await eu.under.store.append(
      streamId,
      [
        {
          eventId: opened.metadata.eventId,
          type: opened.type,
          schemaVersion: 1,
          data: { ...opened.data, residency: null },
        },
        money('ledger.FundsDeposited', accountId, '100'),
      ],
      { expectedRevision: 'no_stream', streamMetadata: accountStreamMetadata(opened) },
    );
    await stamp(eu, 2);
    for (const name of [US, AP]) await pull(region(name), eu);

    await region(US).under.store.append(
      streamId,
      [money('ledger.FundsWithdrawn', accountId, '80')],
      { expectedRevision: 2 },
    );
    await region(AP).under.store.append(
      streamId,
      [money('ledger.FundsWithdrawn', accountId, '70')],
      { expectedRevision: 2 },
    );
    await stamp(region(US), 1);
    await stamp(region(AP), 1);
    await pull(region(US), region(AP));
    await pull(region(AP), region(US));
    return { accountId, streamId };
  }

  it('the home down: only it may merge; the operator moves home; the new home merges once; the old home, back, does not', async () => {
    const { streamId } = await forkWhileHomeIsDown();
    const [eu, us, ap] = [region(EU), region(US), region(AP)];
    // eu-west-1 received both withdrawals just before it went down: it holds the fork too.
    await pull(eu, us);
    await pull(eu, ap);

    // Nobody but the (down) home merges: the fork stays pending.
    expect(await us.merger.mergeStream(streamId)).toBe('not-home');
    expect(await ap.merger.mergeStream(streamId)).toBe('not-home');

    // Problems: the move goes to the new home's geode; one region at a time.
    await expect(
      us.moves.move({
        streamId,
        region: AP,
        reason: 'eu down',
        operator: 'ops',
        eventId: randomUUID(),
      }),
    ).rejects.toMatchObject({ response: { type: 'not-new-home', status: 409 } });
    await expect(
      us.moves.move({
        streamId: accountStreamId(randomUUID()),
        region: US,
        reason: 'eu down',
        operator: 'ops',
        eventId: randomUUID(),
      }),
    ).rejects.toMatchObject({ response: { type: 'not-found', status: 404 } });

    const moved = await us.moves.move({
      streamId,
      region: US,
      reason: 'eu-west-1 is down',
      operator: 'ops@geode',
      eventId: randomUUID(),
    });
    expect(moved).toMatchObject({ from: EU, to: US, revision: 5 });
    await stamp(us, 1);
    const move = (await events(us, streamId)).find((e) => e.type === HOME_MOVE_EVENT_TYPE)!;
    expect(move.data).toEqual({
      streamId,
      from: EU,
      to: US,
      reason: 'eu-west-1 is down',
      operator: 'ops@geode',
    });
    // Joined the fork rather than hiding it: concurrent with ap's withdrawal.
    expect(move.deps).toEqual({ [EU]: 2 });
    await expect(
      us.moves.move({
        streamId,
        region: US,
        reason: 'again',
        operator: 'ops',
        eventId: randomUUID(),
      }),
    ).rejects.toMatchObject({ response: { type: 'home-unchanged' } });

    // The new home waits until ap-southeast-1 (every peer but the old home) has the move.
    await hear(us, ap);
    expect(await us.merger.mergeStream(streamId)).toBe('fenced');
    await pull(ap, us);
    await hear(us, ap);
    expect(await us.merger.mergeStream(streamId)).toBe('merged');
    expect(await us.merger.mergeStream(streamId)).toBe('no-fork');
    expect(await ap.merger.mergeStream(streamId)).toBe('not-home');

    // eu-west-1 comes back. Its own view still names itself: without a fence it would merge too.
    const euView = await events(eu, streamId);
    expect(mergeAuthority(streamId, EU, euView).region).toBe(EU);
    await hear(eu, us); // its puller's hello: us-east-1 holds more than eu-west-1 does
    expect(await eu.merger.mergeStream(streamId)).toBe('fenced');
    await catchUp(eu);
    // It now holds the move (not yet the merge): the fork is someone else's.
    expect(await eu.merger.mergeStream(streamId)).toBe('not-home');

    // Everyone converges on one merge, by the new home, and the same state.
    await stamp(us, 1);
    await catchUp(eu);
    expect(await eu.merger.mergeStream(streamId)).toBe('no-fork');
    for (const r of [eu, ap]) await catchUp(r);
    await catchUp(us);
    const states = [];
    for (const r of [eu, us, ap]) {
      const merges = await mergesIn(r, streamId);
      expect(merges).toHaveLength(1);
      expect(merges[0].data).toMatchObject({ resolvedBy: { kind: 'region', region: US } });
      states.push(foldAccountStream(await events(r, streamId)));
    }
    expect(states[0]).toEqual(states[1]);
    expect(states[1]).toEqual(states[2]);
    expect(states[0]).toMatchObject({ balance: -50n, homeRegion: US, status: 'overdrawn' });
  });

  it('two concurrent moves: both new homes wait for each other, then exactly one merges', async () => {
    const { streamId } = await forkWhileHomeIsDown();
    const [us, ap] = [region(US), region(AP)];

    const movedTo = async (r: Region) => {
      await r.moves.move({
        streamId,
        region: r.name,
        reason: `${EU} is down`,
        operator: `ops-${r.name}`,
        eventId: randomUUID(),
      });
      await stamp(r, 1);
    };
    await movedTo(us);
    await movedTo(ap);

    // Neither has heard of the other's move: neither merges its partial view.
    await hear(us, ap);
    await hear(ap, us);
    expect(await us.merger.mergeStream(streamId)).toBe('fenced');
    expect(await ap.merger.mergeStream(streamId)).toBe('fenced');

    // Replication exchanges the moves; each acknowledges what it now holds.
    await pull(us, ap);
    await pull(ap, us);
    await hear(us, ap);
    await hear(ap, us);
    // A third move is refused while these are pending.
    await expect(
      us.moves.move({ streamId, region: US, reason: 'x', operator: 'o', eventId: randomUUID() }),
    ).rejects.toMatchObject({ response: { type: expect.stringMatching(/home-/) } });

    const results = [await us.merger.mergeStream(streamId), await ap.merger.mergeStream(streamId)];
    expect([...results].sort()).toEqual(['merged', 'not-home']);
    const merger = results[0] === 'merged' ? us : ap;
    expect(mergeAuthority(streamId, EU, await events(us, streamId)).region).toBe(merger.name);

    await stamp(merger, 1);
    await pull(merger === us ? ap : us, merger);
    for (const r of [us, ap]) {
      expect(await mergesIn(r, streamId)).toHaveLength(1);
      expect(await r.merger.mergeStream(streamId)).toBe('no-fork');
    }
    expect(foldAccountStream(await events(us, streamId))).toEqual(
      foldAccountStream(await events(ap, streamId)),
    );
  });
});
