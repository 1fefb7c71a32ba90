import fc from 'fast-check';
import { earliestWrite, latestWrite, type Register } from './last-writer-wins';

const writes = fc.uniqueArray(
  fc.record({ key: fc.string({ minLength: 1, maxLength: 4 }), value: fc.integer() }),
  { selector: (w) => w.key, maxLength: 8 },
);

describe('last-writer-wins registers', () => {
  it('keep the write with the highest key, whatever order the writes come in', () => {
    fc.assert(
      fc.property(writes, (all) => {
        const forwards = all.reduce<Register<number> | null>(latestWrite, null);
        const backwards = [...all].reverse().reduce<Register<number> | null>(latestWrite, null);
        expect(forwards).toEqual(backwards);
        const highest = [...all].sort((a, b) => (a.key < b.key ? 1 : -1))[0] ?? null;
        expect(forwards).toEqual(highest);
      }),
    );
  });

  it('first-writer-wins keeps the lowest key', () => {
    const a = { key: 'b', value: 1 };
    const b = { key: 'a', value: 2 };
    expect(earliestWrite(a, b)).toBe(b);
    expect(earliestWrite(b, a)).toBe(b);
    expect(earliestWrite(null, a)).toBe(a);
    expect(latestWrite(a, b)).toBe(a);
    expect(latestWrite(a, null)).toBe(a);
  });
});
