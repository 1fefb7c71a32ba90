import { compareCheckpoints, isLogCheckpoint } from './log-order';

describe('log order', () => {
  it('orders by transaction id first, then position', () => {
    expect(compareCheckpoints({ txId: '9', position: 100 }, { txId: '10', position: 1 })).toBe(-1);
    expect(compareCheckpoints({ txId: '10', position: 2 }, { txId: '10', position: 1 })).toBe(1);
    expect(compareCheckpoints({ txId: '10', position: 2 }, { txId: '10', position: 2 })).toBe(0);
    expect(
      compareCheckpoints(
        { txId: '18446744073709551615', position: 1 },
        { txId: '18446744073709551614', position: 9 },
      ),
    ).toBe(1);
  });

  it.each([
    [{ txId: '0', position: 0 }, true],
    [{ txId: '123', position: 45 }, true],
    [{ txId: '18446744073709551615', position: 1 }, true],
    [{ txId: '18446744073709551616', position: 1 }, false],
    [{ txId: 12, position: 1 }, false],
    [{ txId: '01', position: 1 }, false],
    [{ txId: '1', position: -1 }, false],
    [{ txId: '1', position: 1.5 }, false],
    [{ txId: '1', position: 1, extra: true }, false],
    [null, false],
    ['start', false],
  ])('accepts %j as a checkpoint: %s', (value, ok) => {
    expect(isLogCheckpoint(value)).toBe(ok);
  });
});
