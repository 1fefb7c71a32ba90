import fc from 'fast-check';
import { compareHlc, type Hlc } from './hlc';

describe('compareHlc', () => {
  it.each<[Hlc, Hlc, number]>([
    [{ wallMs: 1, logical: 0 }, { wallMs: 2, logical: 0 }, -1],
    [{ wallMs: 2, logical: 0 }, { wallMs: 1, logical: 99 }, 1],
    [{ wallMs: 5, logical: 1 }, { wallMs: 5, logical: 2 }, -1],
    [{ wallMs: 5, logical: 3 }, { wallMs: 5, logical: 2 }, 1],
    [{ wallMs: 5, logical: 2 }, { wallMs: 5, logical: 2 }, 0],
  ])('compares %j with %j as %i (wallMs first, then logical)', (a, b, expected) => {
    expect(compareHlc(a, b)).toBe(expected);
  });

  it('is a total order consistent with comparing [wallMs, logical] lexicographically', () => {
    const hlc = fc.record({ wallMs: fc.nat(20), logical: fc.nat(20) });
    fc.assert(
      fc.property(hlc, hlc, (a, b) => {
        const expected =
          a.wallMs !== b.wallMs ? Math.sign(a.wallMs - b.wallMs) : Math.sign(a.logical - b.logical);
        expect(compareHlc(a, b)).toBe(expected);
        expect(compareHlc(b, a)).toBe(-expected || 0);
      }),
    );
  });
});
