import { ManualWallClock } from '@geode/clock';
import { LagTracker } from './lag-tracker';

describe('LagTracker', () => {
  const setup = () => {
    const clock = new ManualWallClock(1_000);
    return { clock, lag: new LagTracker(clock) };
  };

  it('is behind by what the best-informed peer holds, for as long as it has not caught up', () => {
    const { clock, lag } = setup();
    lag.observeLocal({ 'eu-west-1': 5 });
    lag.observePeer('us-east-1', { 'eu-west-1': 7, 'us-east-1': 3 });
    lag.observePeer('ap-southeast-2', { 'eu-west-1': 9 });
    clock.advance(250);
    expect(lag.lag()).toEqual({
      'eu-west-1': { events: 4, ms: 250 },
      'us-east-1': { events: 3, ms: 250 },
    });
    lag.observeLocal({ 'eu-west-1': 8 }); // closer, still behind: the clock keeps running
    clock.advance(100);
    expect(lag.lag()['eu-west-1']).toEqual({ events: 1, ms: 350 });
    lag.observeLocal({ 'eu-west-1': 9, 'us-east-1': 3 });
    expect(lag.lag()).toEqual({
      'eu-west-1': { events: 0, ms: 0 },
      'us-east-1': { events: 0, ms: 0 },
    });
  });

  it('never moves a vector backwards (a stale report does not undo a newer one)', () => {
    const { lag } = setup();
    lag.observeLocal({ 'eu-west-1': 9 });
    lag.observeLocal({ 'eu-west-1': 4 });
    lag.observePeer('us-east-1', { 'eu-west-1': 9 });
    lag.observePeer('us-east-1', { 'eu-west-1': 2 });
    expect(lag.localVector).toEqual({ 'eu-west-1': 9 });
    expect(lag.peerVector('us-east-1')).toEqual({ 'eu-west-1': 9 });
    expect(lag.lag()['eu-west-1']).toEqual({ events: 0, ms: 0 });
  });
});
