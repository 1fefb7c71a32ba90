import { compareHlc, type Hlc } from './hlc';
import type { WallClock } from './wall-clock';

/** DI token for the geode's `HybridLogicalClock`. */
export const CLOCK = Symbol('CLOCK');

const DEFAULT_MAX_FORWARD_DRIFT_MS = 500;

export interface HybridLogicalClockOptions {
  /** How far ahead of the local wall clock a remote timestamp may be; default 500 ms. */
  maxForwardDriftMs?: number;
}

/** A remote timestamp too far in the future: accepting it would drag this clock (and every later event) along. */
export class ClockDriftError extends Error {
  readonly code = 'clock-drift';
  override readonly name = 'ClockDriftError';
  readonly remote: Hlc;
  readonly localWallMs: number;
  readonly boundMs: number;

  constructor(remote: Hlc, localWallMs: number, boundMs: number) {
    super(
      `remote hlc (wallMs ${remote.wallMs}, logical ${remote.logical}) is ` +
        `${remote.wallMs - localWallMs} ms ahead of the local wall clock (${localWallMs} ms), ` +
        `beyond the bound of ${boundMs} ms`,
    );
    this.remote = { wallMs: remote.wallMs, logical: remote.logical };
    this.localWallMs = localWallMs;
    this.boundMs = boundMs;
  }
}

/**
 * Hybrid logical clock (Kulkarni et al., "Logical Physical Clocks", 2014):
 * close to wall time, yet strictly increasing across everything it issues or
 * observes, so it respects causality even when the regions' clocks are skewed
 * or a wall clock steps backwards.
 */
export class HybridLogicalClock {
  private readonly wall: WallClock;
  private readonly maxForwardDriftMs: number;
  private wallMs = 0;
  private logical = 0;

  constructor(wall: WallClock, options: HybridLogicalClockOptions = {}) {
    const bound = options.maxForwardDriftMs ?? DEFAULT_MAX_FORWARD_DRIFT_MS;
    if (!Number.isFinite(bound) || bound < 0) {
      throw new RangeError(`maxForwardDriftMs must be a non-negative finite number, got ${bound}`);
    }
    this.wall = wall;
    this.maxForwardDriftMs = bound;
  }

  /** A timestamp for a local event: strictly greater than every one returned or observed before. */
  now(): Hlc {
    return this.advancePast(this.peek(), this.readWall());
  }

  /**
   * Merges a timestamp received from another region and returns the new
   * local time, which is greater than both. Refuses, leaving the clock as it
   * was, a remote more than `maxForwardDriftMs` ahead of the local wall clock.
   */
  observe(remote: Hlc): Hlc {
    const incoming = readRemoteHlc(remote);
    const physicalMs = this.readWall();
    if (incoming.wallMs - physicalMs > this.maxForwardDriftMs) {
      throw new ClockDriftError(incoming, physicalMs, this.maxForwardDriftMs);
    }
    const local = this.peek();
    return this.advancePast(compareHlc(incoming, local) > 0 ? incoming : local, physicalMs);
  }

  /** The last value issued or merged, without ticking. */
  peek(): Hlc {
    return { wallMs: this.wallMs, logical: this.logical };
  }

  // One rule covers both the send and the receive case of the paper: move to
  // the wall clock if it is ahead of the latest known time, else count past it.
  private advancePast(latest: Hlc, physicalMs: number): Hlc {
    if (physicalMs > latest.wallMs) {
      this.wallMs = physicalMs;
      this.logical = 0;
    } else if (latest.logical < Number.MAX_SAFE_INTEGER) {
      this.wallMs = latest.wallMs;
      this.logical = latest.logical + 1;
    } else {
      // The counter would stop being exact; borrowing one ms keeps the order strict.
      if (latest.wallMs >= Number.MAX_SAFE_INTEGER) {
        throw new RangeError(
          'hybrid logical clock exhausted: wallMs and logical are both at the maximum',
        );
      }
      this.wallMs = latest.wallMs + 1;
      this.logical = 0;
    }
    return this.peek();
  }

  private readWall(): number {
    const ms = this.wall.nowMs();
    if (!Number.isSafeInteger(ms) || ms < 0) {
      throw new RangeError(`wall clock returned ${ms}; expected non-negative safe integer ms`);
    }
    return ms;
  }
}

// Remote timestamps come from peers and are input, not trusted values. Each
// field is read once, so a getter cannot answer differently after the check.
function readRemoteHlc(value: unknown): Hlc {
  const wallMs: unknown =
    typeof value === 'object' && value !== null ? (value as Hlc).wallMs : undefined;
  const logical: unknown =
    typeof value === 'object' && value !== null ? (value as Hlc).logical : undefined;
  if (!isNonNegativeSafeInteger(wallMs) || !isNonNegativeSafeInteger(logical)) {
    throw new TypeError(
      `not a valid hlc: expected { wallMs, logical } of non-negative safe integers, got ${describe(value)}`,
    );
  }
  // `+ 0` turns a -0 (which passes the checks) into 0.
  return { wallMs: wallMs + 0, logical: logical + 0 };
}

function isNonNegativeSafeInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > 120 ? `${text.slice(0, 120)}…` : text;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
