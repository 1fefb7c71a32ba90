import { randomUUID } from 'node:crypto';
import { InvalidEvent, LOG_START, type RedactedMarker } from '@geode/event-store';
import { readOriginFeed, stampAll } from '../../../../libs/event-store/src/testing/origin-feed';
import {
  createStoreUnderTest,
  deposit,
  stream,
  type StoreUnderTest,
} from '../../../../libs/event-store/src/testing/postgres-event-store.factory';

// EventStore.locate: what session waits map tokens with (the one method this issue adds to the port).
const EU = 'eu-west-1';
const US = 'us-east-1';
let eu: StoreUnderTest;
let us: StoreUnderTest;

beforeAll(async () => {
  [eu, us] = await Promise.all([
    createStoreUnderTest({ region: EU }),
    createStoreUnderTest({ region: US }),
  ]);
});
afterAll(async () => {
  await Promise.all([eu?.close(), us?.close()]);
});

describe('EventStore.locate', () => {
  it('finds a local event by id at its log checkpoint, before and after it is stamped', async () => {
    const first = deposit('1');
    const second = deposit('2');
    await eu.store.append(stream(), [first, second], { expectedRevision: 'no_stream' });
    const log = await eu.store.readAll();
    const checkpointOf = (eventId: string) =>
      log.find((e) => e.event.eventId === eventId)!.checkpoint;
    expect(await eu.store.locate({ eventId: second.eventId })).toEqual(
      checkpointOf(second.eventId),
    );
    expect(await eu.store.locate({ eventId: randomUUID() })).toBeNull();

    expect(await eu.store.locate({ origin: EU, seq: 2 })).toBeNull(); // not stamped yet
    await stampAll(eu.database.url, EU, 2);
    expect(await eu.store.locate({ origin: EU, seq: 1 })).toEqual(checkpointOf(first.eventId));
    expect(await eu.store.locate({ origin: EU, seq: 2 })).toEqual(checkpointOf(second.eventId));
    expect(await eu.store.locate({ origin: EU, seq: 3 })).toBeNull();
    expect(await eu.store.locate({ origin: 'ap-south-1', seq: 1 })).toBeNull();
  });

  it('counts a redacted marker as held, at the latest event of its origin held before it', async () => {
    const secretly = {
      expectedRevision: 'no_stream' as const,
      streamMetadata: { residency: [US] },
    };
    await us.store.append(stream(), [deposit('3')], secretly);
    await us.store.append(stream(), [deposit('4')], { expectedRevision: 'no_stream' });
    await us.store.append(stream(), [deposit('5')], secretly);
    await stampAll(us.database.url, US, 3);

    const feed = await readOriginFeed(us.database.url, US, EU);
    expect(feed.map((entry) => 'redacted' in entry)).toEqual([true, false, true]);
    const receiver = await createStoreUnderTest({ region: EU });
    try {
      await receiver.store.applyReplicated(feed.slice(0, 1));
      const firstMarker = feed[0] as RedactedMarker;
      expect(await receiver.store.locate({ eventId: firstMarker.eventId })).toEqual(LOG_START);
      expect(await receiver.store.locate({ origin: US, seq: 2 })).toBeNull();
      await receiver.store.applyReplicated(feed.slice(1));
      const [held] = await receiver.store.readAll();
      expect(await receiver.store.locate({ origin: US, seq: 2 })).toEqual(held.checkpoint);
      const lastMarker = feed[2] as RedactedMarker;
      expect(await receiver.store.locate({ eventId: lastMarker.eventId })).toEqual(held.checkpoint);
      expect(await receiver.store.locate({ origin: US, seq: 3 })).toEqual(held.checkpoint);
    } finally {
      await receiver.close();
    }
  });

  it('refuses what is not a place in the log', async () => {
    await expect(eu.store.locate({ eventId: 'not-a-uuid' })).rejects.toBeInstanceOf(InvalidEvent);
    await expect(eu.store.locate({ origin: EU, seq: 0 })).rejects.toBeInstanceOf(InvalidEvent);
    await expect(eu.store.locate({ origin: EU, seq: 1.5 })).rejects.toBeInstanceOf(InvalidEvent);
  });
});
