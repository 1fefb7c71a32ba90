import { randomUUID } from 'node:crypto';
import { stampAll } from '../../event-store/src/testing/origin-feed';
import {
  createStoreUnderTest,
  deposit,
  type StoreUnderTest,
} from '../../event-store/src/testing/postgres-event-store.factory';
import { eventually } from '../../event-store/src/testing/eventually';
import { Sequencer } from '@geode/event-store';
import { ChangeSignal } from './change-signal';
import { ReplicationFeed, type FrameSink } from './replication-feed';
import { parseFeedFrame, type FeedFrame } from './wire-format';

const EU = 'eu-west-1';

/** A sink that records frames and can hold the feed back, as a slow peer's socket would. */
class RecordingSink implements FrameSink {
  frames: FeedFrame[] = [];
  private gate?: Promise<void>;
  private open?: () => void;

  hold(): void {
    this.gate = new Promise((resolve) => (this.open = resolve));
  }

  release(): void {
    this.open?.();
    this.gate = undefined;
  }

  async write(frame: string): Promise<void> {
    this.frames.push(parseFeedFrame(frame.trimEnd()));
    await this.gate;
  }

  seqs(): number[] {
    return this.frames.flatMap((frame) =>
      frame.type === 'batch' ? frame.entries.map((entry) => entry.origin.seq) : [],
    );
  }
}

describe('ReplicationFeed against a real store', () => {
  let eu: StoreUnderTest;
  let signal: ChangeSignal;
  beforeEach(async () => {
    eu = await createStoreUnderTest({ region: EU });
    signal = new ChangeSignal(eu.database.url);
    await signal.start();
  });
  afterEach(async () => {
    await signal.stop();
    await eu.close();
  });

  const write = async (events: number) => {
    for (let i = 0; i < events; i += 100) {
      await eu.store.append(
        `account-${randomUUID()}`,
        Array.from({ length: Math.min(100, events - i) }, () => deposit('1')),
        { expectedRevision: 'no_stream' },
      );
    }
  };

  it('serves the log after the caller’s vector in seq order, one page at a time while the sink is slow, then pushes new stamps at once', async () => {
    await write(600);
    await stampAll(eu.database.url, EU, 600);
    const sink = new RecordingSink();
    const abort = new AbortController();
    const feed = new ReplicationFeed(eu.store, signal, {
      region: EU,
      receiver: 'us-east-1',
      after: { [EU]: 50 },
      heartbeatMs: 60_000,
      pageSize: 100,
    });
    sink.hold();
    const running = feed.run(sink, abort.signal);
    await eventually('the hello frame', () => (sink.frames.length >= 1 ? true : undefined));
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Held at the first write: nothing more was read or framed meanwhile.
    expect(sink.frames.map((frame) => frame.type)).toEqual(['hello']);
    expect(sink.frames[0]).toMatchObject({ type: 'hello', region: EU, vector: { [EU]: 600 } });
    sink.release();
    await eventually('the backlog', () => (sink.seqs().length === 550 ? true : undefined));
    expect(sink.seqs()).toEqual(Array.from({ length: 550 }, (_, i) => 51 + i));
    expect(
      sink.frames
        .filter((f) => f.type === 'batch')
        .every((f) => f.type === 'batch' && f.entries.length <= 100),
    ).toBe(true);

    // Live: a new stamp reaches the feed through NOTIFY, long before any heartbeat.
    const sequencer = new Sequencer({ url: eu.database.url, region: EU, leaseRetryMs: 50 });
    sequencer.start();
    try {
      const started = Date.now();
      await write(1);
      await eventually('the new event', () => (sink.seqs().length === 551 ? true : undefined));
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(sink.seqs().at(-1)).toBe(601);
      expect(sink.frames.some((frame) => frame.type === 'heartbeat')).toBe(false);
    } finally {
      await sequencer.stop();
    }
    abort.abort();
    await running;
  });

  it('skips what the receiver acknowledged (a relayed copy it already got elsewhere)', async () => {
    await write(300);
    await stampAll(eu.database.url, EU, 300);
    const sink = new RecordingSink();
    const abort = new AbortController();
    const running = new ReplicationFeed(eu.store, signal, {
      region: EU,
      receiver: 'us-east-1',
      after: {},
      heartbeatMs: 60_000,
      pageSize: 100,
      acknowledged: () => ({ [EU]: 250 }),
    }).run(sink, abort.signal);
    await eventually('the rest', () => (sink.seqs().length === 50 ? true : undefined));
    expect(sink.seqs()).toEqual(Array.from({ length: 50 }, (_, i) => 251 + i));
    abort.abort();
    await running;
  });

  it('never echoes the receiver its own log beyond what it lacked when it asked', async () => {
    await write(200);
    await stampAll(eu.database.url, EU, 200);
    const sink = new RecordingSink();
    const abort = new AbortController();
    // The receiver is EU itself, asking from 150 (as after a partial refill).
    const running = new ReplicationFeed(eu.store, signal, {
      region: 'us-east-1',
      receiver: EU,
      after: { [EU]: 150 },
      heartbeatMs: 60_000,
      pageSize: 100,
    }).run(sink, abort.signal);
    try {
      await eventually('what it lacked', () => (sink.seqs().length === 50 ? true : undefined));
      // The log grows on (EU decides on): none of it comes back.
      await write(100);
      await stampAll(eu.database.url, EU, 300);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(sink.seqs()).toEqual(Array.from({ length: 50 }, (_, i) => 151 + i));
    } finally {
      abort.abort();
      await running;
    }
  });

  it('holds a relayed origin back while another link delivers it, and relays once that link goes quiet', async () => {
    await write(300);
    await stampAll(eu.database.url, EU, 300);
    const sink = new RecordingSink();
    const abort = new AbortController();
    // This feed relays EU's log (it is another region's geode); the receiver's acks of EU move on.
    let acked = 0;
    const otherLink = setInterval(() => (acked = Math.min(200, acked + 10)), 20);
    const running = new ReplicationFeed(eu.store, signal, {
      region: 'ap-southeast-2',
      receiver: 'us-east-1',
      after: {},
      heartbeatMs: 60_000,
      pageSize: 100,
      relayHoldMs: 150,
      acknowledged: () => ({ [EU]: acked }),
    }).run(sink, abort.signal);
    try {
      await eventually('the other link has delivered 200', () =>
        acked === 200 ? true : undefined,
      );
      expect(sink.seqs()).toEqual([]);
      // Quiet now: after the hold, this feed relays what the receiver still lacks.
      await eventually('the relayed rest', () => (sink.seqs().length === 100 ? true : undefined));
      expect(sink.seqs()).toEqual(Array.from({ length: 100 }, (_, i) => 201 + i));
    } finally {
      clearInterval(otherLink);
      abort.abort();
      await running;
    }
  });
});
