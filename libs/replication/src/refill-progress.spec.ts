import { mergedTarget, pullComplete, remainingEntries } from './refill-progress';

describe('refill progress', () => {
  it('merges the targets per origin, taking the highest seq', () => {
    expect(mergedTarget({ us: { eu: 3, us: 7 }, ap: { eu: 5, ap: 2 } })).toEqual({
      eu: 5,
      us: 7,
      ap: 2,
    });
  });

  it('counts what is still to pull, never below zero per origin', () => {
    expect(remainingEntries({ eu: 5, us: 7 }, { eu: 9, us: 4 })).toBe(3);
    expect(remainingEntries({}, { eu: 1 })).toBe(0);
  });

  it('is complete only once every source was heard from and all targets are held', () => {
    expect(pullComplete(['us', 'ap'], { us: { eu: 2 } }, { eu: 2 })).toBe(false);
    expect(pullComplete(['us', 'ap'], { us: { eu: 2 }, ap: { eu: 3 } }, { eu: 2 })).toBe(false);
    expect(pullComplete(['us', 'ap'], { us: { eu: 2 }, ap: { eu: 3 } }, { eu: 3 })).toBe(true);
    // A peer that is not a source but was heard from counts too (it may hold more of our log).
    expect(pullComplete(['us'], { us: { eu: 2 }, ap: { eu: 4 } }, { eu: 2 })).toBe(false);
    expect(pullComplete(['us'], { us: {} }, {})).toBe(true);
  });
});
