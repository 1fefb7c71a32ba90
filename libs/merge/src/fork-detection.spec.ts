import { detectFork, streamHeads } from './fork-detection';
import { areConcurrent, happenedBefore } from './causality';
import { compareCanonical, inCanonicalOrder } from './canonical-order';

let ids = 0;
const event = (region: string, n: number, deps: Record<string, number>, wallMs = n) => ({
  eventId: `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  dot: { region, n },
  deps,
  hlc: { wallMs, logical: 0 },
});

describe('causality from dots and deps', () => {
  const a1 = event('eu', 1, {});
  const a2 = event('eu', 2, { eu: 1 });
  const b1 = event('us', 1, { eu: 1 });

  it('knows what each event had seen', () => {
    expect(happenedBefore(a1, a2)).toBe(true);
    expect(happenedBefore(a1, b1)).toBe(true);
    expect(happenedBefore(b1, a1)).toBe(false);
    expect(areConcurrent(a2, b1)).toBe(true);
    expect(areConcurrent(a1, a1)).toBe(false);
  });

  it('counts a region’s earlier dot as seen even when deps forget it', () => {
    expect(happenedBefore(a1, event('eu', 3, {}))).toBe(true);
  });
});

describe('canonical order', () => {
  it('sorts by hlc wall, hlc logical, dot region, dot counter', () => {
    const x = { ...event('us', 1, {}), hlc: { wallMs: 5, logical: 0 } };
    const y = { ...event('eu', 1, {}), hlc: { wallMs: 5, logical: 1 } };
    const z = { ...event('eu', 2, {}), hlc: { wallMs: 5, logical: 1 } };
    const w = { ...event('ap', 9, {}), hlc: { wallMs: 4, logical: 7 } };
    expect(inCanonicalOrder([z, y, x, w])).toEqual([w, x, y, z]);
    expect(compareCanonical(y, y)).toBe(0);
  });
});

describe('fork detection', () => {
  it('finds no fork on one causal line', () => {
    const a1 = event('eu', 1, {});
    const b1 = event('us', 1, { eu: 1 });
    const a2 = event('eu', 2, { eu: 1, us: 1 });
    expect(streamHeads([a2, a1, b1])).toEqual([a2]);
    expect(detectFork([a1, b1, a2])).toBeNull();
    expect(detectFork([])).toBeNull();
  });

  it('finds the concurrent heads, their common ancestor and each branch', () => {
    const a1 = event('eu', 1, {});
    const a2 = event('eu', 2, { eu: 1 }, 10);
    const a3 = event('eu', 3, { eu: 2 }, 11);
    const b1 = event('us', 1, { eu: 1 }, 12);
    const fork = detectFork([a3, b1, a1, a2])!;
    expect(fork.heads).toEqual([a3, b1]);
    expect(fork.ancestorVector).toEqual({ eu: 1 });
    expect(fork.ancestors).toEqual([a1]);
    expect(fork.branches).toEqual([[a2, a3], [b1]]);
    expect(fork.concurrent).toEqual([a2, a3, b1]);
    expect(fork.joinVector).toEqual({ eu: 3, us: 1 });
    expect(fork.missing).toEqual([]);
  });

  it('says which dots a head depends on that are not held yet', () => {
    const a1 = event('eu', 1, {});
    const c1 = event('ap', 1, { eu: 2 });
    const b1 = event('us', 1, { eu: 1 });
    const fork = detectFork([a1, c1, b1])!;
    expect(fork.heads.map((e) => e.dot.region).sort()).toEqual(['ap', 'us']);
    expect(fork.missing).toEqual([{ region: 'eu', n: 2 }]);
  });

  it('a merge event that had seen every head closes the fork', () => {
    const a1 = event('eu', 1, {});
    const b1 = event('us', 1, {});
    const merge = event('eu', 2, { eu: 1, us: 1 });
    expect(detectFork([a1, b1])).not.toBeNull();
    expect(detectFork([a1, b1, merge])).toBeNull();
  });
});
