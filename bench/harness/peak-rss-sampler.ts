import { readFileSync } from 'node:fs';

const MIB = 1024 * 1024;

/**
 * Peak resident set size over a window, of this process or of another one (a
 * geode the benchmark started). `resourceUsage().maxRSS` and `VmHWM` are the
 * peak since the process started, which would carry one case's (or the
 * start-up's) peak into the next; periodic sampling gives the window's alone.
 */
export class PeakRssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  /** `pid` unset: this process. */
  constructor(
    private readonly intervalMs = 20,
    private readonly pid?: number,
  ) {}

  /** Another process, read from `/proc/<pid>/status` (Linux only). */
  static ofProcess(pid: number, intervalMs = 20): PeakRssSampler {
    return new PeakRssSampler(intervalMs, pid);
  }

  start(): void {
    this.peak = 0;
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; the peak in MiB. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.peak === 0) throw new Error(`no RSS read for process ${this.pid} (Linux only)`);
    return Math.round(this.peak / MIB);
  }

  private sample(): void {
    const rss = this.pid === undefined ? process.memoryUsage.rss() : rssOf(this.pid);
    if (rss > this.peak) this.peak = rss;
  }
}

/** Bytes, or 0 once the process has exited (the samples so far stand). */
function rssOf(pid: number): number {
  try {
    const found = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return found ? Number(found[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
