import { readHealthAnswer } from './health-answer';

const ok = (extra: object = {}) => JSON.stringify({ status: 'ok', region: 'eu-west-1', ...extra });

describe('readHealthAnswer', () => {
  it('is healthy for a 200 "ok" answer from the expected region', () => {
    expect(
      readHealthAnswer(200, ok({ details: { database: { status: 'up' } } }), 'eu-west-1'),
    ).toEqual({
      healthy: true,
      lagMs: null,
    });
  });

  it('reads the larger of the replication and projection lags', () => {
    const details = {
      replication: { status: 'up', lagMs: 120 },
      projections: { status: 'up', lagMs: 900 },
    };
    expect(readHealthAnswer(200, ok({ details }), 'eu-west-1')).toEqual({
      healthy: true,
      lagMs: 900,
    });
    const hostile = { replication: { lagMs: -5 }, projections: { lagMs: 'lots' } };
    expect(readHealthAnswer(200, ok({ details: hostile }), 'eu-west-1')).toEqual({
      healthy: true,
      lagMs: null,
    });
  });

  it.each([
    [503, ok(), 'health answered 503'],
    [200, '<html>', 'not JSON'],
    [200, '[1]', 'status is not "ok"'],
    [200, JSON.stringify({ status: 'error', region: 'eu-west-1' }), 'status is not "ok"'],
    [
      200,
      JSON.stringify({ status: 'ok', region: 'us-east-1' }),
      'serves us-east-1, configured as eu-west-1',
    ],
  ])('is unhealthy for %s %s', (status, body, error) => {
    const answer = readHealthAnswer(status, body, 'eu-west-1');
    expect(answer.healthy).toBe(false);
    expect(answer.healthy === false && answer.error).toContain(error);
  });
});
