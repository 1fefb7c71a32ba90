import { HttpException, Logger } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { GraphQLError } from 'graphql';
import {
  ProblemException,
  problemTypeForStatus,
  type ProblemBody,
  type ProblemMapper,
} from '@geode/problem-details';

const logger = new Logger('GraphQL');

/**
 * The problem an error would be over REST, as a GraphQL error: the problem
 * type becomes `extensions.code` (with the status and any extension members),
 * so clients switch on the same stable codes in both APIs. Unknown errors
 * leak nothing but a correlation hint; the stack goes to the log.
 */
export function toGraphqlError(error: unknown, mappers: readonly ProblemMapper[]): GraphQLError {
  if (error instanceof GraphQLError) return error;
  let problem: ProblemBody | undefined;
  for (const mapper of mappers) {
    problem = mapper(error);
    if (problem) break;
  }
  if (!problem && error instanceof ProblemException) problem = error.problem();
  if (!problem && error instanceof HttpException) {
    const status = error.getStatus();
    problem = {
      type: problemTypeForStatus(status),
      title: STATUS_CODES[status] ?? 'Error',
      status,
      detail: error.message,
    };
  }
  if (!problem) {
    logger.error({ err: error }, 'unhandled error in a GraphQL resolver');
    return new GraphQLError('an unexpected error occurred', {
      extensions: { code: 'internal', status: 500 },
    });
  }
  const { type, title: _title, status, detail, ...extensions } = problem;
  return new GraphQLError(detail ?? type, { extensions: { ...extensions, code: type, status } });
}
