import fc from 'fast-check';
import { reconnectDelayMs } from './reconnect-backoff';

describe('reconnectDelayMs (capped exponential backoff, full jitter)', () => {
  it('is a whole number in [0, min(cap, base·2^attempt)) for every attempt and random draw', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 120_000 }),
        (attempt, draw, baseMs, capMs) => {
          const delay = reconnectDelayMs(attempt, { baseMs, capMs }, () => draw);
          const ceiling = Math.min(capMs, baseMs * 2 ** attempt);
          return Number.isInteger(delay) && delay >= 0 && delay < Math.max(ceiling, 1);
        },
      ),
    );
  });

  it('grows with the attempt until the cap', () => {
    const top = () => 0.999_999;
    const policy = { baseMs: 100, capMs: 30_000 };
    expect([0, 1, 2, 3, 8, 9, 50].map((attempt) => reconnectDelayMs(attempt, policy, top))).toEqual(
      [99, 199, 399, 799, 25_599, 29_999, 29_999],
    );
  });
});
