import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import { Client } from 'pg';
import { createTestDatabase, TestDatabase } from '../../../../test/support/test-postgres';
import { eventually, sleep } from '../testing/eventually';
import { OpenTransaction } from '../testing/open-transaction';
import type { LogEntry } from '../event-store.port';
import { Sequencer } from './sequencer';

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
    const held = await OpenTransaction.begin(subject.database.url);
    await held.append('eu-west-1', stream(), [late]);
    const later = [deposit('a'), deposit('b'), deposit('c')];
    for (const event of later)
      await subject.store.append(stream(), [event], { expectedRevision: 'no_stream' });
    expect(await subject.store.readAll()).toEqual([]);

    // The later appends have committed with higher positions, but the held
    // transaction is older: nothing may be delivered past it.
    await sleep(300);
    expect(live.seen).toEqual([]);

    await held.commit();
    await eventually('all four delivered', () => (live.seen.length === 4 ? true : undefined));
    await live.stop();
    expect(live.seen.map((e) => e.event.eventId)).toEqual([late, ...later].map((e) => e.eventId));
  });

  it('is delivered even when a younger-positioned, older transaction commits first', async () => {
    // X gets its transaction id first, A takes a lower position, X inserts later
    // and commits while A is still open: a reader ordered by position alone
    // would pass A's position and lose it.
    const x = await OpenTransaction.begin(subject.database.url);
    await x.takeTransactionId();
    const a = await OpenTransaction.begin(subject.database.url);
    await a.append('eu-west-1', stream(), [deposit('A')]);
    await x.append('eu-west-1', stream(), [deposit('X')]);
    await x.commit();

    const live = collect(subject);
    await eventually('X delivered', () => (live.seen.length === 1 ? true : undefined));
    expect(live.seen[0].event.data.amount).toBe('X');
    await a.commit();
    await eventually('A delivered', () => (live.seen.length === 2 ? true : undefined));
    await live.stop();
    expect(live.seen.map((e) => e.event.data.amount)).toEqual(['X', 'A']);
    expect(live.seen[1].checkpoint.position).toBeLessThan(live.seen[0].checkpoint.position);
  });

  it('is stamped by the sequencer in log order, with no gap and no skip', async () => {
    const sequencer = new Sequencer({ url: subject.database.url, region: 'eu-west-1' });
    sequencer.start();
    try {
      const late = deposit('late');
      const held = await OpenTransaction.begin(subject.database.url);
      await held.append('eu-west-1', stream(), [late]);
      const later = [deposit('a'), deposit('b')];
      for (const event of later)
        await subject.store.append(stream(), [event], { expectedRevision: 'no_stream' });
      await sleep(300);
      expect(await subject.store.knowledge()).toEqual({});

      await held.commit();
      await eventually('three stamped', async () =>
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

describe('the log horizon counts only transactions that may write in this database', () => {
  let subject: StoreUnderTest;
  let elsewhere: TestDatabase;
  beforeEach(async () => {
    subject = await createStoreUnderTest();
    elsewhere = await createTestDatabase();
  });
  afterEach(async () => {
    await subject.close();
    await elsewhere.drop();
  });

  it('is not held back by a transaction open in another database of the server', async () => {
    const other = new Client({ connectionString: elsewhere.url });
    await other.connect();
    const sequencer = new Sequencer({ url: subject.database.url, region: 'eu-west-1' });
    try {
      await other.query('BEGIN');
      await other.query('SELECT pg_current_xact_id()'); // running, with an id older than ours
      const event = deposit('1');
      await subject.store.append(stream(), [event], { expectedRevision: 'no_stream' });

      expect((await subject.store.readAll()).map((e) => e.event.eventId)).toEqual([event.eventId]);
      sequencer.start();
      await eventually('stamped while the other transaction runs', async () =>
        (await subject.store.knowledge())['eu-west-1'] === 1 ? true : undefined,
      );
      const { rows } = await other.query<{ open: boolean }>(
        'SELECT pg_current_xact_id_if_assigned() IS NOT NULL AS open',
      );
      expect(rows[0].open).toBe(true); // it ran throughout
    } finally {
      await sequencer.stop();
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
    }
  });
});
