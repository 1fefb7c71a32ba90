import { detectFork, streamHeads } from './fork-detection';
import { areConcurrent, happenedBefore } from './causality';
import { compareCanonical, inCanonicalOrder } from './canonical-order';
import { MERGE_EVENT_TYPE } from './merge-event';

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
    const merge = { ...event('eu', 2, { eu: 1, us: 1 }), type: MERGE_EVENT_TYPE };
    expect(detectFork([a1, b1])).not.toBeNull();
    expect(detectFork([a1, b1, merge])).toBeNull();
  });
});

describe('only a merge closes a fork', () => {
  const opened = event('eu', 1, {}, 1);
  const a = event('eu', 2, { eu: 1 }, 10); // two withdrawals, neither had seen the other
  const b = event('us', 1, { eu: 1 }, 11);

  it('an ordinary event that had seen both heads leaves the fork open', () => {
    const joiner = event('eu', 3, { eu: 2, us: 1 }, 20); // a local write made after b arrived
    expect(streamHeads([opened, a, b, joiner])).toEqual([joiner]);
    const fork = detectFork([joiner, b, opened, a])!;
    expect(fork.heads).toEqual([a, b]);
    expect(fork.ancestors).toEqual([opened]);
    expect(fork.ancestorVector).toEqual({ eu: 1 });
    expect(fork.concurrent).toEqual([a, b]);
    expect(fork.branches).toEqual([[a], [b]]);
    // The merge follows the joiner too, so it does not make a fork of its own with it.
    expect(fork.joinVector).toEqual({ eu: 3, us: 1 });
  });

  it('a joiner in a third region does not hide the fork either', () => {
    const joiner = event('ap', 1, { eu: 2, us: 1 }, 20);
    const fork = detectFork([opened, a, joiner, b])!;
    expect(fork.heads).toEqual([a, b]);
    expect(fork.joinVector).toEqual({ ap: 1, eu: 2, us: 1 });
    expect(fork.missing).toEqual([]);
  });

  it('an open pair under a later fork belongs to that fork, not to its ancestor', () => {
    const joiner = event('eu', 3, { eu: 2, us: 1 }, 20);
    const b2 = event('us', 2, { eu: 2, us: 1 }, 21); // had seen a, not the joiner
    const fork = detectFork([opened, a, b, joiner, b2])!;
    expect(fork.heads).toEqual([joiner, b2]);
    expect(fork.ancestors).toEqual([opened]);
    expect(fork.concurrent).toEqual([a, b, joiner, b2]);
  });

  it('the merge closes the open pairs it had seen; a later concurrent event opens a new fork', () => {
    const joiner = event('eu', 3, { eu: 2, us: 1 }, 20);
    const merge = { ...event('eu', 4, { eu: 3, us: 1 }, 30), type: MERGE_EVENT_TYPE };
    expect(detectFork([opened, a, b, joiner, merge])).toBeNull();
    const late = event('ap', 1, { eu: 1 }, 31); // had seen only the opening
    const fork = detectFork([opened, a, b, joiner, merge, late])!;
    expect(fork.heads).toEqual([merge, late]);
    expect(fork.ancestors).toEqual([opened]);
  });

  it('counts what a named event had seen as seen: deps alone are not transitive', () => {
    // ap held eu's 3rd event (which had seen us's 2nd) before us's 2nd arrived.
    const u2 = event('us', 2, { eu: 1, us: 1 }, 12);
    const e3 = event('eu', 3, { eu: 2, us: 2 }, 13);
    const p1 = event('ap', 1, { eu: 3, us: 1 }, 14);
    expect(streamHeads([opened, a, b, u2, e3, p1])).toEqual([p1]);
    // a and b stay open (nothing merged them); u2 is no fork with p1: p1 had seen it through e3.
    expect(detectFork([opened, a, b, u2, e3, p1])!.heads).toEqual([a, u2]);
  });

  it('gives the same fork whatever order the events come in', () => {
    const joiner = event('ap', 1, { eu: 2, us: 1 }, 20);
    const b2 = event('us', 2, { us: 1 }, 22);
    const all = [opened, a, b, joiner, b2];
    const expected = detectFork(all)!;
    for (const order of [
      [...all].reverse(),
      [b2, opened, joiner, a, b],
      [joiner, b, a, b2, opened],
    ])
      expect(detectFork(order)).toEqual(expected);
  });
});
