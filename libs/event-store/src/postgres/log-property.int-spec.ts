import fc from 'fast-check';
import type { NewEvent } from '../event-envelope';
import type { LogCheckpoint, LogEntry, Subscription } from '../event-store.port';
import { LOG_START } from '../event-store.port';
import { eventually, sleep } from '../testing/eventually';
import { OpenTransaction } from '../testing/open-transaction';
import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import type { PostgresEventStore } from './postgres-event-store';

/** A plain append through one of the two processes' stores (group commit). */
interface StoreAppend {
  kind: 'append';
  store: number;
  stream: number;
  events: number;
  startMs: number;
}

/** An append in a transaction held open while others commit, then ended. */
interface HeldAppend {
  kind: 'held';
  stream: number;
  events: number;
  startMs: number;
  /** Take the transaction id this long before writing (0: at the write). */
  xidEarlyMs: number;
  holdMs: number;
  end: 'commit' | 'rollback';
}

type Operation = StoreAppend | HeldAppend;

const STREAMS = 4;
const operation: fc.Arbitrary<Operation> = fc.oneof(
  fc.record({
    kind: fc.constant('append' as const),
    store: fc.nat(1),
    stream: fc.nat(STREAMS - 1),
    events: fc.integer({ min: 1, max: 3 }),
    startMs: fc.nat(40),
  }),
  fc.record({
    kind: fc.constant('held' as const),
    stream: fc.nat(STREAMS - 1),
    events: fc.integer({ min: 1, max: 3 }),
    startMs: fc.nat(40),
    xidEarlyMs: fc.oneof(fc.constant(0), fc.nat(30)),
    holdMs: fc.nat(60),
    end: fc.constantFrom('commit' as const, 'rollback' as const),
  }),
);

/** Log order, as the checkpoints' contract has it: transaction id, then position. */
const compareCheckpoints = (a: LogCheckpoint, b: LogCheckpoint) =>
  BigInt(a.txId) < BigInt(b.txId)
    ? -1
    : BigInt(a.txId) > BigInt(b.txId)
      ? 1
      : Math.sign(a.position - b.position);

/** The whole log after `after`, page by page. */
async function readLogAfter(store: PostgresEventStore, after: LogCheckpoint): Promise<LogEntry[]> {
  const all: LogEntry[] = [];
  for (let page = await store.readAll({ after, limit: 1_000 }); page.length;) {
    all.push(...page);
    page = await store.readAll({ after: page[page.length - 1].checkpoint, limit: 1_000 });
  }
  return all;
}

/** Runs a subscription in the background and keeps what it delivers. */
function follow(subscription: Subscription) {
  const seen: LogEntry[] = [];
  const running = (async () => {
    for await (const entry of subscription) seen.push(entry);
  })();
  return { seen, stop: () => subscription.close().then(() => running) };
}

describe('PostgreSQL event store: the local log under random interleavings (property)', () => {
  let subject: StoreUnderTest;
  let stores: PostgresEventStore[];

  beforeAll(async () => {
    subject = await createStoreUnderTest();
    stores = [subject.store, await subject.another()];
  });
  afterAll(() => subject.close());

  it('every subscriber sees each committed event exactly once, no rolled-back one, in readAll order, with strictly increasing checkpoints', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 20 }), async (operations) => {
        // Runs share the database: each starts where the log ends now.
        const before = await readLogAfter(subject.store, LOG_START);
        const start = before.length ? before[before.length - 1].checkpoint : LOG_START;
        const streams = Array.from({ length: STREAMS }, () => stream());
        const subscribers = [
          follow(stores[0].subscribe({ after: start })),
          follow(stores[1].subscribe({ after: start, batchSize: 2 })),
        ];
        const committed = new Set<string>();
        const rolledBack = new Set<string>();

        const run = async (op: Operation) => {
          await sleep(op.startMs);
          const events: NewEvent[] = Array.from({ length: op.events }, () => deposit());
          const ids = events.map((e) => e.eventId);
          if (op.kind === 'append') {
            await stores[op.store].append(streams[op.stream], events, { expectedRevision: 'any' });
            ids.forEach((id) => committed.add(id));
            return;
          }
          const tx = await OpenTransaction.begin(subject.database.url);
          if (op.xidEarlyMs > 0) {
            await tx.takeTransactionId();
            await sleep(op.xidEarlyMs);
          }
          const response = await tx.append('eu-west-1', streams[op.stream], events);
          expect(response.status).toBe('ok');
          await sleep(op.holdMs);
          if (op.end === 'commit') {
            await tx.commit();
            ids.forEach((id) => committed.add(id));
          } else {
            await tx.rollback();
            ids.forEach((id) => rolledBack.add(id));
          }
        };
        try {
          await Promise.all(operations.map(run));
          // Quiescence: a last append after everything else; once a subscriber
          // has it, everything before it in the log has passed.
          const sentinel = deposit('sentinel');
          await subject.store.append(stream('sentinel'), [sentinel], {
            expectedRevision: 'no_stream',
          });
          committed.add(sentinel.eventId);
          await eventually(
            'both subscribers reach the last append',
            () =>
              subscribers.every((s) => s.seen.some((e) => e.event.eventId === sentinel.eventId))
                ? true
                : undefined,
            5_000,
          );
        } finally {
          await Promise.all(subscribers.map((s) => s.stop()));
        }

        const log = await readLogAfter(subject.store, start);
        const logIds = log.map((e) => e.event.eventId);
        expect([...logIds].sort()).toEqual([...committed].sort());
        for (const { seen } of subscribers) {
          const seenIds = seen.map((e) => e.event.eventId);
          expect(seenIds).toEqual(logIds);
          expect(seenIds.filter((id) => rolledBack.has(id))).toEqual([]);
          expect(seen.map((e) => e.checkpoint)).toEqual(log.map((e) => e.checkpoint));
          for (let i = 1; i < seen.length; i++) {
            expect(compareCheckpoints(seen[i - 1].checkpoint, seen[i].checkpoint)).toBe(-1);
          }
          expect(compareCheckpoints(start, seen[0].checkpoint)).toBe(-1);
        }
      }),
      // A failing run shrinks; stop shrinking in time to report the seed and counterexample.
      { numRuns: 15, plugins: [fc.interruptAfterTimeLimit(40_000, { failOnInterrupt: true })] },
    );
  }, 60_000);
});
