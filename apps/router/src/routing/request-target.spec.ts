import { InvalidRequestTarget, parseRequestTarget } from './request-target';

describe('parseRequestTarget', () => {
  it('accepts origin-form targets and finds the account they are about', () => {
    expect(parseRequestTarget('/v1/accounts/acc-1.x:2/deposits?x=1')).toEqual({
      path: '/v1/accounts/acc-1.x:2/deposits',
      pathAndQuery: '/v1/accounts/acc-1.x:2/deposits?x=1',
      accountId: 'acc-1.x:2',
    });
    expect(parseRequestTarget('/v1/transfers').accountId).toBeUndefined();
    expect(parseRequestTarget('/v1/accounts/a%41').accountId).toBe('aA');
    expect(parseRequestTarget('/v1/accounts/a%20b').accountId).toBeUndefined();
    expect(parseRequestTarget('/v1/accounts?owner=..%2F').path).toBe('/v1/accounts');
  });

  it.each([
    'http://evil.example/v1/accounts',
    'evil.example:443',
    '*',
    '//evil.example/x',
    '/v1/../admin/v1/replay',
    '/v1/./accounts',
    '/v1/%2e%2e/admin',
    '/v1/%2E./admin',
    '/v1/accounts/a%2fb',
    '/v1/accounts/a%5cb',
    '/v1/accounts/%252e%252e',
    '/v1/accounts/a%00',
    '/v1/accounts/%zz',
    '/v1\\..\\admin',
    '/v1/accounts#x',
  ])('refuses %s', (target) => {
    expect(() => parseRequestTarget(target)).toThrow(InvalidRequestTarget);
  });
});
