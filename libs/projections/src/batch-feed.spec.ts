import type { LogEntry, Subscription } from '@geode/event-store';
import { BatchFeed } from './batch-feed';

/** A subscription over pages handed in by the test, counting how often it is pulled. */
function pagedSubscription() {
  const pages: LogEntry[][] = [];
  let release: (() => void) | undefined;
  let closed = false;
  const state = { pulls: 0 };
  const entry = (position: number) =>
    ({ checkpoint: { txId: '1', position }, event: { position } }) as unknown as LogEntry;
  async function* entries(): AsyncGenerator<LogEntry> {
    for (;;) {
      state.pulls += 1;
      while (pages.length === 0 && !closed) await new Promise<void>((r) => (release = r));
      if (closed) return;
      yield* pages.shift()!;
    }
  }
  const iterator = entries();
  const subscription: Subscription = {
    [Symbol.asyncIterator]: () => iterator,
    close: async () => {
      closed = true;
      release?.();
      await iterator.return(undefined);
    },
  };
  return {
    subscription,
    state,
    push(from: number, count: number) {
      pages.push(Array.from({ length: count }, (_, i) => entry(from + i)));
      release?.();
    },
  };
}

const positions = (batch: LogEntry[] | undefined) => batch?.map((e) => e.checkpoint.position);

describe('BatchFeed', () => {
  it('hands over what has arrived, up to the batch size', async () => {
    const source = pagedSubscription();
    const feed = new BatchFeed(source.subscription, 3);
    source.push(1, 5);
    expect(positions(await feed.next())).toEqual([1, 2, 3]);
    expect(positions(await feed.next())).toEqual([4, 5]);
    source.push(6, 1);
    expect(positions(await feed.next())).toEqual([6]);
    await feed.close();
    expect(await feed.next()).toBeUndefined();
  });

  it('reads ahead while catching up, and only when asked at the head of the log', async () => {
    const source = pagedSubscription();
    const feed = new BatchFeed(source.subscription, 2);
    source.push(1, 2);
    expect(positions(await feed.next())).toEqual([1, 2]); // full: keep reading
    await new Promise((r) => setImmediate(r));
    const pullsWhileApplying = source.state.pulls;
    source.push(3, 1);
    expect(positions(await feed.next())).toEqual([3]); // partial: at the head
    const pullsAtHead = source.state.pulls;
    source.push(4, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(source.state.pulls).toBe(pullsAtHead); // no new read started while "applying"
    expect(positions(await feed.next())).toEqual([4]);
    expect(pullsWhileApplying).toBeGreaterThan(1);
    await feed.close();
  });
});
