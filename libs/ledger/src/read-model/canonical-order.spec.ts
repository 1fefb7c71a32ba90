import fc from 'fast-check';
import {
  canonicalOrderKey,
  compareCanonicalOrder,
  isCanonicalOrderKey,
  type CanonicalStamp,
} from './canonical-order';

const stamp = (wallMs: number, logical: number, region: string, n: number): CanonicalStamp => ({
  hlc: { wallMs, logical },
  dot: { region, n },
});

const regionArb = fc.constantFrom('eu', 'eu-west-1', 'eu-west-10', 'eu-west-2', 'us-east-1', 'a1');
const stampArb = fc
  .record({
    wallMs: fc.oneof(
      fc.integer({ min: 0, max: 5 }),
      fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
    ),
    logical: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
    region: regionArb,
    n: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  })
  .map(({ wallMs, logical, region, n }) => stamp(wallMs, logical, region, n));

describe('canonical order', () => {
  it('orders by HLC wall time, then logical counter, then dot region, then dot counter', () => {
    const ordered = [
      stamp(1, 9, 'us-east-1', 9),
      stamp(2, 0, 'us-east-1', 9),
      stamp(2, 1, 'eu-west-1', 9),
      stamp(2, 1, 'us-east-1', 1),
      stamp(2, 1, 'us-east-1', 2),
    ];
    for (let i = 1; i < ordered.length; i++) {
      expect(compareCanonicalOrder(ordered[i - 1], ordered[i])).toBe(-1);
      expect(compareCanonicalOrder(ordered[i], ordered[i - 1])).toBe(1);
    }
    expect(compareCanonicalOrder(ordered[0], { ...ordered[0] })).toBe(0);
  });

  it('keys sort like the order, including a region that is a prefix of another', () => {
    expect(
      canonicalOrderKey(stamp(5, 0, 'eu', 2)) < canonicalOrderKey(stamp(5, 0, 'eu-west-1', 1)),
    ).toBe(true);
    fc.assert(
      fc.property(stampArb, stampArb, (a, b) => {
        const keyA = canonicalOrderKey(a);
        const keyB = canonicalOrderKey(b);
        const byKey = keyA === keyB ? 0 : keyA < keyB ? -1 : 1;
        expect(byKey).toBe(compareCanonicalOrder(a, b));
        expect(isCanonicalOrderKey(keyA)).toBe(true);
      }),
    );
  });

  it('refuses stamps it cannot encode in order', () => {
    expect(() => canonicalOrderKey(stamp(-1, 0, 'eu', 1))).toThrow(RangeError);
    expect(() => canonicalOrderKey(stamp(1.5, 0, 'eu', 1))).toThrow(RangeError);
    expect(() => canonicalOrderKey(stamp(1, 2 ** 40, 'eu', 1))).toThrow(RangeError);
    expect(() => canonicalOrderKey(stamp(1, 0, 'EU!', 1))).toThrow(RangeError);
  });

  it('tells a key from anything else a client may send', () => {
    expect(isCanonicalOrderKey(canonicalOrderKey(stamp(1, 2, 'eu-west-1', 3)))).toBe(true);
    expect(isCanonicalOrderKey('0001.0002.eu!3')).toBe(false);
    expect(isCanonicalOrderKey("x' OR 1=1")).toBe(false);
  });
});
