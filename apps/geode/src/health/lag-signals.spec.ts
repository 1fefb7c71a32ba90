import { projectionLagMs, replicationLagMs } from './lag-signals';

describe('lag signals for /health', () => {
  it('projection lag is the oldest pending event over every projection, 0 when all are current', () => {
    expect(projectionLagMs([])).toBe(0);
    expect(
      projectionLagMs([
        { name: 'ledger', lag: { events: 0, seconds: 0 } },
        { name: 'conflicts', lag: { events: 0, seconds: 0 } },
      ]),
    ).toBe(0);
    expect(
      projectionLagMs([
        { name: 'ledger', lag: { events: 3, seconds: 0.25 } },
        { name: 'conflicts', lag: { events: 1, seconds: 1.5004 } },
      ]),
    ).toBe(1500);
  });

  it('replication lag is the worst origin still behind; an origin caught up counts 0', () => {
    expect(replicationLagMs({}, 'eu-west-1')).toBe(0);
    expect(
      replicationLagMs(
        {
          'eu-west-1': { events: 0, ms: 0 },
          'us-east-1': { events: 12, ms: 340 },
          'ap-southeast-1': { events: 2, ms: 90 },
        },
        'eu-west-1',
      ),
    ).toBe(340);
  });

  it('a geode is never behind on its own origin', () => {
    expect(replicationLagMs({ 'eu-west-1': { events: 5, ms: 900 } }, 'eu-west-1')).toBe(0);
  });
});
