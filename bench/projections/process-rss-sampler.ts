import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Peak resident set size of another process (a geode the benchmark started) over a window,
 * sampled from `/proc/<pid>/status`: its `VmHWM` would carry the start-up's peak into it.
 */
export class ProcessRssSampler {
  private peakKb = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pid: number,
    private readonly intervalMs = 20,
  ) {}

  start(): void {
    this.peakKb = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; the peak in MiB. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.peakKb === 0) throw new Error(`no RSS read for process ${this.pid} (Linux only)`);
    return Math.round(this.peakKb / 1024);
  }

  private sample(): void {
    let status: string;
    try {
      status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    } catch {
      return; // exited: the samples so far stand
    }
    const found = /VmRSS:\s+(\d+) kB/.exec(status);
    if (found && Number(found[1]) > this.peakKb) this.peakKb = Number(found[1]);
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
