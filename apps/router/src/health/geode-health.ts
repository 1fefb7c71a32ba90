export type GeodeState = 'unknown' | 'up' | 'down';

export interface HealthThresholds {
  failuresToDown: number;
  successesToUp: number;
  maxLagMs: number;
}

export interface HealthSnapshot {
  state: GeodeState;
  consecutiveFailures: number;
  consecutiveSuccesses: number;
  rttMs: number | null;
  lagMs: number | null;
  lastCheckAtMs: number | null;
  lastError: string | null;
}

/** A change of state, for logs and metrics. */
export interface StateChange {
  from: GeodeState;
  to: GeodeState;
  reason: string;
}

/**
 * One geode's health as the router sees it, with hysteresis: `failuresToDown`
 * failures in a row (active checks, or passive: connection errors and 5xx
 * answers to proxied requests) take it out of rotation; `successesToUp`
 * successful checks in a row put it back. The first check decides alone, so
 * a starting router does not wait several intervals. Pure: time comes in.
 */
export class GeodeHealth {
  private current: GeodeState = 'unknown';
  private failures = 0;
  private successes = 0;
  private rtt: number | null = null;
  private lag: number | null = null;
  private lastCheckAt: number | null = null;
  private lastError: string | null = null;

  constructor(private readonly thresholds: HealthThresholds) {}

  get state(): GeodeState {
    return this.current;
  }

  /** Up: takes traffic. */
  get routable(): boolean {
    return this.current === 'up';
  }

  /** Reports more replication or projection lag than allowed: ranked after geodes that do not. */
  get lagging(): boolean {
    return this.lag !== null && this.lag > this.thresholds.maxLagMs;
  }

  checkSucceeded(at: number, rttMs: number, lagMs: number | null): StateChange | undefined {
    this.lastCheckAt = at;
    // Smoothed, so one slow answer does not reorder geodes.
    this.rtt = this.rtt === null ? rttMs : this.rtt * 0.7 + rttMs * 0.3;
    this.lag = lagMs;
    this.failures = 0;
    this.successes += 1;
    if (this.current === 'unknown') return this.move('up', 'first check succeeded');
    if (this.current === 'down' && this.successes >= this.thresholds.successesToUp)
      return this.move('up', `${this.successes} checks succeeded`);
    return undefined;
  }

  checkFailed(at: number, error: string): StateChange | undefined {
    this.lastCheckAt = at;
    return this.failed(error);
  }

  /** A proxied request could not reach the geode, or it answered 5xx. */
  requestFailed(error: string): StateChange | undefined {
    return this.failed(error);
  }

  /** A proxied request was answered below 500: failures so far were not consecutive. */
  requestSucceeded(): void {
    if (this.current === 'up') this.failures = 0;
  }

  snapshot(): HealthSnapshot {
    return {
      state: this.current,
      consecutiveFailures: this.failures,
      consecutiveSuccesses: this.successes,
      rttMs: this.rtt === null ? null : Math.round(this.rtt * 100) / 100,
      lagMs: this.lag,
      lastCheckAtMs: this.lastCheckAt,
      lastError: this.lastError,
    };
  }

  private failed(error: string): StateChange | undefined {
    this.lastError = error;
    this.successes = 0;
    this.failures += 1;
    if (this.current === 'unknown') return this.move('down', error);
    if (this.current === 'up' && this.failures >= this.thresholds.failuresToDown)
      return this.move('down', `${this.failures} failures in a row, last: ${error}`);
    return undefined;
  }

  private move(to: GeodeState, reason: string): StateChange {
    const change = { from: this.current, to, reason };
    this.current = to;
    return change;
  }
}
