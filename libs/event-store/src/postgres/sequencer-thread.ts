import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { Sequencer, SequencerOptions, StampedBatch } from './sequencer';

export type SequencerThreadMessage =
  | { kind: 'batch'; batch: StampedBatch }
  | { kind: 'leadership'; leader: boolean }
  | { kind: 'log'; level: 'info' | 'warn'; text: string }
  | { kind: 'stopped' };

/** What runs a region's sequencer: in a worker thread, or (where it cannot) in this thread. */
export interface SequencerRunner {
  readonly isLeader: boolean;
  start(): void;
  stop(): Promise<void>;
}

const THREAD_ENTRY = join(__dirname, 'sequencer.thread.js');

/**
 * The sequencer in a worker thread of its own, so that hashing the chain at
 * tens of thousands of events a second does not hold up the event loop that
 * serves requests. Callbacks arrive on this thread. Where the compiled entry
 * point does not exist (tests run the TypeScript sources), it runs in this
 * thread instead: same code, same behaviour.
 */
export function createSequencerRunner(options: SequencerOptions): SequencerRunner {
  return existsSync(THREAD_ENTRY) ? new SequencerThread(options) : new Sequencer(options);
}

class SequencerThread implements SequencerRunner {
  private worker?: Worker;
  private leader = false;
  private stopped?: Promise<void>;

  constructor(private readonly options: SequencerOptions) {}

  get isLeader(): boolean {
    return this.leader;
  }

  start(): void {
    if (this.worker) return;
    const { url, region, batchSize, leaseRetryMs } = this.options;
    const worker = new Worker(THREAD_ENTRY, {
      workerData: { url, region, batchSize, leaseRetryMs },
    });
    worker.on('message', (message: SequencerThreadMessage) => this.receive(message));
    worker.on('error', (error: Error) =>
      this.options.log?.warn(`sequencer thread failed: ${error.message}`),
    );
    worker.on('exit', () => this.setLeader(false));
    this.worker = worker;
  }

  stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return Promise.resolve();
    this.stopped ??= new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage({ kind: 'stop' });
      // A thread that does not stop in time is ended; its lease goes with its connection.
      setTimeout(() => void worker.terminate(), 10_000).unref();
    });
    return this.stopped;
  }

  private receive(message: SequencerThreadMessage): void {
    switch (message.kind) {
      case 'batch':
        this.options.onBatch?.(message.batch);
        break;
      case 'leadership':
        this.setLeader(message.leader);
        break;
      case 'log':
        this.options.log?.[message.level](message.text);
        break;
      case 'stopped':
        break;
    }
  }

  private setLeader(leader: boolean): void {
    if (this.leader === leader) return;
    this.leader = leader;
    this.options.onLeadership?.(leader);
  }
}
