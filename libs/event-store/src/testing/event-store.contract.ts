import type { EventStore, LogEntry } from '../event-store.port';
import {
  DuplicateEventId,
  EventTooLarge,
  InvalidEvent,
  InvalidExpectedRevision,
  InvalidStreamId,
  RevisionConflict,
  StreamDeleted,
  UnknownDependency,
} from '../errors';
import { untilLogShows } from './log-horizon';
import { deposit, stream } from './postgres-event-store.factory';

export interface ContractSubject {
  store: EventStore;
  /** The region the store decides events in. */
  region: string;
  close(): Promise<void>;
}

/**
 * The behaviour every `EventStore` adapter must show. An adapter's int-spec
 * calls this with a factory that gives a fresh, empty store (max event size
 * 4096 bytes, so the size limit can be tested cheaply).
 */
export function describeEventStoreContract(
  adapter: string,
  open: () => Promise<ContractSubject>,
): void {
  describe(`EventStore contract: ${adapter}`, () => {
    let subject: ContractSubject;
    let store: EventStore;
    let region: string;
    beforeEach(async () => {
      subject = await open();
      store = subject.store;
      region = subject.region;
    });
    afterEach(() => subject.close());

    describe('append', () => {
      it('creates a stream, numbers revisions from 1 and gives each event a dot and its causal deps', async () => {
        const id = stream();
        const events = [deposit('10'), deposit('20'), deposit('30')];
        const result = await store.append(id, events, { expectedRevision: 'no_stream' });

        expect(result.nextRevision).toBe(3);
        expect(result.positions).toHaveLength(3);
        expect(result.dots).toEqual([1, 2, 3].map((n) => ({ region, n })));
        const stored = await store.readStream(id);
        expect(stored.map((e) => [e.eventId, e.revision, e.data.amount])).toEqual(
          events.map((e, i) => [e.eventId, i + 1, e.data.amount]),
        );
        expect(stored.map((e) => e.deps)).toEqual([{}, { [region]: 1 }, { [region]: 2 }]);
        expect(stored.map((e) => e.position)).toEqual(result.positions);
        for (let i = 1; i < stored.length; i++) {
          const [a, b] = [stored[i - 1].hlc, stored[i].hlc];
          expect(b.wallMs > a.wallMs || (b.wallMs === a.wallMs && b.logical > a.logical)).toBe(
            true,
          );
        }
        expect(stored[0]).toMatchObject({
          type: 'ledger.FundsDeposited',
          schemaVersion: 1,
          metadata: { correlationId: 'test' },
        });
      });

      it('checks every form of expected revision', async () => {
        const id = stream();
        await expect(store.append(id, [deposit()], { expectedRevision: 'exists' })).rejects.toThrow(
          RevisionConflict,
        );
        await expect(store.append(id, [deposit()], { expectedRevision: 1 })).rejects.toMatchObject({
          code: 'revision-conflict',
          expected: 1,
          actual: 0,
        });
        await store.append(id, [deposit()], { expectedRevision: 0 });
        await expect(
          store.append(id, [deposit()], { expectedRevision: 'no_stream' }),
        ).rejects.toThrow(RevisionConflict);
        await store.append(id, [deposit()], { expectedRevision: 'exists' });
        await store.append(id, [deposit()], { expectedRevision: 2 });
        await store.append(id, [deposit()], { expectedRevision: 'any' });
        await expect(store.append(id, [deposit()], { expectedRevision: 2 })).rejects.toMatchObject({
          streamId: id,
          expected: 2,
          actual: 4,
        });
        expect((await store.streamInfo(id))?.revision).toBe(4);
      });

      it('answers a retried append (same ids, same content) with the first result and stores nothing twice', async () => {
        const id = stream();
        const events = [deposit('1'), deposit('2')];
        const first = await store.append(id, events, { expectedRevision: 'no_stream' });
        const again = await store.append(id, events, { expectedRevision: 'no_stream' });
        expect(again).toEqual(first);
        expect(await store.readStream(id)).toHaveLength(2);
      });

      it('refuses a known event id with other content', async () => {
        const id = stream();
        const event = deposit('1');
        await store.append(id, [event], { expectedRevision: 'no_stream' });
        await expect(
          store.append(id, [{ ...event, data: { amount: '2' } }], { expectedRevision: 'any' }),
        ).rejects.toThrow(DuplicateEventId);
        await expect(store.append(stream(), [event], { expectedRevision: 'any' })).rejects.toThrow(
          DuplicateEventId,
        );
        expect(await store.readStream(id)).toHaveLength(1);
      });

      it('takes deps from the caller and refuses dots it does not hold', async () => {
        const id = stream();
        await store.append(id, [deposit(), deposit()], { expectedRevision: 'no_stream' });
        await store.append(id, [deposit()], { expectedRevision: 2, deps: { [region]: 1 } });
        expect((await store.readStream(id, { from: 3 }))[0].deps).toEqual({ [region]: 1 });
        await expect(
          store.append(id, [deposit()], { expectedRevision: 3, deps: { [region]: 9 } }),
        ).rejects.toThrow(UnknownDependency);
        await expect(
          store.append(id, [deposit()], { expectedRevision: 3, deps: { 'us-east-1': 1 } }),
        ).rejects.toMatchObject({
          code: 'unknown-dependency',
          missing: { 'us-east-1': 1 },
        });
        expect((await store.streamInfo(id))?.revision).toBe(3);
      });
    });

    describe('bad input is refused with a typed error and nothing is written', () => {
      const id = stream();
      it.each([
        [
          'an unknown expected revision form',
          id,
          [deposit()],
          { expectedRevision: 'latest' },
          InvalidExpectedRevision,
        ],
        [
          'a negative expected revision',
          id,
          [deposit()],
          { expectedRevision: -1 },
          InvalidExpectedRevision,
        ],
        [
          'a fractional expected revision',
          id,
          [deposit()],
          { expectedRevision: 1.5 },
          InvalidExpectedRevision,
        ],
        [
          'a stream id without category',
          'account',
          [deposit()],
          { expectedRevision: 'any' },
          InvalidStreamId,
        ],
        [
          'a stream id with spaces',
          'account-a b',
          [deposit()],
          { expectedRevision: 'any' },
          InvalidStreamId,
        ],
        ['an empty append', id, [], { expectedRevision: 'any' }, InvalidEvent],
        [
          'a non-UUID event id',
          id,
          [deposit('1', { eventId: 'abc' })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'an unnamed type',
          id,
          [deposit('1', { type: 'Deposited' })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'a reserved type',
          id,
          [deposit('1', { type: '$stream.deleted' })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'data that is not an object',
          id,
          [deposit('1', { data: [] as never })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'NaN in data',
          id,
          [deposit('1', { data: { amount: NaN } })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'an unsafe integer in data',
          id,
          [deposit('1', { data: { amount: 2 ** 60 } })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'a Date in data',
          id,
          [deposit('1', { data: { at: new Date() as never } })],
          { expectedRevision: 'any' },
          InvalidEvent,
        ],
        [
          'an oversize event',
          id,
          [deposit('x'.repeat(5_000))],
          { expectedRevision: 'any' },
          EventTooLarge,
        ],
        [
          'malformed deps',
          id,
          [deposit()],
          { expectedRevision: 'any', deps: { 'eu-west-1': -1 } },
          InvalidEvent,
        ],
      ])('%s', async (_case, streamId, events, options, error) => {
        await expect(store.append(streamId, events as never, options as never)).rejects.toThrow(
          error,
        );
        expect(await store.readAll()).toEqual([]);
      });

      it('the same id twice in one append', async () => {
        const event = deposit();
        await expect(
          store.append(stream(), [event, event], { expectedRevision: 'any' }),
        ).rejects.toThrow(/appears twice/);
        expect(await store.readAll()).toEqual([]);
      });
    });

    describe('appendMany', () => {
      it('appends to several streams at once', async () => {
        const [a, b] = [stream(), stream()];
        const results = await store.appendMany([
          { streamId: a, events: [deposit('1')], options: { expectedRevision: 'no_stream' } },
          {
            streamId: b,
            events: [deposit('2'), deposit('3')],
            options: { expectedRevision: 'no_stream' },
          },
        ]);
        expect(results.map((r) => [r.streamId, r.nextRevision])).toEqual([
          [a, 1],
          [b, 2],
        ]);
      });

      it('writes nothing when one stream refuses', async () => {
        const [a, b] = [stream(), stream()];
        await store.append(b, [deposit()], { expectedRevision: 'no_stream' });
        await expect(
          store.appendMany([
            { streamId: a, events: [deposit()], options: { expectedRevision: 'no_stream' } },
            { streamId: b, events: [deposit()], options: { expectedRevision: 'no_stream' } },
          ]),
        ).rejects.toMatchObject({ code: 'revision-conflict', streamId: b, actual: 1 });
        expect(await store.readStream(a)).toEqual([]);
        expect(await store.readStream(b)).toHaveLength(1);
      });
    });

    describe('reads', () => {
      it('reads a stream forwards, backwards, from a revision, with a limit', async () => {
        const id = stream();
        await store.append(
          id,
          [1, 2, 3, 4, 5].map((n) => deposit(String(n))),
          { expectedRevision: 'no_stream' },
        );
        const amounts = (events: { data: { amount?: unknown } }[]) =>
          events.map((e) => e.data.amount);
        expect(amounts(await store.readStream(id, { from: 2, limit: 2 }))).toEqual(['2', '3']);
        expect(amounts(await store.readStream(id, { direction: 'backwards', limit: 2 }))).toEqual([
          '5',
          '4',
        ]);
        expect(amounts(await store.readStream(id, { direction: 'backwards', from: 2 }))).toEqual([
          '2',
          '1',
        ]);
        expect(await store.readStream(stream())).toEqual([]);
      });

      it('iterates a long stream page by page', async () => {
        const id = stream();
        await store.append(
          id,
          Array.from({ length: 25 }, (_, i) => deposit(String(i))),
          { expectedRevision: 'no_stream' },
        );
        const seen: number[] = [];
        for await (const event of store.streamEvents(id, 10)) seen.push(event.revision);
        expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      });

      it('pages through the whole log with checkpoints, and filters by category or type prefix', async () => {
        const [account, transfer] = [stream('account'), stream('transfer')];
        await store.append(account, [deposit('1'), deposit('2')], {
          expectedRevision: 'no_stream',
        });
        await store.append(transfer, [deposit('3', { type: 'ledger.TransferStarted' })], {
          expectedRevision: 'no_stream',
        });
        await store.append(account, [deposit('4', { type: 'other.Thing' })], {
          expectedRevision: 2,
        });

        await untilLogShows(store, 4);
        const all: LogEntry[] = [];
        for (let page = await store.readAll({ limit: 1 }); page.length;) {
          all.push(...page);
          page = await store.readAll({ after: page[page.length - 1].checkpoint, limit: 1 });
        }
        expect(all.map((e) => e.event.data.amount)).toEqual(['1', '2', '3', '4']);
        const byCategory = await store.readAll({ filter: { categories: ['transfer'] } });
        expect(byCategory.map((e) => e.event.streamId)).toEqual([transfer]);
        const byType = await store.readAll({ filter: { typePrefixes: ['ledger.'] } });
        expect(byType.map((e) => e.event.data.amount)).toEqual(['1', '2', '3']);
      });

      it('subscribes: catches up, then receives what is appended later, in log order', async () => {
        const id = stream();
        await store.append(id, [deposit('1'), deposit('2')], { expectedRevision: 'no_stream' });
        const subscription = store.subscribe({ batchSize: 1 });
        const seen: string[] = [];
        const done = (async () => {
          for await (const entry of subscription) {
            seen.push(entry.event.data.amount as string);
            if (seen.length === 4) break;
          }
        })();
        await new Promise((resolve) => setTimeout(resolve, 100));
        await store.append(id, [deposit('3')], { expectedRevision: 2 });
        await store.append(stream(), [deposit('4')], { expectedRevision: 'no_stream' });
        await done;
        await subscription.close();
        expect(seen).toEqual(['1', '2', '3', '4']);
      });
    });

    describe('stream metadata and deletion', () => {
      it('records home region, residency and merge policy', async () => {
        const id = stream();
        await store.append(id, [deposit()], {
          expectedRevision: 'no_stream',
          streamMetadata: {
            homeRegion: 'us-east-1',
            residency: ['eu-west-1', 'eu-central-1'],
            mergePolicy: 'ledger.account',
          },
        });
        expect(await store.streamInfo(id)).toMatchObject({
          revision: 1,
          homeRegion: 'us-east-1',
          residency: ['eu-west-1', 'eu-central-1'],
          mergePolicy: 'ledger.account',
          deletedAt: null,
        });
        expect((await store.readStream(id))[0].residency).toEqual(['eu-west-1', 'eu-central-1']);
        await store.setStreamMetadata(id, { homeRegion: 'eu-west-1' });
        expect(await store.streamInfo(id)).toMatchObject({
          homeRegion: 'eu-west-1',
          residency: ['eu-west-1', 'eu-central-1'],
        });
        await expect(store.setStreamMetadata(id, { residency: [] })).rejects.toThrow(InvalidEvent);
        // A set: a region twice could not be digested, so the stream's events could never be stamped.
        await expect(
          store.setStreamMetadata(id, { residency: ['eu-west-1', 'eu-west-1'] }),
        ).rejects.toThrow(InvalidEvent);
      });

      it('tombstones a stream with an audit event and refuses further appends', async () => {
        const id = stream();
        await store.append(id, [deposit()], { expectedRevision: 'no_stream' });
        await expect(store.deleteStream(id, { expectedRevision: 5, reason: 'x' })).rejects.toThrow(
          RevisionConflict,
        );
        await store.deleteStream(id, { expectedRevision: 1, reason: 'customer asked' });
        const events = await store.readStream(id);
        expect(events.map((e) => e.type)).toEqual(['ledger.FundsDeposited', '$stream.deleted']);
        expect(events[1].data).toEqual({ reason: 'customer asked' });
        expect((await store.streamInfo(id))?.deletedAt).toBeInstanceOf(Date);
        await expect(store.append(id, [deposit()], { expectedRevision: 'any' })).rejects.toThrow(
          StreamDeleted,
        );
      });
    });

    it('reads its knowledge vector (nothing stamped yet: empty)', async () => {
      await store.append(stream(), [deposit()], { expectedRevision: 'no_stream' });
      expect(await store.knowledge()).toEqual({});
    });
  });
}
