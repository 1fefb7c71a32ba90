import fc from 'fast-check';
import { isRemovedBy, presentElements, tombstonesOfRemove, type ElementAdd } from './add-wins-set';

describe('add-wins OR-set', () => {
  it('a remove cancels the adds its deps had seen', () => {
    const add: ElementAdd = { element: 'vip', region: 'eu', n: 3 };
    expect(isRemovedBy(add, tombstonesOfRemove('vip', { eu: 3 }))).toBe(true);
    expect(presentElements([add], tombstonesOfRemove('vip', { eu: 4, us: 1 }))).toEqual([]);
  });

  it('an add concurrent with a remove survives it', () => {
    const seen: ElementAdd = { element: 'vip', region: 'eu', n: 2 };
    const concurrent: ElementAdd = { element: 'vip', region: 'us', n: 1 };
    const stones = tombstonesOfRemove('vip', { eu: 2 });
    expect(presentElements([seen, concurrent], stones)).toEqual(['vip']);
  });

  it('a remove touches only its own element', () => {
    const stones = tombstonesOfRemove('vip', { eu: 9 });
    expect(presentElements([{ element: 'gold', region: 'eu', n: 1 }], stones)).toEqual(['gold']);
  });

  it('lists present elements once, ascending by code unit', () => {
    const adds = ['b', 'a', 'b', 'a-1'].map((element, i) => ({ element, region: 'eu', n: i + 1 }));
    expect(presentElements(adds, [])).toEqual(['a', 'a-1', 'b']);
  });

  it('ignores zero entries of a deps vector', () => {
    expect(tombstonesOfRemove('vip', { eu: 0, us: 2 })).toEqual([
      { element: 'vip', region: 'us', upTo: 2 },
    ]);
  });

  it('ends in the same elements whatever order adds and removes arrive in', () => {
    const op = fc.oneof(
      fc.record({
        add: fc.record({
          element: fc.constantFrom('a', 'b'),
          region: fc.constantFrom('eu', 'us'),
          n: fc.integer({ min: 1, max: 5 }),
        }),
      }),
      fc.record({
        remove: fc.record({
          element: fc.constantFrom('a', 'b'),
          deps: fc.record({ eu: fc.nat(5), us: fc.nat(5) }),
        }),
      }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 12 }), fc.nat(), (ops, seed) => {
        const state = (list: typeof ops) =>
          presentElements(
            list.flatMap((o) => ('add' in o ? [o.add] : [])),
            list.flatMap((o) =>
              'remove' in o ? tombstonesOfRemove(o.remove.element, o.remove.deps) : [],
            ),
          );
        const shuffled = [...ops].sort(
          (x, y) => hash(JSON.stringify(x), seed) - hash(JSON.stringify(y), seed),
        );
        expect(state(shuffled)).toEqual(state(ops));
      }),
    );
  });
});

function hash(text: string, seed: number): number {
  let h = seed | 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h;
}
