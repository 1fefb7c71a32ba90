import { DuplicateEventId, RevisionConflict, StreamDeleted } from '../errors';
import type { AppendResult } from '../event-store.port';
import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import { sql } from '../testing/sql';

const EU = 'eu-west-1';

/**
 * One group-commit batch that mixes every kind of request: the common ones go
 * through the set-based statement (migration AppendSetBased), the rest through
 * the per-request path. Each must answer as it would alone.
 */
describe('PostgreSQL event store: a group-commit batch of mixed requests', () => {
  let subject: StoreUnderTest;
  // One batch in flight: appends made while it runs queue up and go together.
  beforeEach(async () => {
    subject = await createStoreUnderTest({ concurrentBatches: 1 });
  });
  afterEach(() => subject.close());

  it('answers each request as it would alone, in one transaction', async () => {
    const { store } = subject;
    const [b, c, d, e, f, g, h, i, j1, j2] = Array.from({ length: 10 }, () => stream());
    for (const existing of [b, c, d, g, h, i]) {
      await store.append(existing, [deposit()], { expectedRevision: 'no_stream' });
    }
    await store.deleteStream(h, { expectedRevision: 1, reason: 'test' });
    const retried = [deposit('7')];
    const first = await store.append(f, retried, { expectedRevision: 'no_stream' });
    const stored = deposit('8');
    await store.append(i, [stored], { expectedRevision: 1 });
    const shared = deposit('9');
    const [k1, k2] = [stream(), stream()].sort(); // batch order: k1 first
    for (const existing of [k1, k2]) {
      await store.append(existing, [deposit()], { expectedRevision: 'no_stream' });
    }
    const sharedByExisting = deposit('10');

    const blocker = store.append(stream(), [deposit()], { expectedRevision: 'no_stream' });
    const outcomes = await Promise.allSettled([
      store.append(b, [deposit()], { expectedRevision: 1 }),
      store.append(c, [deposit(), deposit()], { expectedRevision: 'any' }),
      store.append(d, [deposit()], { expectedRevision: 5 }),
      store.append(e, [deposit()], { expectedRevision: 'no_stream' }),
      store.append(f, retried, { expectedRevision: 'no_stream' }),
      store.append(g, [deposit()], { expectedRevision: 'any' }),
      store.append(g, [deposit()], { expectedRevision: 'any' }),
      store.append(h, [deposit()], { expectedRevision: 'any' }),
      store.append(i, [{ ...stored, data: { amount: '80' } }], { expectedRevision: 'any' }),
      store.append(j1, [shared], { expectedRevision: 'no_stream' }),
      store.append(j2, [shared], { expectedRevision: 'no_stream' }),
      store.append(k1, [sharedByExisting], { expectedRevision: 1 }),
      store.append(k2, [deposit(), sharedByExisting], { expectedRevision: 1 }),
    ]);
    await blocker;
    const value = (k: number) => (outcomes[k] as PromiseFulfilledResult<AppendResult>).value;
    const reason = (k: number) => (outcomes[k] as PromiseRejectedResult).reason as Error;

    expect(value(0)).toMatchObject({ nextRevision: 2, dots: [{ region: EU, n: 2 }] });
    expect(value(1)).toMatchObject({ nextRevision: 3, dots: [{ n: 2 }, { n: 3 }] });
    expect(value(1).positions[1]).toBeGreaterThan(value(1).positions[0]);
    expect(reason(2)).toBeInstanceOf(RevisionConflict);
    expect(reason(2)).toMatchObject({ actual: 1 });
    expect(value(3)).toMatchObject({ nextRevision: 1, dots: [{ n: 1 }] });
    expect(value(4)).toEqual(first);
    expect([value(5).nextRevision, value(6).nextRevision].sort()).toEqual([2, 3]);
    expect(reason(7)).toBeInstanceOf(StreamDeleted);
    expect(reason(8)).toBeInstanceOf(DuplicateEventId);
    // The same new event id on two streams: one stores it, the other is refused.
    const sharedOutcomes = [outcomes[9].status, outcomes[10].status].sort();
    expect(sharedOutcomes).toEqual(['fulfilled', 'rejected']);
    // The same on two existing streams (the set-based statement): the first in
    // the batch stores it; the other is refused whole, its other event too.
    expect(value(11)).toMatchObject({ nextRevision: 2 });
    expect(reason(12)).toBeInstanceOf(DuplicateEventId);

    // The stored rows: default deps (the vector before each event), and
    // nothing left of the refused requests.
    const rows = await sql<{ stream_id: string; revision: string; deps: object; tx: string }>(
      subject.database.url,
      `SELECT stream_id, revision, deps, tx_id::text AS tx FROM geode_events
        WHERE stream_id = ANY ($1) ORDER BY stream_id, revision`,
      [[b, c, d, e, g, h, i, j1, j2, k1, k2]],
    );
    const of = (streamId: string) => rows.filter((row) => row.stream_id === streamId);
    expect(of(b).map((row) => row.deps)).toEqual([{}, { [EU]: 1 }]);
    expect(of(c).map((row) => row.deps)).toEqual([{}, { [EU]: 1 }, { [EU]: 2 }]);
    expect(of(d)).toHaveLength(1);
    expect(of(g)).toHaveLength(3);
    expect(of(h)).toHaveLength(2); // its event and the deletion's
    expect(of(i)).toHaveLength(2);
    expect(of(j1).length + of(j2).length).toBe(1);
    expect(of(k2)).toHaveLength(1);
    const streams = await sql<{ stream_id: string; revision: string; vector: object }>(
      subject.database.url,
      `SELECT stream_id, revision, vector FROM geode_streams WHERE stream_id = ANY ($1)`,
      [[b, c, d, j1, j2, k2]],
    );
    expect(streams.find((row) => row.stream_id === b)).toMatchObject({ vector: { [EU]: 2 } });
    expect(streams.find((row) => row.stream_id === c)).toMatchObject({ vector: { [EU]: 3 } });
    expect(streams.find((row) => row.stream_id === d)).toMatchObject({ vector: { [EU]: 1 } });
    expect(streams.find((row) => row.stream_id === k2)).toMatchObject({
      revision: '1',
      vector: { [EU]: 1 },
    });
    // The refused stream of the two was not left behind.
    expect(streams.filter((row) => row.stream_id === j1 || row.stream_id === j2)).toHaveLength(1);
    // They went together: one transaction wrote b, c, e and g.
    const lastOf = (streamId: string) => of(streamId)[of(streamId).length - 1].tx;
    expect(new Set([lastOf(b), lastOf(c), lastOf(e), lastOf(g)]).size).toBe(1);
    expect(lastOf(b)).not.toBe(of(b)[0].tx);
  });
});
