import { ResidencyCache } from './residency-cache';
import { accountOfLocation, parseResidencyHint, residencyFromProblem } from './residency-hints';

describe('residency hints', () => {
  it('reads a residency-violation problem, checking every member', () => {
    const problem = {
      type: 'residency-violation',
      accountId: 'acc-1',
      region: 'us-east-1',
      allowedRegions: ['eu-west-1'],
    };
    expect(residencyFromProblem(problem)).toEqual({
      accountId: 'acc-1',
      allowedRegions: ['eu-west-1'],
    });
    expect(residencyFromProblem({ ...problem, type: 'conflict' })).toBeUndefined();
    expect(residencyFromProblem({ ...problem, allowedRegions: [] })).toBeUndefined();
    expect(residencyFromProblem({ ...problem, allowedRegions: ['EU'] })).toBeUndefined();
    expect(residencyFromProblem({ ...problem, allowedRegions: 'eu-west-1' })).toBeUndefined();
    expect(residencyFromProblem({ ...problem, accountId: '../x' })).toBeUndefined();
  });

  it('reads the Geode-Residency header and a Location naming an account', () => {
    expect(parseResidencyHint(' eu-west-1, eu-central-1 ')).toEqual(['eu-west-1', 'eu-central-1']);
    expect(parseResidencyHint('*')).toBeNull();
    expect(parseResidencyHint('eu-west-1;evil')).toBeUndefined();
    expect(accountOfLocation('/v1/accounts/acc-1')).toBe('acc-1');
    expect(accountOfLocation('/v1/accounts/acc-1/x')).toBeUndefined();
  });
});

describe('ResidencyCache', () => {
  it('forgets the least recently used account beyond its capacity', () => {
    const cache = new ResidencyCache(2);
    cache.learn('a', ['eu-west-1']);
    cache.learn('b', ['eu-west-1']);
    cache.allowedRegions('a');
    cache.learn('c', ['us-east-1']);
    expect(cache.allowedRegions('b')).toBeUndefined();
    expect(cache.allowedRegions('a')).toEqual(['eu-west-1']);
    expect(cache.allowedRegions('c')).toEqual(['us-east-1']);
    expect(cache.size).toBe(2);
  });
});
