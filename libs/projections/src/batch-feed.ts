import type { LogEntry, Subscription } from '@geode/event-store';

/**
 * Turns a subscription (one entry at a time, pulled) into adaptive batches: the next
 * batch is whatever has arrived, up to `maxBatch`.
 *
 * While catching up (the last batch was full) it reads ahead by at most one batch, so
 * reading overlaps applying. At the head of the log it reads only when asked: a read
 * made while the runner's own batch transaction is open cannot pass that transaction
 * (the gap-safe horizon), so it would only come back empty and make the subscription
 * back off, delaying the events that commit meanwhile.
 */
export class BatchFeed {
  private readonly buffer: LogEntry[] = [];
  private readonly iterator: AsyncIterator<LogEntry>;
  private failure?: unknown;
  private ended = false;
  private wanted = false;
  private readAhead = true;
  private wakeConsumer?: () => void;
  private wakeProducer?: () => void;
  private readonly pumping: Promise<void>;

  constructor(
    private readonly subscription: Subscription,
    private readonly maxBatch: number,
  ) {
    this.iterator = subscription[Symbol.asyncIterator]();
    this.pumping = this.pump();
  }

  /** The next batch (never empty), or `undefined` once the feed is closed. */
  async next(): Promise<LogEntry[] | undefined> {
    this.wanted = true;
    this.wakeProducer?.();
    while (this.buffer.length === 0) {
      if (this.failure !== undefined) throw this.failure as Error;
      if (this.ended) return undefined;
      await new Promise<void>((resolve) => (this.wakeConsumer = resolve));
    }
    // Let the subscription hand over the rest of the page it holds before taking.
    await new Promise((resolve) => setImmediate(resolve));
    const batch = this.buffer.splice(0, this.maxBatch);
    this.wanted = false;
    this.readAhead = batch.length === this.maxBatch;
    this.wakeProducer?.();
    return batch;
  }

  async close(): Promise<void> {
    this.ended = true;
    this.wakeProducer?.();
    this.wakeConsumer?.();
    await this.subscription.close().catch(() => undefined);
    await this.pumping;
  }

  private mayRead(): boolean {
    return this.buffer.length < this.maxBatch && (this.wanted || this.readAhead);
  }

  private async pump(): Promise<void> {
    try {
      while (!this.ended) {
        while (!this.ended && !this.mayRead())
          await new Promise<void>((resolve) => (this.wakeProducer = resolve));
        if (this.ended) break;
        const next = await this.iterator.next();
        if (next.done || this.ended) break;
        this.buffer.push(next.value);
        this.wakeConsumer?.();
      }
    } catch (error) {
      if (!this.ended) this.failure = error;
    } finally {
      this.ended = true;
      this.wakeConsumer?.();
    }
  }
}
