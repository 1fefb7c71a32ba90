import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { ProblemException } from '@geode/problem-details';
import type { Response } from 'express';
import { OperatorAuthenticationError } from './operator-authentication-error';
import {
  AuthenticatedOperator,
  OPERATOR_CHALLENGE,
  OperatorAuthenticator,
  OperatorRequest,
} from './operator-authenticator';

/** `request.operator`, once the guard has let a request through. */
type WithOperator = { operator?: AuthenticatedOperator; res?: Response };

/**
 * Guards operator routes (REST and GraphQL resolvers): a 401 or 403 problem
 * unless the request carries a configured operator token; then
 * `request.operator` is `{ name }` (read it with `authenticatedOperator`).
 */
@Injectable()
export class OperatorGuard implements CanActivate {
  constructor(
    @Inject(OperatorAuthenticator) private readonly authenticator: OperatorAuthenticator,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = requestOf(context);
    if (request.operator) return true;
    try {
      request.operator = this.authenticator.authenticate(request);
      return true;
    } catch (error) {
      if (!(error instanceof OperatorAuthenticationError)) throw error;
      if (error.status === 401) request.res?.setHeader('WWW-Authenticate', OPERATOR_CHALLENGE);
      throw new ProblemException(error.status, error.code, error.message);
    }
  }
}

/** The HTTP request of a controller call or of a GraphQL resolver (whose context holds `req`). */
function requestOf(context: ExecutionContext): OperatorRequest & WithOperator {
  if (context.getType<string>() === 'graphql') {
    const graphqlContext = context.getArgByIndex<{ req?: OperatorRequest & WithOperator }>(2);
    if (!graphqlContext?.req)
      throw new Error(
        'the GraphQL context has no req: build it with context: ({ req }) => ({ req })',
      );
    return graphqlContext.req;
  }
  return context.switchToHttp().getRequest<OperatorRequest & WithOperator>();
}

/** The operator `OperatorGuard` authenticated; a route that is not guarded is a programming error. */
export function authenticatedOperator(request: unknown): AuthenticatedOperator {
  const operator = (request as WithOperator | null)?.operator;
  if (!operator || typeof operator.name !== 'string')
    throw new Error(
      'no authenticated operator on this request: guard the route with OperatorGuard',
    );
  return operator;
}
