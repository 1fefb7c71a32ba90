import { Client } from 'pg';
import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import { HeldAppend } from '../testing/held-transaction';
import type { LogEntry } from '../event-store.port';
import { Sequencer } from './sequencer';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(20);
  }
}

/** Collects a subscription's entries in the background. */
function collect(subject: StoreUnderTest) {
  const seen: LogEntry[] = [];
  const subscription = subject.store.subscribe({ batchSize: 2 });
  const running = (async () => {
    for await (const entry of subscription) seen.push(entry);
  })();
  return { seen, stop: () => subscription.close().then(() => running) };
}

describe('gap-safety: a transaction that takes its positions early and commits late', () => {
  let subject: StoreUnderTest;
  beforeEach(async () => {
    subject = await createStoreUnderTest();
  });
  afterEach(() => subject.close());

  it('is still delivered to a live subscriber, which never runs ahead of it', async () => {
    const live = collect(subject);
    const late = deposit('late');
    const held = await HeldAppend.begin(subject.database.url, 'eu-west-1', stream(), [late]);
    const later = [deposit('a'), deposit('b'), deposit('c')];
    for (const event of later)
      await subject.store.append(stream(), [event], { expectedRevision: 'no_stream' });
    expect(await subject.store.readAll()).toEqual([]);

    // The later appends have committed with higher positions, but the held
    // transaction is older: nothing may be delivered past it.
    await sleep(300);
    expect(live.seen).toEqual([]);

    await held.commit();
    await until(() => (live.seen.length === 4 ? true : undefined));
    await live.stop();
    expect(live.seen.map((e) => e.event.eventId)).toEqual([late, ...later].map((e) => e.eventId));
  });

  it('is delivered even when a younger-positioned, older transaction commits first', async () => {
    // X gets its transaction id first, A takes a lower position, X inserts later
    // and commits while A is still open: a reader ordered by position alone
    // would pass A's position and lose it.
    const x = new Client({ connectionString: subject.database.url });
    await x.connect();
    await x.query('BEGIN');
    await x.query('SELECT pg_current_xact_id()');
    const a = await HeldAppend.begin(subject.database.url, 'eu-west-1', stream(), [deposit('A')]);
    const xEvent = deposit('X');
    await x.query('SELECT geode_append_batch($1, $2, false)', [
      'eu-west-1',
      JSON.stringify([
        {
          stream: stream(),
          category: 'account',
          expected: 'any',
          deps: null,
          meta: null,
          events: [
            {
              id: xEvent.eventId,
              type: xEvent.type,
              v: 1,
              data: xEvent.data,
              metadata: {},
              hw: Date.now(),
              hl: 0,
            },
          ],
        },
      ]),
    ]);
    await x.query('COMMIT');
    await x.end();

    const live = collect(subject);
    await until(() => (live.seen.length === 1 ? true : undefined));
    expect(live.seen[0].event.data.amount).toBe('X');
    await a.commit();
    await until(() => (live.seen.length === 2 ? true : undefined));
    await live.stop();
    expect(live.seen.map((e) => e.event.data.amount)).toEqual(['X', 'A']);
    expect(live.seen[1].checkpoint.position).toBeLessThan(live.seen[0].checkpoint.position);
  });

  it('is stamped by the sequencer in log order, with no gap and no skip', async () => {
    const sequencer = new Sequencer({ url: subject.database.url, region: 'eu-west-1' });
    sequencer.start();
    try {
      const late = deposit('late');
      const held = await HeldAppend.begin(subject.database.url, 'eu-west-1', stream(), [late]);
      const later = [deposit('a'), deposit('b')];
      for (const event of later)
        await subject.store.append(stream(), [event], { expectedRevision: 'no_stream' });
      await sleep(300);
      expect(await subject.store.knowledge()).toEqual({});

      await held.commit();
      await until(async () =>
        (await subject.store.knowledge())['eu-west-1'] === 3 ? true : undefined,
      );
      const stamped = (await subject.store.readAll()).map((e) => [
        e.event.data.amount,
        e.event.origin?.seq,
      ]);
      expect(stamped).toEqual([
        ['late', 1],
        ['a', 2],
        ['b', 3],
      ]);
      expect(await subject.store.verifyChain('eu-west-1')).toEqual({
        origin: 'eu-west-1',
        checked: 3,
        firstBroken: null,
      });
    } finally {
      await sequencer.stop();
    }
  });
});
