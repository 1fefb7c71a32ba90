import { ReplayCache } from './replay-cache';

describe('ReplayCache', () => {
  it('accepts a signature once, then calls it a replay until it expires', () => {
    const cache = new ReplayCache();
    expect(cache.remember('s1', 1_000, 0)).toBe('fresh');
    expect(cache.remember('s1', 1_000, 999)).toBe('replayed');
    expect(cache.remember('s1', 2_000, 1_000)).toBe('fresh');
  });

  it('forgets expired entries, so its size follows the live ones', () => {
    const cache = new ReplayCache();
    for (let i = 0; i < 100; i += 1) cache.remember(`s${i}`, 1_000 + i, 0);
    expect(cache.size).toBe(100);
    cache.remember('late', 5_000, 1_050);
    expect(cache.size).toBe(50);
  });

  it('is bounded: when full of live entries it answers full instead of forgetting one', () => {
    const cache = new ReplayCache(3);
    expect(['a', 'b', 'c'].map((s) => cache.remember(s, 10_000, 0))).toEqual([
      'fresh',
      'fresh',
      'fresh',
    ]);
    expect(cache.remember('d', 10_000, 1)).toBe('full');
    // Every one of the live signatures is still refused.
    expect(['a', 'b', 'c'].map((s) => cache.remember(s, 10_000, 2))).toEqual([
      'replayed',
      'replayed',
      'replayed',
    ]);
    expect(cache.size).toBe(3);
  });

  it('makes room from expired entries anywhere, not only at the front', () => {
    const cache = new ReplayCache(3);
    cache.remember('long', 10_000, 0);
    cache.remember('short-1', 100, 0);
    cache.remember('short-2', 100, 0);
    expect(cache.remember('new', 10_000, 200)).toBe('fresh');
    expect(cache.size).toBe(2);
  });

  it('refuses a capacity that is not a positive whole number', () => {
    expect(() => new ReplayCache(0)).toThrow(RangeError);
  });
});
