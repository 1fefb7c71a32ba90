const MIB = 1024 * 1024;

/**
 * Peak resident set size of this process over a window. `resourceUsage().maxRSS`
 * is the peak since the process started, which would carry one case's peak into
 * the next; periodic sampling gives the peak of the window alone.
 */
export class PeakRssSampler {
  private peak = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly intervalMs = 20) {}

  start(): void {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling; the peak in MiB. */
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
    return Math.round(this.peak / MIB);
  }

  private sample(): void {
    const rss = process.memoryUsage.rss();
    if (rss > this.peak) this.peak = rss;
  }
}
