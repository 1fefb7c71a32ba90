import { GeodeHealth } from './geode-health';

const thresholds = { failuresToDown: 3, successesToUp: 2, maxLagMs: 1_000 };

describe('GeodeHealth', () => {
  it('is decided by its first check, then changes only after enough results in a row', () => {
    const health = new GeodeHealth(thresholds);
    expect(health.state).toBe('unknown');
    expect(health.checkSucceeded(1, 5, null)).toEqual({
      from: 'unknown',
      to: 'up',
      reason: 'first check succeeded',
    });
    expect(health.checkFailed(2, 'timeout')).toBeUndefined();
    expect(health.checkFailed(3, 'timeout')).toBeUndefined();
    expect(health.checkSucceeded(4, 5, null)).toBeUndefined(); // the run of failures is broken
    health.checkFailed(5, 'a');
    health.checkFailed(6, 'b');
    expect(health.checkFailed(7, 'c')?.to).toBe('down');
    expect(health.routable).toBe(false);
    expect(health.checkSucceeded(8, 5, null)).toBeUndefined();
    expect(health.checkSucceeded(9, 5, null)?.to).toBe('up');
    expect(health.routable).toBe(true);
  });

  it('counts passive failures (unreachable, 5xx) with the active ones; an answered request resets them', () => {
    const health = new GeodeHealth(thresholds);
    health.checkSucceeded(1, 5, null);
    health.requestFailed('ECONNRESET');
    health.requestFailed('answered 503');
    health.requestSucceeded();
    health.requestFailed('answered 503');
    health.requestFailed('answered 503');
    expect(health.state).toBe('up');
    expect(health.checkFailed(2, 'timeout')?.to).toBe('down');
    expect(health.snapshot()).toMatchObject({
      state: 'down',
      consecutiveFailures: 3,
      lastError: 'timeout',
    });
  });

  it('is lagging when the reported lag is over the limit', () => {
    const health = new GeodeHealth(thresholds);
    health.checkSucceeded(1, 5, 1_500);
    expect(health.lagging).toBe(true);
    health.checkSucceeded(2, 5, 200);
    expect(health.lagging).toBe(false);
    health.checkSucceeded(3, 5, null);
    expect(health.lagging).toBe(false);
  });
});
