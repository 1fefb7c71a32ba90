import {
  createStoreUnderTest,
  deposit,
  stream,
  StoreUnderTest,
} from '../testing/postgres-event-store.factory';
import { eventually, sleep } from '../testing/eventually';
import { sql } from '../testing/sql';
import { bodyDigest } from '../canonical';
import { Sequencer } from './sequencer';

const until = (probe: () => Promise<boolean> | boolean, timeoutMs = 15_000) =>
  eventually('condition', async () => ((await probe()) ? true : undefined), timeoutMs);

describe('Sequencer', () => {
  let subject: StoreUnderTest;
  const sequencers: Sequencer[] = [];
  const startSequencer = (options: Partial<ConstructorParameters<typeof Sequencer>[0]> = {}) => {
    const sequencer = new Sequencer({
      url: subject.database.url,
      region: 'eu-west-1',
      leaseRetryMs: 100,
      ...options,
    });
    sequencers.push(sequencer);
    sequencer.start();
    return sequencer;
  };
  const stampedUpTo = async () => (await subject.store.knowledge())['eu-west-1'] ?? 0;

  beforeEach(async () => {
    subject = await createStoreUnderTest();
  });
  afterEach(async () => {
    await Promise.all(sequencers.splice(0).map((s) => s.stop()));
    await subject.close();
  });

  it('stamps every local event once, gap-free, in log order, and the chain verifies', async () => {
    const lags: number[] = [];
    startSequencer({ onBatch: (batch) => lags.push(...batch.lagsMs) });
    const writes = Array.from({ length: 20 }, (_, i) =>
      subject.store.append(stream(), [deposit(String(i)), deposit(`${i}b`)], {
        expectedRevision: 'no_stream',
      }),
    );
    await Promise.all(writes);
    await until(async () => (await stampedUpTo()) === 40);

    const log = await subject.store.readAll({ limit: 100 });
    expect(log.map((entry) => entry.event.origin?.seq)).toEqual(
      Array.from({ length: 40 }, (_, i) => i + 1),
    );
    expect(
      log.every(
        (entry) =>
          entry.event.origin?.region === 'eu-west-1' &&
          /^[0-9a-f]{64}$/.test(entry.event.origin.hash),
      ),
    ).toBe(true);
    expect(await subject.store.verifyChain('eu-west-1')).toEqual({
      origin: 'eu-west-1',
      checked: 40,
      firstBroken: null,
    });
    const tail = await subject.store.readOriginLog('eu-west-1', {
      afterSeq: 38,
      receiver: 'us-east-1',
    });
    expect(tail.map((entry) => [entry.origin.seq, 'redacted' in entry])).toEqual([
      [39, false],
      [40, false],
    ]);
    expect(lags).toHaveLength(40);
  });

  it('stamps from the body digest its writer stored, which is the digest of the stored body', async () => {
    const id = stream();
    await subject.store.append(id, [deposit('1'), deposit('2', { metadata: {} })], {
      expectedRevision: 'no_stream',
    });
    const rows = await sql<{ body: string; event_id: string }>(
      subject.database.url,
      `SELECT encode(body_digest, 'hex') AS body, event_id FROM geode_events ORDER BY revision`,
    );
    const events = await subject.store.readStream(id);
    expect(rows.map((row) => row.body)).toEqual(events.map((event) => bodyDigest(event)));
    startSequencer();
    await until(async () => (await stampedUpTo()) === 2);
    expect((await subject.store.verifyChain('eu-west-1')).firstBroken).toBeNull();
  });

  it('stamps rows written without a body digest (before it was stored) from their content', async () => {
    await subject.store.append(stream(), [deposit('1'), deposit('2')], {
      expectedRevision: 'no_stream',
    });
    await sql(subject.database.url, `UPDATE geode_events SET body_digest = NULL`);
    startSequencer();
    await until(async () => (await stampedUpTo()) === 2);
    expect(await subject.store.verifyChain('eu-west-1')).toEqual({
      origin: 'eu-west-1',
      checked: 2,
      firstBroken: null,
    });
  });

  it('never takes a stored body digest for the content: one that lies is caught by verification', async () => {
    await subject.store.append(stream(), [deposit('1'), deposit('2')], {
      expectedRevision: 'no_stream',
    });
    // The payload changed after the append, its stored body digest did not.
    await sql(
      subject.database.url,
      `UPDATE geode_events SET data = jsonb_set(data, '{amount}', '"999"') WHERE data->>'amount' = '2'`,
    );
    startSequencer();
    await until(async () => (await stampedUpTo()) === 2);
    expect((await subject.store.verifyChain('eu-west-1')).firstBroken).toEqual({
      seq: 2,
      reason: 'stored event does not match its digest (altered)',
    });
  });

  it('lets exactly one of two sequencers stamp; the standby takes over when the leader dies mid-stream', async () => {
    const first = startSequencer();
    await until(() => first.isLeader);
    const second = startSequencer();
    await sleep(300);
    expect(second.isLeader).toBe(false);

    let writing = true;
    let written = 0;
    const writer = (async () => {
      while (writing) {
        await subject.store.append(stream(), [deposit(String(written))], {
          expectedRevision: 'no_stream',
        });
        written += 1;
      }
    })();
    await until(async () => (await stampedUpTo()) > 20);

    // Kill the leader's database session, as if its process died mid-batch.
    await sql(
      subject.database.url,
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'geode-eu-west-1-sequencer'
          AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)`,
    );
    await until(() => second.isLeader || first.isLeader, 5_000);
    await sleep(200);
    writing = false;
    await writer;
    await until(async () => (await stampedUpTo()) === written);

    const seqs = await sql<{ origin_seq: string }>(
      subject.database.url,
      `SELECT origin_seq FROM geode_origin_log WHERE origin_region = 'eu-west-1' ORDER BY origin_seq`,
    );
    expect(seqs.map((row) => Number(row.origin_seq))).toEqual(
      Array.from({ length: written }, (_, i) => i + 1),
    );
    expect((await subject.store.verifyChain('eu-west-1')).firstBroken).toBeNull();
  });

  describe('verifyChain finds tampering at the entry', () => {
    beforeEach(async () => {
      startSequencer();
      for (let i = 1; i <= 8; i++)
        await subject.store.append(stream(), [deposit(String(i))], {
          expectedRevision: 'no_stream',
        });
      await until(async () => (await stampedUpTo()) === 8);
    });
    const eventAt = async (seq: number) =>
      (
        await sql<{ event_id: string }>(
          subject.database.url,
          `SELECT event_id FROM geode_origin_log WHERE origin_seq = $1`,
          [seq],
        )
      )[0].event_id;

    it('an altered payload', async () => {
      await sql(
        subject.database.url,
        `UPDATE geode_events SET data = '{"amount":"1000000"}' WHERE event_id = $1`,
        [await eventAt(3)],
      );
      expect(await subject.store.verifyChain('eu-west-1')).toMatchObject({
        checked: 2,
        firstBroken: { seq: 3, reason: expect.stringMatching(/altered/) },
      });
    });

    it('a deleted chain entry', async () => {
      await sql(subject.database.url, `DELETE FROM geode_origin_log WHERE origin_seq = 5`);
      expect((await subject.store.verifyChain('eu-west-1')).firstBroken).toMatchObject({
        seq: 5,
        reason: expect.stringMatching(/missing/),
      });
    });

    it('a deleted event', async () => {
      await sql(subject.database.url, `DELETE FROM geode_events WHERE event_id = $1`, [
        await eventAt(4),
      ]);
      expect((await subject.store.verifyChain('eu-west-1')).firstBroken).toMatchObject({
        seq: 4,
        reason: expect.stringMatching(/missing/),
      });
    });

    it('two entries swapped', async () => {
      for (const [from, to] of [
        [6, 1000],
        [7, 6],
        [1000, 7],
      ]) {
        await sql(
          subject.database.url,
          `UPDATE geode_origin_log SET origin_seq = $2 WHERE origin_seq = $1`,
          [from, to],
        );
      }
      expect((await subject.store.verifyChain('eu-west-1')).firstBroken?.seq).toBe(6);
    });

    it('a deleted tail', async () => {
      await sql(subject.database.url, `DELETE FROM geode_origin_log WHERE origin_seq = 8`);
      expect((await subject.store.verifyChain('eu-west-1')).firstBroken).toMatchObject({ seq: 8 });
    });

    it('verifies from a given seq, and reports nothing on an intact chain', async () => {
      expect(await subject.store.verifyChain('eu-west-1', 5)).toEqual({
        origin: 'eu-west-1',
        checked: 4,
        firstBroken: null,
      });
    });
  });
});
