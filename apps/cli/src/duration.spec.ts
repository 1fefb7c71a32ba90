import { parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['80ms', 80],
    ['80', 80],
    ['1.5s', 1_500],
    ['1m', 60_000],
    ['0', 0],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text, '--wan-delay')).toBe(ms));

  it.each(['fast', '-5ms', '10h', '2m'])('refuses %s', (text) =>
    expect(() => parseDuration(text, '--wan-delay')).toThrow(/--wan-delay must be/),
  );
});
