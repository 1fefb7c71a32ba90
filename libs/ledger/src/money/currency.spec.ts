import { CURRENCY_MINOR_UNITS, isCurrencyCode, minorUnitDigits } from './currency';

describe('currencies', () => {
  it.each<[string, number]>([
    ['EUR', 2],
    ['USD', 2],
    ['GBP', 2],
    ['JPY', 0],
    ['CHF', 2],
    ['CNY', 2],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
    ['XOF', 0],
    ['XCG', 2],
  ])('knows %s with %i minor-unit digits', (code, digits) => {
    expect(isCurrencyCode(code)).toBe(true);
    if (isCurrencyCode(code)) expect(minorUnitDigits(code)).toBe(digits);
  });

  it.each([
    'eur',
    'EURO',
    'XYZ',
    'XAU',
    'XXX',
    'XTS',
    'HRK',
    '',
    'toString',
    '__proto__',
    978,
    null,
  ])('refuses %p', (code) => {
    expect(isCurrencyCode(code)).toBe(false);
  });

  it('lists only three-letter uppercase codes with 0–4 digits', () => {
    for (const [code, digits] of Object.entries(CURRENCY_MINOR_UNITS)) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(digits);
    }
    expect(Object.keys(CURRENCY_MINOR_UNITS).length).toBeGreaterThan(150);
  });
});
