import { amountProblem, formatMinorUnits, MAX_MINOR_UNITS, parseMinorUnits } from './minor-units';
import fc from 'fast-check';

describe('parseMinorUnits', () => {
  it.each<[string, bigint]>([
    ['1', 1n],
    ['1250', 1250n],
    ['9223372036854775807', 9223372036854775807n],
  ])('reads %p as %p', (text, expected) => {
    expect(parseMinorUnits(text)).toEqual({ ok: true, value: expected });
  });

  it.each<[string, unknown]>([
    ['negative', '-5'],
    ['zero', '0'],
    ['negative zero', '-0'],
    ['fractional', '12.50'],
    ['a trailing point', '12.'],
    ['an exponent', '1e3'],
    ['a leading space', ' 12'],
    ['a trailing newline', '12\n'],
    ['a leading plus', '+5'],
    ['a leading zero', '0100'],
    ['above 2^63 − 1', '9223372036854775808'],
    ['far above 2^63 − 1', '99999999999999999999999'],
    ['non-numeric', 'abc'],
    ['hexadecimal', '0x10'],
    ['digit separators', '1_000'],
    ['non-ASCII digits', '١٢'],
    ['empty', ''],
    ['a number, not a string', 1250],
    ['a bigint, not a string', 1250n],
    ['null', null],
  ])('refuses %s (%p) as validation', (_case, text) => {
    const result = parseMinorUnits(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe('validation');
  });

  it('names the refused text, cut short when long', () => {
    const result = parseMinorUnits('9'.repeat(100));
    expect(!result.ok && result.error.message).toMatch(/^amount "9{40}…" is not a whole number/);
  });

  it('reads back everything it writes, for every amount it accepts', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: MAX_MINOR_UNITS }), (amount) => {
        expect(parseMinorUnits(formatMinorUnits(amount))).toEqual({ ok: true, value: amount });
      }),
    );
  });
});

describe('amountProblem', () => {
  it.each([1n, MAX_MINOR_UNITS])('accepts %p', (amount) => {
    expect(amountProblem(amount)).toBeNull();
  });

  it.each<[unknown, RegExp]>([
    [0n, /at least 1/],
    [-1n, /at least 1/],
    [MAX_MINOR_UNITS + 1n, /at most 9223372036854775807/],
    [100, /must be a bigint/],
    ['100', /must be a bigint/],
  ])('refuses %p', (amount, problem) => {
    expect(amountProblem(amount)).toMatch(problem);
  });
});

describe('formatMinorUnits', () => {
  it.each<[bigint, string]>([
    [0n, '0'],
    [1250n, '1250'],
    [-40n, '-40'],
    [MAX_MINOR_UNITS, '9223372036854775807'],
  ])('writes %p as %p', (amount, text) => {
    expect(formatMinorUnits(amount)).toBe(text);
  });
});
