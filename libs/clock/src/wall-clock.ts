/** Physical time in ms since the Unix epoch; injected so that domain code never reads `Date.now`. */
export interface WallClock {
  nowMs(): number;
}

export const systemWallClock: WallClock = {
  nowMs: () => Date.now(),
};

/** A wall clock that moves only when told to: for tests and simulations (it may go backwards). */
export class ManualWallClock implements WallClock {
  private currentMs: number;

  constructor(startMs = 0) {
    this.currentMs = checkedMs(startMs, 'startMs');
  }

  nowMs(): number {
    return this.currentMs;
  }

  set(ms: number): void {
    this.currentMs = checkedMs(ms, 'ms');
  }

  /** Moves by `ms`, which may be negative to simulate an NTP step backwards. */
  advance(ms: number): void {
    this.currentMs = checkedMs(this.currentMs + ms, 'the advanced time');
  }
}

function checkedMs(ms: number, what: string): number {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer of ms, got ${ms}`);
  }
  return ms;
}
