import { chainHash, eventDigest, GENESIS_HASH } from '../canonical';
import { ReplicationRefused } from '../errors';
import type { StoredEvent, VersionVector } from '../event-envelope';
import type { RedactedMarker, ReplicatedEvent } from '../event-store.port';
import { readOriginFeed, stampAll } from '../testing/origin-feed';
import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import { untilLogShows } from '../testing/log-horizon';
import { sql } from '../testing/sql';

type Entry = ReplicatedEvent | RedactedMarker;

const EU = 'eu-west-1';
const US = 'us-east-1';

/** What must survive the trip between regions unchanged (revision and position are local). */
const replicatedPart = (e: StoredEvent) => ({
  eventId: e.eventId,
  streamId: e.streamId,
  type: e.type,
  schemaVersion: e.schemaVersion,
  data: e.data,
  metadata: e.metadata,
  dot: e.dot,
  deps: e.deps,
  hlc: e.hlc,
  residency: e.residency,
  origin: e.origin,
});

const copy = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
const isEvent = (entry: Entry): entry is ReplicatedEvent => !('redacted' in entry);

/** Rows under a receiving store: what a refused batch must not have left. */
async function held(receiver: StoreUnderTest) {
  const [row] = await sql<{ events: string; chain: string }>(
    receiver.database.url,
    `SELECT (SELECT count(*) FROM geode_events) AS events,
            (SELECT count(*) FROM geode_origin_log) AS chain`,
  );
  return { events: Number(row.events), chain: Number(row.chain) };
}

/** Writes a small history in eu-west-1 over three streams (8 events), stamps it, returns the streams. */
async function writeHistory(eu: StoreUnderTest): Promise<string[]> {
  const [a, b, c] = [stream(), stream(), stream('transfer')];
  await eu.store.append(a, [deposit('1'), deposit('2')], { expectedRevision: 'no_stream' });
  await eu.store.append(b, [deposit('3')], { expectedRevision: 'no_stream' });
  await eu.store.appendMany([
    { streamId: a, events: [deposit('4')], options: { expectedRevision: 2 } },
    {
      streamId: c,
      events: [deposit('5', { type: 'ledger.TransferStarted' })],
      options: { expectedRevision: 'no_stream' },
    },
  ]);
  await eu.store.append(
    b,
    [deposit('6', { metadata: { correlationId: 'c-6', principal: 'user:ann' } }), deposit('7')],
    {
      expectedRevision: 1,
    },
  );
  await eu.store.append(a, [deposit('8')], { expectedRevision: 3, deps: { [EU]: 1 } });
  await stampAll(eu.database.url, EU, 8);
  return [a, b, c];
}

describe('PostgreSQL event store: applying replicated entries from another region', () => {
  /** eu-west-1 decides and stamps; us-east-1 receives. Two regions, two databases. */
  let eu: StoreUnderTest;
  let us: StoreUnderTest;

  beforeEach(async () => {
    [eu, us] = await Promise.all([createStoreUnderTest(), createStoreUnderTest({ region: US })]);
  });
  afterEach(() => Promise.all([eu.close(), us.close()]));

  it('applies a stamped origin log in order: the same events with their origin stamps, knowledge at the head, a chain that verifies', async () => {
    const streams = await writeHistory(eu);
    const feed = await readOriginFeed(eu.database.url, EU, US);
    expect(feed.map((e) => e.origin.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(feed.every(isEvent)).toBe(true);

    expect(await us.store.applyReplicated(feed)).toEqual({
      applied: 8,
      duplicates: 0,
      knowledge: { [EU]: 8 },
    });

    expect(await us.store.knowledge()).toEqual({ [EU]: 8 });
    for (const id of streams) {
      const there = await eu.store.readStream(id);
      const here = await us.store.readStream(id);
      expect(here.map(replicatedPart)).toEqual(there.map(replicatedPart));
      expect(here.map((e) => e.revision)).toEqual(there.map((e) => e.revision));
      expect(
        here.every((e) => e.origin?.region === EU && /^[0-9a-f]{64}$/.test(e.origin.hash)),
      ).toBe(true);
    }
    // The receiver's own log holds them in origin order.
    await untilLogShows(us.store, 8);
    const log = await us.store.readAll();
    expect(log.map((e) => e.event.origin?.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await us.store.verifyChain(EU)).toEqual({ origin: EU, checked: 8, firstBroken: null });
    expect(await us.store.verifyChain(EU, 5)).toEqual({
      origin: EU,
      checked: 4,
      firstBroken: null,
    });
  });

  it('applying the same entries again changes nothing: they are counted as duplicates; an overlapping batch applies only what is new', async () => {
    await writeHistory(eu);
    const feed = await readOriginFeed(eu.database.url, EU, US);
    await us.store.applyReplicated(feed.slice(0, 3));
    expect(await us.store.applyReplicated(feed.slice(0, 3))).toEqual({
      applied: 0,
      duplicates: 3,
      knowledge: { [EU]: 3 },
    });
    expect(await held(us)).toEqual({ events: 3, chain: 3 });

    expect(await us.store.applyReplicated(feed)).toEqual({
      applied: 5,
      duplicates: 3,
      knowledge: { [EU]: 8 },
    });
    expect(await us.store.applyReplicated(feed)).toEqual({
      applied: 0,
      duplicates: 8,
      knowledge: { [EU]: 8 },
    });
    expect(await held(us)).toEqual({ events: 8, chain: 8 });
    expect(await us.store.verifyChain(EU)).toEqual({ origin: EU, checked: 8, firstBroken: null });
  });

  it('two pullers applying the same batch at once store it once', async () => {
    await writeHistory(eu);
    const feed = await readOriginFeed(eu.database.url, EU, US);
    const puller = await us.another();
    const results = await Promise.all([
      us.store.applyReplicated(feed),
      puller.applyReplicated(copy(feed)),
    ]);

    expect(results.map((r) => [r.applied, r.duplicates]).sort()).toEqual([
      [0, 8],
      [8, 0],
    ]);
    expect(await held(us)).toEqual({ events: 8, chain: 8 });
    expect(await us.store.verifyChain(EU)).toEqual({ origin: EU, checked: 8, firstBroken: null });
  });

  describe('refuses a batch whole, storing nothing of it and leaving knowledge as it was', () => {
    it('when it starts with a gap (seq = knowledge + 2), or has one inside', async () => {
      await writeHistory(eu);
      const feed = await readOriginFeed(eu.database.url, EU, US);

      const gap = expect.stringMatching(/gap/) as unknown;
      await expect(us.store.applyReplicated(feed.slice(1))).rejects.toMatchObject({
        code: 'replication-refused',
        origin: EU,
        seq: 2,
        reason: gap,
      });
      expect(await us.store.knowledge()).toEqual({});
      expect(await held(us)).toEqual({ events: 0, chain: 0 });

      await us.store.applyReplicated(feed.slice(0, 2));
      await expect(us.store.applyReplicated(feed.slice(3))).rejects.toThrow(ReplicationRefused);
      await expect(us.store.applyReplicated(feed.slice(3))).rejects.toMatchObject({
        seq: 4,
        reason: gap,
      });
      await expect(us.store.applyReplicated([feed[2], feed[3], feed[5]])).rejects.toMatchObject({
        seq: 6,
        reason: gap,
      });
      expect(await us.store.knowledge()).toEqual({ [EU]: 2 });
      expect(await held(us)).toEqual({ events: 2, chain: 2 });
    });

    it('when an entry it already holds comes back with another hash', async () => {
      await writeHistory(eu);
      const feed = await readOriginFeed(eu.database.url, EU, US);
      await us.store.applyReplicated(feed.slice(0, 3));
      const batch = copy(feed);
      batch[1].origin.hash = 'e'.repeat(64);

      await expect(us.store.applyReplicated(batch)).rejects.toMatchObject({ origin: EU, seq: 2 });
      expect(await us.store.knowledge()).toEqual({ [EU]: 3 });
      expect(await held(us)).toEqual({ events: 3, chain: 3 });
    });
  });

  describe('residency', () => {
    /** Origin history with a stream whose payload must stay in eu-west-1. */
    const writeResident = async () => {
      const [open, resident, shared] = [stream(), stream(), stream()];
      await eu.store.append(open, [deposit('1')], { expectedRevision: 'no_stream' });
      await eu.store.append(resident, [deposit('2'), deposit('3')], {
        expectedRevision: 'no_stream',
        streamMetadata: { residency: [EU] },
      });
      await eu.store.append(shared, [deposit('4')], {
        expectedRevision: 'no_stream',
        streamMetadata: { residency: [US, EU] },
      });
      await eu.store.append(open, [deposit('5')], { expectedRevision: 1 });
      await stampAll(eu.database.url, EU, 5);
      return { open, resident, shared };
    };

    it('a redacted marker is held as a chain entry only: no event row, the chain verifies, knowledge moves past it', async () => {
      const { open, resident, shared } = await writeResident();
      const feed = await readOriginFeed(eu.database.url, EU, US);
      expect(feed.map((e) => ('redacted' in e ? 'marker' : 'event'))).toEqual([
        'event',
        'marker',
        'marker',
        'event',
        'event',
      ]);
      expect(Object.keys(feed[1]).sort()).toEqual([
        'digest',
        'eventId',
        'origin',
        'redacted',
        'streamId',
      ]);

      // A marker extends the chain like any entry: one with a wrong hash is refused.
      const forged = copy(feed);
      forged[2].origin.hash = 'a'.repeat(64);
      await expect(us.store.applyReplicated(forged)).rejects.toMatchObject({
        seq: 3,
        reason: expect.stringMatching(/chain/) as unknown,
      });
      expect(await held(us)).toEqual({ events: 0, chain: 0 });

      expect(await us.store.applyReplicated(feed)).toEqual({
        applied: 5,
        duplicates: 0,
        knowledge: { [EU]: 5 },
      });

      const markerIds = [feed[1].eventId, feed[2].eventId];
      const rows = await sql<{ event_id: string }>(
        us.database.url,
        'SELECT event_id FROM geode_events WHERE event_id = ANY ($1::uuid[]) OR stream_id = $2',
        [markerIds, resident],
      );
      expect(rows).toEqual([]);
      const chain = await sql<{ origin_seq: string; redacted: boolean }>(
        us.database.url,
        'SELECT origin_seq, redacted FROM geode_origin_log ORDER BY origin_seq',
      );
      expect(chain.map((r) => [Number(r.origin_seq), r.redacted])).toEqual([
        [1, false],
        [2, true],
        [3, true],
        [4, false],
        [5, false],
      ]);
      expect(await us.store.readStream(resident)).toEqual([]);
      expect((await us.store.readStream(open)).map((e) => e.data.amount)).toEqual(['1', '5']);
      expect(
        (await us.store.readStream(shared)).map((e) => [e.data.amount, [...e.residency!].sort()]),
      ).toEqual([['4', [US, EU].sort()]]);
      expect(await us.store.knowledge()).toEqual({ [EU]: 5 });
      expect(await us.store.verifyChain(EU)).toEqual({ origin: EU, checked: 5, firstBroken: null });
      // Applying it again is still a no-op, markers included.
      expect(await us.store.applyReplicated(feed)).toEqual({
        applied: 0,
        duplicates: 5,
        knowledge: { [EU]: 5 },
      });
    });

    it('a full event whose residency excludes this region is refused, with the whole batch', async () => {
      await writeResident();
      const unredacted = await readOriginFeed(eu.database.url, EU, null);
      expect(unredacted.every(isEvent)).toBe(true);

      await expect(us.store.applyReplicated(unredacted)).rejects.toMatchObject({
        code: 'replication-refused',
        origin: EU,
        seq: 2,
        reason: expect.stringMatching(/residency/) as unknown,
      });
      expect(await us.store.knowledge()).toEqual({});
      expect(await held(us)).toEqual({ events: 0, chain: 0 });
    });
  });

  it('replicated events take the next local revisions of a stream that has local events, and local appends continue after them', async () => {
    const id = stream();
    await eu.store.append(id, [deposit('eu1'), deposit('eu2')], { expectedRevision: 'no_stream' });
    await eu.store.append(id, [deposit('eu3')], { expectedRevision: 2 });
    await stampAll(eu.database.url, EU, 3);
    await us.store.append(id, [deposit('us1'), deposit('us2')], { expectedRevision: 'no_stream' });

    await us.store.applyReplicated(await readOriginFeed(eu.database.url, EU, US));

    const events = await us.store.readStream(id);
    expect(events.map((e) => [e.revision, e.data.amount, e.dot])).toEqual([
      [1, 'us1', { region: US, n: 1 }],
      [2, 'us2', { region: US, n: 2 }],
      [3, 'eu1', { region: EU, n: 1 }],
      [4, 'eu2', { region: EU, n: 2 }],
      [5, 'eu3', { region: EU, n: 3 }],
    ]);
    expect(events.map((e) => e.origin?.seq ?? null)).toEqual([null, null, 1, 2, 3]);
    expect(await us.store.streamInfo(id)).toMatchObject({
      revision: 5,
      vector: { [US]: 2, [EU]: 3 },
    });

    // A writer that read the stream before the replicated events arrived is told so.
    await expect(
      us.store.append(id, [deposit('stale')], { expectedRevision: 2 }),
    ).rejects.toMatchObject({
      code: 'revision-conflict',
      actual: 5,
    });
    const next = await us.store.append(id, [deposit('us3')], { expectedRevision: 5 });
    expect(next).toMatchObject({ nextRevision: 6, dots: [{ region: US, n: 3 }] });
    expect((await us.store.readStream(id, { from: 6 }))[0].deps).toEqual({ [US]: 2, [EU]: 3 });
  });
});

describe('PostgreSQL event store: a replicated batch with one forged entry is refused whole', () => {
  // One origin history for every case; a fresh receiver each time.
  let eu: StoreUnderTest;
  let us: StoreUnderTest;
  let feed: Entry[];
  beforeAll(async () => {
    eu = await createStoreUnderTest();
    await writeHistory(eu);
    feed = await readOriginFeed(eu.database.url, EU, US);
  });
  afterAll(() => eu.close());
  beforeEach(async () => {
    us = await createStoreUnderTest({ region: US });
  });
  afterEach(() => us.close());

  const digestMismatch = /digest/;
  const brokenChain = /chain/;
  /** Each forger gets the entry at seq 5 and the genuine hash of seq 4. */
  const forgeries: [string, RegExp, (entry: ReplicatedEvent, previousHash: string) => void][] = [
    ['changed data, original digest', digestMismatch, (e) => void (e.data.amount = '4000')],
    [
      'changed metadata, original digest',
      digestMismatch,
      (e) => void (e.metadata.principal = 'user:mallory'),
    ],
    [
      'changed deps, original digest',
      digestMismatch,
      (e) => void (e.deps = { ...e.deps, [US]: 1 }),
    ],
    [
      'a changed hlc, original digest',
      digestMismatch,
      (e) => void (e.hlc = { ...e.hlc, logical: e.hlc.logical + 1 }),
    ],
    [
      'a changed dot counter, original digest',
      digestMismatch,
      (e) => void (e.dot = { ...e.dot, n: e.dot.n + 1 }),
    ],
    ['a widened residency, original digest', digestMismatch, (e) => void (e.residency = [EU, US])],
    [
      'moved to another stream, original digest',
      digestMismatch,
      (e) => void (e.streamId = stream()),
    ],
    ['a wrong hash', brokenChain, (e) => void (e.origin.hash = chainHash(GENESIS_HASH, e.digest))],
    [
      'changed data with a digest recomputed to match',
      brokenChain,
      (e) => {
        e.data.amount = '4000';
        e.digest = eventDigest(e);
      },
    ],
    [
      'an hlc ten minutes ahead of this geode, digest and hash made consistent',
      /ahead|future|drift/i,
      (e, previousHash) => {
        e.hlc = { wallMs: Date.now() + 10 * 60_000, logical: 0 };
        e.digest = eventDigest(e);
        e.origin.hash = chainHash(previousHash, e.digest);
      },
    ],
    [
      'a dot region other than the origin, digest and hash made consistent',
      /dot region/,
      (e, previousHash) => {
        e.dot = { region: US, n: e.dot.n };
        e.digest = eventDigest(e);
        e.origin.hash = chainHash(previousHash, e.digest);
      },
    ],
    [
      'a "__proto__" dependency beside the genuine ones, digest and hash of the genuine entry',
      /deps key "__proto__"/,
      // JSON.parse makes "__proto__" an own member, as a peer's JSON does.
      (e) => void (e.deps = Object.assign(JSON.parse('{"__proto__":7}') as VersionVector, e.deps)),
    ],
  ];

  it.each(forgeries)('%s', async (_case, reason, forge) => {
    await us.store.applyReplicated(feed.slice(0, 2));
    const batch = copy(feed);
    forge(batch[4] as ReplicatedEvent, batch[3].origin.hash);

    await expect(us.store.applyReplicated(batch)).rejects.toMatchObject({
      code: 'replication-refused',
      origin: EU,
      seq: 5,
      reason: expect.stringMatching(reason) as unknown,
    });
    expect(await us.store.knowledge()).toEqual({ [EU]: 2 });
    expect(await held(us)).toEqual({ events: 2, chain: 2 });
    // The genuine batch still applies afterwards.
    expect(await us.store.applyReplicated(feed)).toMatchObject({ applied: 6, duplicates: 2 });
  });
});
