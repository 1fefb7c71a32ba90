import fc from 'fast-check';
import { addElement, elementsOf, emptyAddWinsSet, removeElement } from './add-wins-set';
import { mergeLww } from './lww-register';
import { mergeMax } from './max-register';
import { counterValue, emptyCounter, mergeCounters, updateCounter } from './pn-counter';

const regions = fc.constantFrom('eu', 'us', 'ap');

describe('merge strategies are commutative, associative and idempotent', () => {
  it('PN-counter: replicas that saw the same updates agree on the value', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(regions, fc.bigInt(-1000n, 1000n), fc.nat(2)), { maxLength: 30 }),
        (updates) => {
          // Three replicas, each a region's own running totals; each update goes to one.
          const replicas = [emptyCounter(), emptyCounter(), emptyCounter()];
          const owner: Record<string, number> = { eu: 0, us: 1, ap: 2 };
          for (const [region, delta] of updates)
            replicas[owner[region]] = updateCounter(replicas[owner[region]], region, delta);
          const [a, b, c] = replicas;
          const abc = mergeCounters(mergeCounters(a, b), c);
          const cba = mergeCounters(c, mergeCounters(b, a));
          expect(counterValue(abc)).toBe(counterValue(cba));
          expect(counterValue(mergeCounters(abc, abc))).toBe(counterValue(abc));
          expect(counterValue(abc)).toBe(updates.reduce((sum, [, d]) => sum + d, 0n));
        },
      ),
    );
  });

  it('LWW register: the canonically last write wins in any merge order', () => {
    const write = (wallMs: number, region: string, value: string) => ({
      value,
      writtenBy: { eventId: value, dot: { region, n: 1 }, deps: {}, hlc: { wallMs, logical: 0 } },
    });
    const a = write(5, 'us', 'a');
    const b = write(5, 'eu', 'b');
    const c = write(4, 'ap', 'c');
    expect(mergeLww(mergeLww(a, b), c)?.value).toBe('a');
    expect(mergeLww(c, mergeLww(b, a))?.value).toBe('a');
    expect(mergeLww(null, c)).toBe(c);
  });

  it('max-register keeps the greatest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer(), { minLength: 1 }), (values) => {
        const forwards = values.reduce<number | null>((m, v) => mergeMax(m, v), null);
        const backwards = [...values]
          .reverse()
          .reduce<number | null>((m, v) => mergeMax(m, v), null);
        expect(forwards).toBe(Math.max(...values));
        expect(backwards).toBe(forwards);
      }),
    );
  });

  it('add-wins set: a remove cancels only the adds it had seen, in any order', () => {
    type Op = (s: ReturnType<typeof emptyAddWinsSet>) => ReturnType<typeof emptyAddWinsSet>;
    const ops: Op[] = [
      (s) => addElement(s, 'vip', { region: 'eu', n: 1 }),
      (s) => removeElement(s, 'vip', { eu: 1 }), // saw eu:1 only
      (s) => addElement(s, 'vip', { region: 'us', n: 1 }), // concurrent with the remove
      (s) => addElement(s, 'gold', { region: 'eu', n: 2 }),
      (s) => removeElement(s, 'gold', { eu: 2 }),
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(ops, { minLength: ops.length }), (order) => {
        const twice = [...order, ...order];
        expect(elementsOf(twice.reduce((s, op) => op(s), emptyAddWinsSet()))).toEqual(['vip']);
      }),
    );
  });
});
