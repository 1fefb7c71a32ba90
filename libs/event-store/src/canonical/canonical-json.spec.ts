import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { CanonicalEncodingError, canonicalJson } from './canonical-json';

function refusal(value: unknown): CanonicalEncodingError {
  try {
    canonicalJson(value);
  } catch (error) {
    if (error instanceof CanonicalEncodingError) return error;
    throw error;
  }
  throw new Error(`expected ${String(value)} to be refused`);
}

function fromIeee754Hex(hex: string): number {
  return Buffer.from(hex, 'hex').readDoubleBE(0);
}

describe('canonicalJson', () => {
  describe('RFC 8785 vectors', () => {
    it('sorts members by UTF-16 code units, also non-ASCII and astral keys (§3.2.3)', () => {
      const input = {
        '\u20ac': 'Euro Sign',
        '\r': 'Carriage Return',
        '\ufb33': 'Hebrew Letter Dalet With Dagesh',
        '1': 'One',
        '\ud83d\ude00': 'Emoji: Grinning Face',
        '\u0080': 'Control',
        '\u00f6': 'Latin Small Letter O With Diaeresis',
      };
      expect(canonicalJson(input)).toBe(
        '{"\\r":"Carriage Return","1":"One","\u0080":"Control",' +
          '"\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign",' +
          '"\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
      );
    });

    it('writes literals, strings and numbers as ECMAScript does (§3.2.2, 1E30 left out as unsafe)', () => {
      const input = JSON.parse(
        '{"numbers": [333333333.33333329, 4.50, 2e-3, 0.000000000000000000000000001],' +
          ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
          ' "literals": [null, true, false]}',
      );
      expect(canonicalJson(input)).toBe(
        '{"literals":[null,true,false],"numbers":[333333333.3333333,4.5,0.002,1e-27],' +
          '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
      );
    });

    it.each([
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['433fffffffffffff', '9007199254740991'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ])('writes the double 0x%s as %s (Appendix B)', (hex, expected) => {
      expect(canonicalJson(fromIeee754Hex(hex))).toBe(expected);
    });

    it.each([
      ['4340000000000000', '9007199254740992'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
    ])('refuses the double 0x%s (%s): beyond the safe integers', (hex) => {
      expect(refusal(fromIeee754Hex(hex)).message).toMatch(/exceeds Number.MAX_SAFE_INTEGER/);
    });
  });

  describe('numbers', () => {
    it.each<[number, string]>([
      [1e-7, '1e-7'],
      [0.1 + 0.2, '0.30000000000000004'],
      [-0, '0'],
      [100, '100'],
      [-1.5, '-1.5'],
      [Number.MIN_SAFE_INTEGER, '-9007199254740991'],
      [123456789012.5, '123456789012.5'],
    ])('writes %p as %s', (value, expected) => {
      expect(canonicalJson(value)).toBe(expected);
    });
  });

  describe('strings', () => {
    it('escapes as JSON.stringify does and keeps other text as is', () => {
      expect(canonicalJson('a"b\\c\u0000\u001f\u007f\u2028é😀')).toBe(
        '"a\\"b\\\\c\\u0000\\u001f\u007f\u2028é😀"',
      );
    });
  });

  describe('structure', () => {
    it('writes nested containers without whitespace, sorting keys at every level', () => {
      expect(canonicalJson({ b: [1, { y: 2, x: [] }], a: {}, c: null })).toBe(
        '{"a":{},"b":[1,{"x":[],"y":2}],"c":null}',
      );
    });

    it('accepts objects without a prototype and repeated (non-circular) references', () => {
      const shared = { v: 1 };
      const bare = Object.assign(Object.create(null) as Record<string, unknown>, {
        z: shared,
        a: shared,
      });
      expect(canonicalJson(bare)).toBe('{"a":{"v":1},"z":{"v":1}}');
    });

    it('accepts plain objects and arrays made in another realm', () => {
      const foreign = runInNewContext('({ b: [1, { d: null }], a: "x" })') as unknown;
      expect(canonicalJson(foreign)).toBe('{"a":"x","b":[1,{"d":null}]}');
    });
  });

  describe('refusals', () => {
    class Money {
      constructor(readonly minorUnits: string) {}
    }
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const withExtra = Object.assign([1, 2], { note: 'x' });
    class Tags extends Array<string> {}
    const inheriting = Object.create({ inherited: 1 }) as object;
    const foreignDate = runInNewContext('new Date(0)') as unknown;
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;

    it.each<[string, unknown, string, RegExp]>([
      ['NaN', { n: Number.NaN }, '$.n', /NaN is not a JSON number/],
      ['Infinity', { n: Number.POSITIVE_INFINITY }, '$.n', /Infinity is not a JSON number/],
      ['-Infinity', [Number.NEGATIVE_INFINITY], '$[0]', /-Infinity is not a JSON number/],
      ['undefined at the root', undefined, '$', /undefined is not a JSON value/],
      ['an undefined member', { a: { b: undefined } }, '$.a.b', /undefined/],
      ['an undefined item', [1, undefined], '$[1]', /undefined/],
      ['a function', { f: () => 1 }, '$.f', /function is not a JSON value/],
      ['a symbol', { s: Symbol('s') }, '$.s', /symbol is not a JSON value/],
      ['a bigint', { amount: 10n }, '$.amount', /bigint/],
      ['a Date', { at: new Date(0) }, '$.at', /a Date is not a plain JSON object/],
      ['a Map', { m: new Map() }, '$.m', /a Map is not/],
      ['a Set', [new Set()], '$[0]', /a Set is not/],
      ['a class instance', { price: new Money('100') }, '$.price', /a Money is not/],
      ['a boxed string', { s: new String('x') }, '$.s', /a String is not/],
      ['a typed array', { b: new Uint8Array(2) }, '$.b', /a Uint8Array is not/],
      ['an Array subclass', { tags: Tags.from(['a']) }, '$.tags', /a Tags is not/],
      ['an object with a custom prototype', { o: inheriting }, '$.o', /is not a plain JSON object/],
      ['a Date from another realm', { at: foreignDate }, '$.at', /a Date is not/],
      ['a sparse array', { list: sparse }, '$.list[1]', /hole in a sparse array/],
      ['an array with named properties', { list: withExtra }, '$.list', /besides its items/],
      ['a symbol-keyed property', { o: { [Symbol('k')]: 1 } }, '$.o', /symbol-keyed/],
      ['a circular reference', circular, '$.self', /circular reference/],
      [
        'a lone high surrogate in a string',
        { s: 'a\ud800' },
        '$.s',
        /string holds a lone surrogate/,
      ],
      ['a lone low surrogate in a string', ['\udc00b'], '$[0]', /lone surrogate/],
      [
        'a lone surrogate in a key',
        { '\ud83dx': 1 },
        '$["\\ud83dx"]',
        /key holds a lone surrogate/,
      ],
      ['2^53', { n: 2 ** 53 }, '$.n', /exceeds Number.MAX_SAFE_INTEGER/],
      ['-(2^53)', { n: -(2 ** 53) }, '$.n', /exceeds/],
      ['1e21', { n: 1e21 }, '$.n', /exceeds/],
      ['an unsafe amount deep inside', { data: { amount: 2 ** 60 } }, '$.data.amount', /exceeds/],
      ['an odd key', { 'a b': { 'c-d': [Number.NaN] } }, '$["a b"]["c-d"][0]', /NaN/],
    ])('refuses %s, naming the JSON path', (_label, value, path, reason) => {
      const error = refusal(value);
      expect(error.code).toBe('non-canonical-json');
      expect(error.path).toBe(path);
      expect(error.message.startsWith(`${path}: `)).toBe(true);
      expect(error.message).toMatch(reason);
    });
  });

  describe('properties', () => {
    // JSON values that can round-trip anywhere: no unsafe integers, no -0, any Unicode text.
    const text = fc.string({ unit: 'binary', maxLength: 8 });
    const safeNumber = fc.oneof(
      fc.maxSafeInteger(),
      fc
        .double({ noNaN: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER })
        .map((n) => n + 0),
    );
    const { json } = fc.letrec<{ json: unknown }>((tie) => ({
      json: fc.oneof(
        { depthSize: 'small' },
        fc.constant(null),
        fc.boolean(),
        safeNumber,
        text,
        fc.array(tie('json'), { maxLength: 5 }),
        fc.dictionary(text, tie('json'), { maxKeys: 5 }),
      ),
    }));

    function withKeysReordered(value: unknown, pick: (keys: string[]) => string[]): unknown {
      if (Array.isArray(value)) return value.map((item) => withKeysReordered(item, pick));
      if (typeof value !== 'object' || value === null) return value;
      const source = value as Record<string, unknown>;
      const copy: Record<string, unknown> = {};
      for (const key of pick(Object.keys(source))) {
        Object.defineProperty(copy, key, {
          value: withKeysReordered(source[key], pick),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return copy;
    }

    it('does not depend on the order in which keys were inserted', () => {
      fc.assert(
        fc.property(json, fc.integer(), (value, seed) => {
          const rotate = (keys: string[]) => {
            const k = keys.length === 0 ? 0 : Math.abs(seed) % keys.length;
            return [...keys.slice(k), ...keys.slice(0, k)].reverse();
          };
          expect(canonicalJson(withKeysReordered(value, rotate))).toBe(canonicalJson(value));
        }),
      );
    });

    it('parses back to the value it encoded, and re-encodes to the same text', () => {
      fc.assert(
        fc.property(json, (value) => {
          const encoded = canonicalJson(value);
          expect(JSON.parse(encoded)).toEqual(value);
          expect(canonicalJson(JSON.parse(encoded))).toBe(encoded);
        }),
      );
    });

    it('writes the same text as JSON.stringify of a key-sorted copy', () => {
      fc.assert(
        fc.property(json, (value) => {
          const sorted = withKeysReordered(value, (keys) => [...keys].sort());
          expect(canonicalJson(value)).toBe(JSON.stringify(sorted));
        }),
      );
    });
  });
});
