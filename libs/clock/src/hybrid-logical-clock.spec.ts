import fc from 'fast-check';
import { compareHlc, type Hlc } from './hlc';
import { CLOCK, ClockDriftError, HybridLogicalClock } from './hybrid-logical-clock';
import { ManualWallClock, type WallClock } from './wall-clock';

function clockAt(startMs: number, maxForwardDriftMs?: number) {
  const wall = new ManualWallClock(startMs);
  const clock = new HybridLogicalClock(wall, { maxForwardDriftMs });
  return { wall, clock };
}

describe('HybridLogicalClock', () => {
  it('has a symbol DI token', () => {
    expect(typeof CLOCK).toBe('symbol');
  });

  describe('now()', () => {
    it('follows the wall clock and counts within one ms', () => {
      const { wall, clock } = clockAt(1_000);
      expect(clock.now()).toEqual({ wallMs: 1_000, logical: 0 });
      expect(clock.now()).toEqual({ wallMs: 1_000, logical: 1 });
      wall.advance(1);
      expect(clock.now()).toEqual({ wallMs: 1_001, logical: 0 });
    });

    it('starts above the zero timestamp even when the wall clock reads 0', () => {
      const { clock } = clockAt(0);
      expect(clock.peek()).toEqual({ wallMs: 0, logical: 0 });
      expect(clock.now()).toEqual({ wallMs: 0, logical: 1 });
    });

    it('stays monotonic when the wall clock jumps backwards', () => {
      // given a clock that issued a timestamp at 10 s
      const { wall, clock } = clockAt(10_000);
      const before = clock.now();
      // when the wall clock steps back 6 s
      wall.set(4_000);
      const during = [clock.now(), clock.now()];
      // then it keeps counting on the old wall time until the wall clock catches up
      expect(before).toEqual({ wallMs: 10_000, logical: 0 });
      expect(during).toEqual([
        { wallMs: 10_000, logical: 1 },
        { wallMs: 10_000, logical: 2 },
      ]);
      wall.set(10_001);
      expect(clock.now()).toEqual({ wallMs: 10_001, logical: 0 });
    });

    it('refuses a wall clock that returns garbage', () => {
      const broken: WallClock = { nowMs: () => Number.NaN };
      expect(() => new HybridLogicalClock(broken).now()).toThrow(RangeError);
    });
  });

  describe('observe()', () => {
    it('lifts the clock to a remote that is ahead within the bound', () => {
      // given a local wall clock at 1 000 ms
      const { clock } = clockAt(1_000);
      clock.now();
      // when a remote stamped 400 ms later arrives
      const merged = clock.observe({ wallMs: 1_400, logical: 7 });
      // then the local clock moves past it, and local events follow it
      expect(merged).toEqual({ wallMs: 1_400, logical: 8 });
      expect(clock.now()).toEqual({ wallMs: 1_400, logical: 9 });
    });

    it('counts past the local time when the remote is behind', () => {
      const { clock } = clockAt(1_000);
      clock.now();
      expect(clock.observe({ wallMs: 900, logical: 50 })).toEqual({ wallMs: 1_000, logical: 1 });
    });

    it('takes the larger counter when local and remote share the wall time', () => {
      const { clock } = clockAt(1_000);
      clock.now();
      clock.now();
      expect(clock.observe({ wallMs: 1_000, logical: 7 })).toEqual({ wallMs: 1_000, logical: 8 });
      expect(clock.observe({ wallMs: 1_000, logical: 3 })).toEqual({ wallMs: 1_000, logical: 9 });
    });

    it('jumps to the wall clock when it is ahead of both', () => {
      const { wall, clock } = clockAt(1_000);
      clock.now();
      wall.set(5_000);
      expect(clock.observe({ wallMs: 4_000, logical: 3 })).toEqual({ wallMs: 5_000, logical: 0 });
    });

    it('accepts a remote exactly at the bound', () => {
      const { clock } = clockAt(1_000);
      expect(clock.observe({ wallMs: 1_500, logical: 0 })).toEqual({ wallMs: 1_500, logical: 1 });
    });

    it('refuses a remote beyond the bound and leaves the clock unchanged', () => {
      // given a clock that issued 1 000.1
      const { clock } = clockAt(1_000);
      clock.now();
      clock.now();
      const before = clock.peek();
      // when a remote 501 ms ahead arrives
      const attempt = () => clock.observe({ wallMs: 1_501, logical: 0 });
      // then it is refused with the drift, the bound and a stable code
      expect(attempt).toThrow(ClockDriftError);
      expect(attempt).toThrow(
        '501 ms ahead of the local wall clock (1000 ms), beyond the bound of 500 ms',
      );
      try {
        attempt();
      } catch (error) {
        expect(error).toMatchObject({
          code: 'clock-drift',
          remote: { wallMs: 1_501, logical: 0 },
          localWallMs: 1_000,
          boundMs: 500,
        });
      }
      expect(clock.peek()).toEqual(before);
      expect(clock.now()).toEqual({ wallMs: 1_000, logical: 2 });
    });

    it('uses the configured bound', () => {
      const { clock } = clockAt(1_000, 50);
      expect(() => clock.observe({ wallMs: 1_051, logical: 0 })).toThrow(
        'beyond the bound of 50 ms',
      );
      expect(clock.observe({ wallMs: 1_050, logical: 0 })).toEqual({ wallMs: 1_050, logical: 1 });
    });

    it.each([-1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a bound of %p', (bound) => {
      expect(() => clockAt(0, bound)).toThrow(RangeError);
    });

    it.each<[string, unknown]>([
      ['null', null],
      ['a number', 5],
      ['an empty object', {}],
      ['a negative wallMs', { wallMs: -1, logical: 0 }],
      ['a fractional wallMs', { wallMs: 1.5, logical: 0 }],
      ['a NaN wallMs', { wallMs: Number.NaN, logical: 0 }],
      ['a string wallMs', { wallMs: '1000', logical: 0 }],
      ['an unsafe wallMs', { wallMs: 2 ** 53, logical: 0 }],
      ['a negative logical', { wallMs: 1_000, logical: -1 }],
      ['an unsafe logical', { wallMs: 1_000, logical: 2 ** 53 }],
      ['a missing logical', { wallMs: 1_000 }],
    ])('refuses %s as a remote hlc, clock unchanged', (_label, remote) => {
      const { clock } = clockAt(1_000);
      clock.now();
      expect(() => clock.observe(remote as Hlc)).toThrow(TypeError);
      expect(() => clock.observe(remote as Hlc)).toThrow(/not a valid hlc/);
      expect(clock.peek()).toEqual({ wallMs: 1_000, logical: 0 });
    });

    it('reads each field of the remote once, so a getter cannot change it after the check', () => {
      const { clock } = clockAt(1_000);
      let reads = 0;
      const shifty = {
        get wallMs() {
          reads += 1;
          return reads === 1 ? 1_000 : -5;
        },
        logical: 0,
      };
      expect(clock.observe(shifty)).toEqual({ wallMs: 1_000, logical: 1 });
    });

    it('writes a remote -0 back as 0', () => {
      const { clock } = clockAt(0);
      expect(Object.is(clock.observe({ wallMs: -0, logical: 5 }).wallMs, 0)).toBe(true);
    });

    it('keeps the logical counter a safe integer by borrowing one ms', () => {
      const { clock } = clockAt(1_000);
      const merged = clock.observe({ wallMs: 1_000, logical: Number.MAX_SAFE_INTEGER });
      expect(merged).toEqual({ wallMs: 1_001, logical: 0 });
      expect(compareHlc(merged, { wallMs: 1_000, logical: Number.MAX_SAFE_INTEGER })).toBe(1);
    });
  });

  describe('peek()', () => {
    it('returns the last value without ticking, as a copy', () => {
      const { clock } = clockAt(1_000);
      const issued = clock.now();
      const peeked = clock.peek();
      peeked.logical = 99;
      expect(clock.peek()).toEqual(issued);
      expect(clock.peek()).toEqual(issued);
    });
  });

  describe('for any interleaving of now(), observe() and wall clock moves', () => {
    const BOUND_MS = 500;
    const step = fc.oneof(
      fc.record({ kind: fc.constant('now' as const) }),
      fc.record({
        kind: fc.constant('observe' as const),
        offsetMs: fc.integer({ min: -2_000, max: 2 * BOUND_MS }),
        logical: fc.oneof(
          fc.nat(5),
          fc.integer({ min: Number.MAX_SAFE_INTEGER - 3, max: Number.MAX_SAFE_INTEGER }),
        ),
      }),
      fc.record({
        kind: fc.constant('wall' as const),
        deltaMs: fc.integer({ min: -3_000, max: 3_000 }),
      }),
    );

    it('returns strictly increasing values, each observe() above its remote', () => {
      fc.assert(
        fc.property(fc.array(step, { maxLength: 200 }), (steps) => {
          const { wall, clock } = clockAt(1_700_000_000_000, BOUND_MS);
          let previous: Hlc | null = null;
          const expectAbovePrevious = (value: Hlc) => {
            if (previous) expect(compareHlc(value, previous)).toBe(1);
            previous = value;
          };
          for (const s of steps) {
            if (s.kind === 'now') {
              expectAbovePrevious(clock.now());
            } else if (s.kind === 'wall') {
              wall.set(Math.max(0, wall.nowMs() + s.deltaMs));
            } else {
              const remote = { wallMs: Math.max(0, wall.nowMs() + s.offsetMs), logical: s.logical };
              const before = clock.peek();
              if (remote.wallMs - wall.nowMs() > BOUND_MS) {
                expect(() => clock.observe(remote)).toThrow(ClockDriftError);
                expect(clock.peek()).toEqual(before);
              } else {
                const merged = clock.observe(remote);
                expect(compareHlc(merged, remote)).toBe(1);
                expectAbovePrevious(merged);
              }
            }
            expect(Number.isSafeInteger(clock.peek().logical)).toBe(true);
          }
        }),
        { numRuns: 300 },
      );
    });
  });
});
