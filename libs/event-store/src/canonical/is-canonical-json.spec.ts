import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { canonicalJson, isCanonicalJson } from './canonical-json';

const encodes = (value: unknown) => {
  try {
    canonicalJson(value);
    return true;
  } catch {
    return false;
  }
};

describe('isCanonicalJson', () => {
  it('agrees with canonicalJson on any value', () => {
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withMap: true,
          withSet: true,
          withNullPrototype: true,
          withSparseArray: true,
          withTypedArray: true,
        }),
        (value) => {
          expect(isCanonicalJson(value)).toBe(encodes(value));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('agrees on JSON values, including edge numbers and strings', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => expect(isCanonicalJson(value)).toBe(encodes(value))),
      { numRuns: 1_000 },
    );
  });

  it.each([
    ['NaN', { a: NaN }],
    ['an unsafe integer', { a: 2 ** 60 }],
    ['a lone surrogate in a key', { '\ud800': 1 }],
    ['a lone surrogate in a string', ['\udc00']],
    ['a sparse array', Object.assign(new Array<number>(3), { 0: 1, 2: 3 })],
    ['an array with a named property', Object.assign([1], { x: 1 })],
    ['a Date', { at: new Date(0) }],
    ['undefined', { a: undefined }],
    ['a function', { f: () => 1 }],
    ['a symbol key', { [Symbol('s')]: 1 }],
  ])('refuses %s, as canonicalJson does', (_case, value) => {
    expect(isCanonicalJson(value)).toBe(false);
    expect(encodes(value)).toBe(false);
  });

  it('accepts plain values from another realm and leaves cycles to canonicalJson', () => {
    expect(isCanonicalJson(runInNewContext('({ a: [1, { b: "x" }] })'))).toBe(true);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(isCanonicalJson(cyclic)).toBe(false);
    expect(() => canonicalJson(cyclic)).toThrow(/circular/);
  });
});
