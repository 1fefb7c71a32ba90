/**
 * Entry point of the worker thread that runs a region's sequencer (see
 * SequencerThread): hashing a chain is CPU work that must not hold up the
 * request handlers on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Sequencer } from './sequencer';
import type { SequencerThreadMessage } from './sequencer-thread';

const port = parentPort!;
const { url, region, batchSize, leaseRetryMs } = workerData as {
  url: string;
  region: string;
  batchSize?: number;
  leaseRetryMs?: number;
};
const post = (message: SequencerThreadMessage) => port.postMessage(message);

const sequencer = new Sequencer({
  url,
  region,
  batchSize,
  leaseRetryMs,
  log: {
    info: (text) => post({ kind: 'log', level: 'info', text }),
    warn: (text) => post({ kind: 'log', level: 'warn', text }),
  },
  onBatch: (batch) => post({ kind: 'batch', batch }),
  onLeadership: (leader) => post({ kind: 'leadership', leader }),
});
sequencer.start();

port.on('message', (message: { kind: 'stop' }) => {
  if (message.kind !== 'stop') return;
  void sequencer.stop().then(() => {
    post({ kind: 'stopped' });
    port.close();
  });
});
