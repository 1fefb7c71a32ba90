import { ManualWallClock, systemWallClock } from './wall-clock';

describe('systemWallClock', () => {
  it('reads the system time in ms', () => {
    const before = Date.now();
    const read = systemWallClock.nowMs();
    const after = Date.now();
    expect(read).toBeGreaterThanOrEqual(before);
    expect(read).toBeLessThanOrEqual(after);
  });
});

describe('ManualWallClock', () => {
  it('starts at 0 unless told otherwise', () => {
    expect(new ManualWallClock().nowMs()).toBe(0);
    expect(new ManualWallClock(1_000).nowMs()).toBe(1_000);
  });

  it('moves only when set or advanced, also backwards', () => {
    const wall = new ManualWallClock(1_000);
    wall.advance(250);
    expect(wall.nowMs()).toBe(1_250);
    wall.advance(-1_000);
    expect(wall.nowMs()).toBe(250);
    wall.set(42);
    expect(wall.nowMs()).toBe(42);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53])(
    'refuses to hold %p ms',
    (ms) => {
      expect(() => new ManualWallClock(ms)).toThrow(RangeError);
      expect(() => new ManualWallClock().set(ms)).toThrow(RangeError);
    },
  );

  it('refuses to advance before the epoch and keeps its time', () => {
    const wall = new ManualWallClock(10);
    expect(() => wall.advance(-11)).toThrow(RangeError);
    expect(wall.nowMs()).toBe(10);
  });
});
