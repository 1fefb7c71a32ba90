import type { ExecutionContext } from '@nestjs/common';
import { ProblemException } from '@geode/problem-details';
import { loadOperatorAuthConfig } from './load-operator-auth-config';
import { OperatorAuthenticator } from './operator-authenticator';
import { authenticatedOperator, OperatorGuard } from './operator.guard';

const BOB = '9c1e7a0b5d2c8e4f6a1b3c5d7e9f0a2b';

function guardWith(env: Record<string, string>) {
  const authenticator = new OperatorAuthenticator(loadOperatorAuthConfig(env), {
    refused: () => undefined,
  });
  return new OperatorGuard(authenticator);
}

function httpRequest(authorization?: string) {
  const sent: Record<string, string> = {};
  return {
    sent,
    request: {
      method: 'POST',
      originalUrl: '/v1/conflicts/x/resolve',
      headers: authorization === undefined ? {} : { authorization },
      res: { setHeader: (name: string, value: string) => (sent[name] = value) },
    },
  };
}

const httpContext = (request: object) =>
  ({
    getType: () => 'http',
    switchToHttp: () => ({ getRequest: () => request }),
  }) as unknown as ExecutionContext;

/** A resolver's context: (root, args, context, info), the request in `context.req`. */
const graphqlContext = (request: object) =>
  ({
    getType: () => 'graphql',
    getArgByIndex: (index: number) => (index === 2 ? { req: request } : undefined),
  }) as unknown as ExecutionContext;

function problemOf(activate: () => unknown) {
  try {
    activate();
  } catch (error) {
    if (error instanceof ProblemException) return error.problem();
    throw error;
  }
  throw new Error('expected a problem');
}

describe('OperatorGuard', () => {
  const guard = guardWith({ GEODE_OPERATOR_TOKENS: `bob:${BOB}` });

  it('lets an operator through and records who on the request, for REST and GraphQL', () => {
    for (const context of [httpContext, graphqlContext]) {
      const { request } = httpRequest(`Bearer ${BOB}`);
      expect(guard.canActivate(context(request))).toBe(true);
      expect(authenticatedOperator(request)).toEqual({ name: 'bob' });
    }
  });

  it('answers a 401 problem with a Bearer challenge without or with a bad token', () => {
    for (const [header, type] of [
      [undefined, 'operator-authentication-required'],
      ['Bearer nope-nope-nope-nope-nope-nope-nope-nope', 'operator-authentication-failed'],
    ] as const) {
      const { request, sent } = httpRequest(header);
      expect(problemOf(() => guard.canActivate(httpContext(request)))).toMatchObject({
        type,
        status: 401,
        title: 'Unauthorized',
      });
      expect(sent).toEqual({ 'WWW-Authenticate': 'Bearer' });
      expect(() => authenticatedOperator(request)).toThrow(/guard the route with OperatorGuard/);
    }
  });

  it('answers 403 operator-authentication-not-configured, without a challenge, when no operator exists', () => {
    const { request, sent } = httpRequest(`Bearer ${BOB}`);
    expect(problemOf(() => guardWith({}).canActivate(graphqlContext(request)))).toMatchObject({
      type: 'operator-authentication-not-configured',
      status: 403,
    });
    expect(sent).toEqual({});
  });
});
