import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { GqlContextType } from '@nestjs/graphql';
import { ProblemDetailsFilter, type ProblemMapper } from '@geode/problem-details';
import { toGraphqlError } from './graphql-problems';

/**
 * The app's one error filter for both transports: problem details over HTTP
 * (`ProblemDetailsFilter`), and the same problems as GraphQL errors for
 * resolvers, which have no HTTP response to write to.
 */
@Catch()
export class GeodeProblemsFilter implements ExceptionFilter {
  private readonly http: ProblemDetailsFilter;

  constructor(private readonly mappers: readonly ProblemMapper[] = []) {
    this.http = new ProblemDetailsFilter(mappers);
  }

  catch(error: unknown, host: ArgumentsHost): unknown {
    // graphql-js treats an Error a resolver returns as that field's error.
    if (host.getType<GqlContextType>() === 'graphql') return toGraphqlError(error, this.mappers);
    this.http.catch(error, host);
    return undefined;
  }
}
