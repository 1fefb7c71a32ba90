import { ProblemException } from '@geode/problem-details';
import { decodeCursor, encodeCursor, parsePageSize } from './read-page';

const anyKey = () => true;

function refusal(run: () => unknown): Record<string, unknown> {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ProblemException);
    return (error as ProblemException).problem();
  }
  throw new Error('expected a refusal');
}

describe('read paging', () => {
  it('round-trips a cursor of its own list', () => {
    const cursor = encodeCursor('entries', 'some-key');
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeCursor('entries', cursor, anyKey)).toBe('some-key');
    expect(decodeCursor('entries', undefined, anyKey)).toBeNull();
    expect(decodeCursor('entries', '', anyKey)).toBeNull();
  });

  it.each([
    ['another list’s cursor', encodeCursor('accounts', 'acc-1')],
    ['not base64url', 'a+b/c='],
    ['not JSON', Buffer.from('hello').toString('base64url')],
    ['another version', Buffer.from('{"v":2,"k":"entries","after":"x"}').toString('base64url')],
    ['a key the list cannot hold', encodeCursor('entries', 'bad key')],
  ])('refuses %s with 400 validation', (_case, cursor) => {
    expect(
      refusal(() => decodeCursor('entries', cursor, (key) => !key.includes(' '))),
    ).toMatchObject({ status: 400, type: 'validation', field: 'cursor' });
  });

  it('takes page sizes from 1 to 500, 50 by default', () => {
    expect(parsePageSize(undefined)).toBe(50);
    expect(parsePageSize('1')).toBe(1);
    expect(parsePageSize(500)).toBe(500);
    for (const bad of ['0', '501', '-1', '1.5', 'ten', 1.5, ['1']])
      expect(refusal(() => parsePageSize(bad, 'first'))).toMatchObject({
        status: 400,
        type: 'validation',
        field: 'first',
      });
  });
});
