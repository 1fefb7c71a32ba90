import { randomUUID } from 'node:crypto';
import { DuplicateEventId, RevisionConflict } from '../errors';
import type { NewEvent } from '../event-envelope';
import type { AppendResult, ExpectedRevision } from '../event-store.port';
import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import { eventually } from '../testing/eventually';
import { untilLogShows } from '../testing/log-horizon';
import { OpenTransaction } from '../testing/open-transaction';
import { sql } from '../testing/sql';
import type { PostgresEventStore } from './postgres-event-store';

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The outcome of each call, fulfilled value or rejection reason, so a diff shows both. */
const settle = async <T>(calls: Promise<T>[]): Promise<(T | Error)[]> =>
  (await Promise.allSettled(calls)).map((o) =>
    o.status === 'fulfilled' ? o.value : (o.reason as Error),
  );

const isResult = (outcome: AppendResult | Error): outcome is AppendResult =>
  !(outcome instanceof Error);

describe('PostgreSQL event store: appends under concurrency', () => {
  let subject: StoreUnderTest;
  /** Two geode processes on one database; writers alternate between them. */
  let stores: PostgresEventStore[];
  const storeOf = (writer: number) => stores[writer % stores.length];

  beforeEach(async () => {
    subject = await createStoreUnderTest();
    stores = [subject.store, await subject.another()];
  });
  afterEach(() => subject.close());

  const backendsWaitingOnLocks = async () =>
    Number(
      (
        await sql<{ n: string }>(
          subject.database.url,
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        )
      )[0].n,
    );

  const countEvents = async (ids: string[]) =>
    Number(
      (
        await sql<{ n: string }>(
          subject.database.url,
          'SELECT count(*) AS n FROM geode_events WHERE event_id = ANY ($1::uuid[])',
          [ids],
        )
      )[0].n,
    );

  describe('many writers on one stream', () => {
    it('in rounds where 20 writers append with the revision they all read: one wins each round, every loser gets a RevisionConflict with expected and actual', async () => {
      const id = stream();
      const won: NewEvent[][] = [];
      for (let round = 0; round < 8; round++) {
        const before = won.flat().length;
        // All read, then all append: every round is a real race for one revision.
        const read = await Promise.all(range(0, 19).map((w) => storeOf(w).streamInfo(id)));
        const revisions = read.map((info) => info?.revision ?? 0);
        expect(revisions).toEqual(revisions.map(() => before));
        const proposals = range(0, 19).map((w) =>
          range(1, 1 + ((w + round) % 3)).map(() => deposit(`${round}.${w}`)),
        );
        const outcomes = await settle(
          proposals.map((events, w) =>
            storeOf(w).append(id, events, { expectedRevision: revisions[w] }),
          ),
        );

        const winners = range(0, 19).filter((w) => isResult(outcomes[w]));
        expect(winners).toHaveLength(1);
        const winner = winners[0];
        const after = before + proposals[winner].length;
        expect(outcomes[winner]).toMatchObject({ streamId: id, nextRevision: after });
        for (const w of range(0, 19).filter((w) => w !== winner)) {
          expect(outcomes[w]).toBeInstanceOf(RevisionConflict);
          expect(outcomes[w]).toMatchObject({
            code: 'revision-conflict',
            streamId: id,
            expected: before,
            actual: after,
          });
        }
        won.push(proposals[winner]);
      }

      const stored = await subject.store.readStream(id);
      const n = won.flat().length;
      expect(stored.map((e) => e.revision)).toEqual(range(1, n));
      expect(stored.map((e) => e.eventId)).toEqual(won.flat().map((e) => e.eventId));
      expect(stored.map((e) => e.dot)).toEqual(
        range(1, n).map((k) => ({ region: 'eu-west-1', n: k })),
      );
      expect((await subject.store.streamInfo(id))?.revision).toBe(n);
      expect(await countEvents(won.flat().map((e) => e.eventId))).toBe(n);
    });

    it('free-running read-then-append loops: the won ranges tile revisions 1..N with no overlap, and the stream holds exactly the winners', async () => {
      const id = stream();
      const target = 60;
      const wins: { from: number; to: number; events: NewEvent[] }[] = [];
      let conflicts = 0;
      const writer = async (w: number) => {
        const store = storeOf(w);
        for (;;) {
          const revision = (await store.streamInfo(id))?.revision ?? 0;
          if (revision >= target) return;
          const events = range(1, 1 + (w % 2)).map(() => deposit(String(w)));
          try {
            const result = await store.append(id, events, { expectedRevision: revision });
            expect(result.nextRevision).toBe(revision + events.length);
            wins.push({ from: revision + 1, to: result.nextRevision, events });
          } catch (error) {
            expect(error).toBeInstanceOf(RevisionConflict);
            expect(error).toMatchObject({ expected: revision });
            expect((error as RevisionConflict).actual).toBeGreaterThan(revision);
            conflicts += 1;
          }
        }
      };
      await Promise.all(range(0, 19).map(writer));

      wins.sort((a, b) => a.from - b.from);
      const n = wins[wins.length - 1].to;
      expect(wins.flatMap((win) => range(win.from, win.to))).toEqual(range(1, n));
      const stored = await subject.store.readStream(id);
      expect(stored.map((e) => e.eventId)).toEqual(
        wins.flatMap((win) => win.events.map((e) => e.eventId)),
      );
      expect(conflicts).toBeGreaterThan(0);
    });
  });

  it('32 writers on streams of their own, and another process writing beside them: no event lost, the revisions the writers were told are the stored ones, positions unique', async () => {
    const appendsPerWriter = 30;
    const writer = async (store: PostgresEventStore, w: number) => {
      const id = stream();
      let revision = 0;
      const written: string[] = [];
      const positions: number[] = [];
      for (let i = 0; i < appendsPerWriter; i++) {
        const events = range(1, (w + i) % 4 === 0 ? 5 : 1).map(() => deposit(`${w}.${i}`));
        const result = await store.append(id, events, { expectedRevision: revision });
        expect(result.nextRevision).toBe(revision + events.length);
        expect(result.positions).toHaveLength(events.length);
        revision = result.nextRevision;
        written.push(...events.map((e) => e.eventId));
        positions.push(...result.positions);
      }
      return { id, revision, written, positions };
    };
    const writers = await Promise.all([
      ...range(0, 31).map((w) => writer(subject.store, w)),
      ...range(32, 39).map((w) => writer(stores[1], w)),
    ]);

    const total = writers.reduce((sum, w) => sum + w.written.length, 0);
    const [{ n }] = await sql<{ n: string }>(
      subject.database.url,
      'SELECT count(*) AS n FROM geode_events',
    );
    expect(Number(n)).toBe(total);
    const streams = await sql<{ stream_id: string; revision: string }>(
      subject.database.url,
      'SELECT stream_id, revision FROM geode_streams ORDER BY stream_id',
    );
    expect(streams.map((s) => [s.stream_id, Number(s.revision)])).toEqual(
      writers.map((w) => [w.id, w.revision]).sort((a, b) => (a[0] < b[0] ? -1 : 1)),
    );
    for (const w of writers) {
      const stored = await subject.store.readStream(w.id);
      expect(stored.map((e) => e.eventId)).toEqual(w.written);
      expect(stored.map((e) => e.revision)).toEqual(range(1, w.revision));
      expect(stored.map((e) => e.position)).toEqual(w.positions);
    }
    const positions = writers.flatMap((w) => w.positions);
    expect(new Set(positions).size).toBe(total);
    await untilLogShows(subject.store, total);
    const log = await subject.store.readAll({ limit: 10_000 });
    expect(log).toHaveLength(total);
    expect(new Set(log.map((entry) => entry.event.position))).toEqual(new Set(positions));
  });

  it('one bad append among concurrent ones is refused alone: the others in its group-commit batch still commit', async () => {
    // PostgreSQL's jsonb cannot hold U+0000; the other nine appends did nothing wrong.
    const streams = range(0, 9).map(() => stream());
    const outcomes = await settle(
      streams.map((id, k) =>
        subject.store.append(
          id,
          [k === 5 ? deposit('1', { data: { amount: '1', memo: 'nul \u0000 byte' } }) : deposit()],
          { expectedRevision: 'no_stream' },
        ),
      ),
    );

    expect(outcomes.map((o, k) => [k, isResult(o) ? 'ok' : o.constructor.name])).toEqual(
      range(0, 9).map((k) => [k, k === 5 ? 'InvalidEvent' : 'ok']),
    );
    expect(outcomes[5]).toMatchObject({ code: 'invalid-event' });
    expect(await subject.store.readStream(streams[5])).toEqual([]);
  });

  describe('concurrent appends of the same event ids', () => {
    it.each<[string, ExpectedRevision, number]>([
      ['any', 'any', 0],
      ['no_stream', 'no_stream', 0],
      ['0, on a new stream', 0, 0],
      ['exists', 'exists', 1],
      ['1, the revision read', 1, 1],
    ])(
      'the same append sent 10 more times from two processes while the first is still committing (expected revision %s): stored once, every call answers the first result',
      async (_case, expectedRevision, existing) => {
        const id = stream();
        if (existing) {
          await subject.store.append(
            id,
            range(1, existing).map(() => deposit('0')),
            {
              expectedRevision: 'no_stream',
            },
          );
        }
        const events = [deposit('1'), deposit('2'), deposit('3')];
        // The first copy holds its transaction open, so every retry arrives mid-commit.
        const first = await OpenTransaction.begin(subject.database.url);
        const response = await first.append('eu-west-1', id, events, { expectedRevision });
        expect(response.status).toBe('ok');
        const retries = settle(
          range(0, 9).map((k) =>
            // A copy per call, as a client retrying over the network would send.
            storeOf(k).append(
              id,
              events.map((e) => ({ ...e, data: { ...e.data } })),
              {
                expectedRevision,
              },
            ),
          ),
        );
        // Both processes have both their group-commit batches waiting on the first copy's locks.
        await eventually('retries waiting on the first copy', async () =>
          (await backendsWaitingOnLocks()) >= 4 ? true : undefined,
        );
        await first.commit();
        const outcomes = await retries;

        // Every call answers what `append` answered the first time: the stored events.
        const stored = await subject.store.readStream(id);
        expect(stored.map((e) => e.eventId)).toEqual([
          ...stored.slice(0, existing).map((e) => e.eventId),
          ...events.map((e) => e.eventId),
        ]);
        const mine = stored.slice(existing);
        const firstResult: AppendResult = {
          streamId: id,
          nextRevision: existing + 3,
          positions: mine.map((e) => e.position),
          dots: mine.map((e) => e.dot),
          hlcs: mine.map((e) => e.hlc),
        };
        expect(outcomes).toEqual(outcomes.map(() => firstResult));
        expect(await countEvents(events.map((e) => e.eventId))).toBe(3);
      },
    );

    it('one id with 10 different contents at once, on 10 streams from two processes: one wins, the others get DuplicateEventId', async () => {
      const shared = randomUUID();
      const variants = range(0, 9).map((k) => deposit(String(k), { eventId: shared }));
      const streams = variants.map(() => stream());
      const outcomes = await settle(
        variants.map((event, k) =>
          storeOf(k).append(streams[k], [event], { expectedRevision: 'no_stream' }),
        ),
      );

      const winners = range(0, 9).filter((k) => isResult(outcomes[k]));
      expect(winners).toHaveLength(1);
      for (const k of range(0, 9).filter((k) => k !== winners[0])) {
        expect(outcomes[k]).toBeInstanceOf(DuplicateEventId);
        expect(outcomes[k]).toMatchObject({ code: 'duplicate-event-id', eventIds: [shared] });
        expect(await subject.store.readStream(streams[k])).toEqual([]);
      }
      const rows = await sql<{ stream_id: string; data: unknown }>(
        subject.database.url,
        'SELECT stream_id, data FROM geode_events WHERE event_id = $1',
        [shared],
      );
      expect(rows).toEqual([{ stream_id: streams[winners[0]], data: variants[winners[0]].data }]);
    });

    it('one id with different contents at once on one stream (expected any): one wins, the others get DuplicateEventId', async () => {
      const id = stream();
      const shared = randomUUID();
      const variants = range(0, 9).map((k) => deposit(String(k), { eventId: shared }));
      const outcomes = await settle(
        variants.map((event, k) => storeOf(k).append(id, [event], { expectedRevision: 'any' })),
      );

      const winners = range(0, 9).filter((k) => isResult(outcomes[k]));
      expect(winners).toHaveLength(1);
      expect(outcomes.filter((o) => o instanceof DuplicateEventId)).toHaveLength(9);
      const stored = await subject.store.readStream(id);
      expect(stored.map((e) => [e.eventId, e.data])).toEqual([[shared, variants[winners[0]].data]]);
    });

    it('a multi-event append that collides on one id with a concurrent append stores none of its other events', async () => {
      // Ten races at once; in half the rivals share a process (and so, often, a group-commit batch).
      const races = range(0, 9).map((k) => {
        const shared = deposit('shared');
        return {
          a: { id: stream(), events: [deposit('a1'), shared, deposit('a2')], store: subject.store },
          b: { id: stream(), events: [deposit('b1'), shared, deposit('b2')], store: storeOf(k) },
        };
      });
      const outcomes = await Promise.all(
        races.map(({ a, b }) =>
          settle(
            [a, b].map((side) =>
              side.store.append(side.id, side.events, { expectedRevision: 'no_stream' }),
            ),
          ),
        ),
      );

      for (const [k, { a, b }] of races.entries()) {
        const [ra, rb] = outcomes[k];
        expect([isResult(ra), isResult(rb)].sort()).toEqual([false, true]);
        const [winner, loser, refusal] = isResult(ra) ? [a, b, rb] : [b, a, ra];
        expect(refusal).toBeInstanceOf(DuplicateEventId);
        const stored = await subject.store.readStream(winner.id);
        expect(stored.map((e) => e.eventId)).toEqual(winner.events.map((e) => e.eventId));
        expect(await subject.store.readStream(loser.id)).toEqual([]);
        expect(await countEvents([loser.events[0].eventId, loser.events[2].eventId])).toBe(0);
        expect((await subject.store.streamInfo(loser.id))?.revision ?? 0).toBe(0);
      }
    });

    it('an append refused for its expected revision leaves no stream behind, not even the stream metadata it carried', async () => {
      // The loser of a race to create a stream, with a stale view ("exists")
      // and a residency of its own; the winner then creates the stream with
      // none. The refusal must not decide where the winner's payload may live.
      const id = stream();
      await expect(
        stores[1].append(id, [deposit('loser')], {
          expectedRevision: 'exists',
          streamMetadata: { homeRegion: 'us-east-1', residency: ['us-east-1'] },
        }),
      ).rejects.toThrow(RevisionConflict);
      const winner = deposit('winner');
      await subject.store.append(id, [winner], { expectedRevision: 'no_stream' });

      expect(await subject.store.streamInfo(id)).toMatchObject({
        revision: 1,
        homeRegion: 'eu-west-1',
        residency: null,
      });
      expect((await subject.store.readStream(id)).map((e) => [e.eventId, e.residency])).toEqual([
        [winner.eventId, null],
      ]);
    });
  });

  it('appendMany under concurrency: transfers that race each other and plain deposits never leave one side written without the other', async () => {
    const accounts = range(0, 3).map(() => stream());
    for (const id of accounts) {
      await subject.store.append(id, [deposit('1000')], { expectedRevision: 'no_stream' });
    }
    const attempts: { transferId: string; from: string; to: string; ok: boolean }[] = [];
    const transferrer = async (w: number) => {
      const store = storeOf(w);
      for (let t = 0; t < 6; t++) {
        // Both directions between the same accounts: lock order must not deadlock.
        const from = accounts[(w + t) % 4];
        const to = accounts[(w + t + 1 + (w % 3)) % 4];
        for (let attempt = 0; ; attempt++) {
          const [rf, rt] = await Promise.all([from, to].map((id) => store.streamInfo(id)));
          const transferId = randomUUID();
          const debit = deposit('10', {
            type: 'ledger.TransferDebited',
            data: { transferId, amount: '10' },
          });
          const credit = deposit('10', {
            type: 'ledger.TransferCredited',
            data: { transferId, amount: '10' },
          });
          try {
            const results = await store.appendMany([
              { streamId: from, events: [debit], options: { expectedRevision: rf!.revision } },
              { streamId: to, events: [credit], options: { expectedRevision: rt!.revision } },
            ]);
            expect(results.map((r) => [r.streamId, r.nextRevision])).toEqual([
              [from, rf!.revision + 1],
              [to, rt!.revision + 1],
            ]);
            attempts.push({ transferId, from, to, ok: true });
            break;
          } catch (error) {
            expect(error).toBeInstanceOf(RevisionConflict);
            expect([from, to]).toContain((error as RevisionConflict).streamId);
            attempts.push({ transferId, from, to, ok: false });
            if (attempt > 200) throw new Error(`transfer ${w}.${t} starved`, { cause: error });
          }
        }
      }
    };
    const depositor = async (w: number) => {
      for (let i = 0; i < 15; i++) {
        await storeOf(w).append(accounts[(w + i) % 4], [deposit('1')], { expectedRevision: 'any' });
      }
    };
    await Promise.all([...range(0, 11).map(transferrer), ...range(0, 1).map(depositor)]);

    const held = new Map<string, { debit?: string; credit?: string }>();
    for (const id of accounts) {
      const events = await subject.store.readStream(id);
      expect(events.map((e) => e.revision)).toEqual(range(1, events.length));
      for (const e of events) {
        const transferId = e.data.transferId as string | undefined;
        if (!transferId) continue;
        const sides = held.get(transferId) ?? {};
        if (e.type === 'ledger.TransferDebited') sides.debit = id;
        else sides.credit = id;
        held.set(transferId, sides);
      }
    }
    expect(attempts.filter((a) => a.ok)).toHaveLength(12 * 6);
    for (const attempt of attempts) {
      const sides = held.get(attempt.transferId);
      if (attempt.ok) expect(sides).toEqual({ debit: attempt.from, credit: attempt.to });
      else expect(sides).toBeUndefined();
    }
    expect(held.size).toBe(12 * 6);
  });
});
